"""The Science panel's tabs, one public widget per module (assembled by :mod:`cnnviz.ui.science.panel`).

- :mod:`~cnnviz.ui.science.spectra_comparison` — feature-map spectra of two inputs, and the
  class-by-class similarity matrix (report §5.1);
- :mod:`~cnnviz.ui.science.similarity_heatmap` — the matrix as a heatmap;
- :mod:`~cnnviz.ui.science.flip_view` — backprop through a convolution as a convolution with the
  flipped kernel (§4.3);
- :mod:`~cnnviz.ui.science.symmetry_view` — weight-space symmetries (§1.1);
- :mod:`~cnnviz.ui.science.dead_filters_view` — dead filters and pruning (§5.2);
- :mod:`~cnnviz.ui.science.common` — the model's layers by kind, and a labelled image plot.
"""
