"""Attribution maps: which pixels of an input a class's score depends on, by several methods, and
the sanity checks (Adebayo et al. 2018) that tell a map that reads the model from one that does not.

Every method works through the engine contract (:class:`cnnviz.engines.base.Engine`: ``gradients``
of a class logit, ``feature_maps``, ``predict``), so it runs on either engine and on any model they
open; guided backpropagation uses an engine's optional ``guided_gradients`` and reports clearly where
there is none. One module per idea:

=========================  ==========================================================  =========================
name (:func:`explain`)     what                                                        module
=========================  ==========================================================  =========================
``gradient``               saliency, ``|∂y/∂x|``                                       :mod:`.gradients`
``gradient-x-input``       ``x ⊙ ∂y/∂x``                                               :mod:`.gradients`
``guided-backprop``        ReLUs pass only positive gradients to positive inputs       :mod:`.gradients`
``grad-cam``/``grad-cam++`` class activation maps at a feature-map layer, upsampled    :mod:`.grad_cam`
``smoothgrad[:BASE]``      any base method averaged over seeded noisy copies           :mod:`.smoothgrad`
``integrated-gradients``   path integral from a baseline, with its completeness gap    :mod:`.integrated_gradients`
``occlusion``              probability drop under a sliding patch                      :mod:`.occlusion`
=========================  ==========================================================  =========================

:mod:`.sanity` runs the cascading model-parameter randomization and the label randomization tests
and reports Spearman rank correlation and SSIM (:mod:`.similarity`) per method and step. Each map is
an :class:`AttributionMap` (frozen, read-only arrays, a legend saying what the colours mean).
"""

from cnnviz.science.attribution.catalogue import METHOD_NAMES, check_method, explain
from cnnviz.science.attribution.grad_cam import grad_cam, grad_cam_plus_plus, spatial_layers
from cnnviz.science.attribution.gradients import gradient, gradient_x_input, guided_backprop
from cnnviz.science.attribution.integrated_gradients import integrated_gradients
from cnnviz.science.attribution.methods import BASE_METHODS
from cnnviz.science.attribution.occlusion import occlusion
from cnnviz.science.attribution.result import AttributionMap, AttributionUnavailable
from cnnviz.science.attribution.sanity import DEFAULT_METHODS, cascading_randomization, label_randomization
from cnnviz.science.attribution.sanity_report import SanityTable
from cnnviz.science.attribution.similarity import spearman, ssim
from cnnviz.science.attribution.smoothgrad import smoothgrad

__all__ = [
    "BASE_METHODS", "DEFAULT_METHODS", "METHOD_NAMES", "AttributionMap", "AttributionUnavailable", "SanityTable",
    "cascading_randomization", "check_method", "explain", "grad_cam", "grad_cam_plus_plus", "gradient",
    "gradient_x_input", "guided_backprop", "integrated_gradients", "label_randomization", "occlusion", "smoothgrad",
    "spatial_layers", "spearman", "ssim",
]
