"""Feature visualization: what a filter, a dense unit or a class responds to, seen two ways.

* :mod:`.optimize`: activation maximization (gradient ascent on the input) with switchable regularizers
  (L2 decay, total variation, jitter / rotation / scaling, blur) in pixel or ``1/f`` Fourier
  parameterization (:mod:`.parameterization`, :mod:`.image_ops`); the unit's gradient comes from the
  engine (:mod:`.objective`).
* :mod:`.top_images`: the dataset images, and the crops at the unit's receptive field, that excite
  each filter most.
"""

from cnnviz.science.feature_vis.objective import FeatureVisUnavailable, layer_shape, visualizable_layers
from cnnviz.science.feature_vis.optimize import FeatureVisResult, Progress, Settings, visualize, visualize_steps

__all__ = ["FeatureVisResult", "FeatureVisUnavailable", "Progress", "Settings", "layer_shape",
           "visualizable_layers", "visualize", "visualize_steps"]
