"""Plot pieces shared by the training monitor, the Experiments and History tabs, and the class charts.

- :mod:`~cnnviz.ui.plots.legend_strip` — a legend in its own strip under the x axis, never over the data;
- :mod:`~cnnviz.ui.plots.divergence` — the "diverged" marker and where a curve broke;
- :mod:`~cnnviz.ui.plots.axes` — when the loss axis turns logarithmic, the x range padded for the
  markers, and the axis style every training plot shares;
- :mod:`~cnnviz.ui.plots.view_box` — a view whose automatic range keeps to a metric's bounds and
  leaves the markers at its edges room, at any size;
- :mod:`~cnnviz.ui.plots.series_style` — how batch values, epoch means and validation are drawn,
  the same on every plot;
- :mod:`~cnnviz.ui.plots.elided_title` — a plot title shortened to the plot's width;
- :mod:`~cnnviz.ui.plots.colours` — the colours runs are drawn in;
- :mod:`~cnnviz.ui.plots.class_labels` — class-axis labels that never overlap (the input panel's
  probability chart, the Evaluation tab's per-class accuracy chart).
"""
