"""The Training dock: live loss and accuracy curves of the current run, earlier runs overlaid.

- :mod:`~cnnviz.ui.training.monitor` — :class:`TrainingMonitor`, the dock's widget;
- :mod:`~cnnviz.ui.training.run_curves` — one run's step history and the plot items that draw it;
- :mod:`~cnnviz.ui.training.series` — growing step buffers and the moving average (no Qt);
- :mod:`~cnnviz.ui.training.status_line` — the line under the plots (no Qt).
"""
