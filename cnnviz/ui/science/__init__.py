"""The Science panel (:mod:`~cnnviz.ui.science.panel`) and its tabs, one public widget per module.

- :mod:`~cnnviz.ui.science.spectra_comparison` — feature-map spectra of two inputs, and the
  class-by-class similarity matrix (report §5.1), made of
  :mod:`~cnnviz.ui.science.pair_view` (the two inputs' maps, spectra and radial profiles),
  :mod:`~cnnviz.ui.science.class_matrix_view` (the matrix, its verdicts and exports),
  :mod:`~cnnviz.ui.science.similarity_heatmap` (the matrix as a heatmap) and
  :mod:`~cnnviz.ui.science.comparison_inputs` (the test images input B is drawn from);
- :mod:`~cnnviz.ui.science.flip_view` — backprop through a convolution as a convolution with the
  flipped kernel (§4.3);
- :mod:`~cnnviz.ui.science.symmetry_view` — weight-space symmetries (§1.1);
- :mod:`~cnnviz.ui.science.dead_filters_view` — dead filters and pruning (§5.2);
- :mod:`~cnnviz.ui.science.common` — the model's layers by kind, and a labelled image plot.
"""
