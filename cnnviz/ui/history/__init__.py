"""The History tab: earlier training runs, replayed epoch by epoch, and two runs compared.

- :mod:`~cnnviz.ui.history.panel` — :class:`HistoryPanel`, the tab, which assembles:
- :mod:`~cnnviz.ui.history.run_table` — the list of run folders;
- :mod:`~cnnviz.ui.history.replay_view` — a run's kernels, spectra and feature maps after each epoch;
- :mod:`~cnnviz.ui.history.comparison_view` — two runs' loss and accuracy on the same axes;
- :mod:`~cnnviz.ui.history.run_summary` — a run in words (no Qt);
- :mod:`~cnnviz.ui.history.run_curves` — a run's history as curves to plot (no Qt).
"""
