"""The Experiments tab: sweep one or two settings, train every combination, compare the runs.

- :mod:`~cnnviz.ui.experiments.panel` — :class:`ExperimentsPanel`, the tab, which assembles:
- :mod:`~cnnviz.ui.experiments.setup_form` — the preset or sweeps, engine, epochs, data, Run and status;
- :mod:`~cnnviz.ui.experiments.loss_plot` — every run's loss curve, diverged runs marked;
- :mod:`~cnnviz.ui.experiments.results_table` — a row of results per run;
- :mod:`~cnnviz.ui.experiments.sweep_settings` — the settings a sweep may change, and its checks (no Qt);
- :mod:`~cnnviz.ui.experiments.outcome_text` — results as table cells and a Markdown report (no Qt).
"""
