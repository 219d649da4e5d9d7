"""The input panel: draw, load or pick a picture, see the model input and what the model says.

- :mod:`~cnnviz.ui.drawing.panel` — :class:`DrawingCanvas`, the panel, which assembles:
- :mod:`~cnnviz.ui.drawing.mode_selector` — Digits, Shapes or Clothing;
- :mod:`~cnnviz.ui.drawing.brush_control` — the brush size slider;
- :mod:`~cnnviz.ui.drawing.surface` — the square canvas painted with mouse or pen;
- :mod:`~cnnviz.ui.drawing.canvas_input` — the picture on the canvas, its label, undo and the
  debounced model input made from it;
- :mod:`~cnnviz.ui.drawing.sample_picker` — a random or chosen test image of the mode's dataset;
- :mod:`~cnnviz.ui.drawing.image_files` — the open dialog and reading picture files;
- :mod:`~cnnviz.ui.drawing.caption` — the line under the canvas, default or the panel's own;
- :mod:`~cnnviz.ui.drawing.prediction_view` — the model-input preview, the prediction line and:
- :mod:`~cnnviz.ui.drawing.input_preview` — the model input, each pixel a block;
- :mod:`~cnnviz.ui.drawing.probability_chart` — the class probabilities as bars;
- :mod:`~cnnviz.ui.drawing.model_notice` — over the bars when the model was not trained on what is drawn;
- :mod:`~cnnviz.ui.drawing.model_inputs` — pictures framed as model inputs of any shape;
- :mod:`~cnnviz.ui.drawing.undo_history` — the snapshots Undo restores;
- :mod:`~cnnviz.ui.drawing.modes` — what each mode draws, samples, offers and says (no widgets).
"""
