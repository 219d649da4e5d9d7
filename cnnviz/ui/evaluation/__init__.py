"""The Evaluation tab: accuracy on the test set, the confusion matrix, per-class accuracy, the mistakes.

- :mod:`~cnnviz.ui.evaluation.panel` — :class:`EvaluationPanel`, the tab, which assembles:
- :mod:`~cnnviz.ui.evaluation.confusion_table` — the confusion matrix, coloured by count;
- :mod:`~cnnviz.ui.evaluation.class_accuracy_chart` — each class's accuracy as bars, the overall line;
- :mod:`~cnnviz.ui.evaluation.image_gallery` — a clicked cell's images, or every mistake, as thumbnails.
"""
