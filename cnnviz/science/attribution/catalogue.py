"""Every attribution method by name, with one entry point: :func:`explain`.

Names: the base methods (:data:`~cnnviz.science.attribution.methods.BASE_METHODS`) and
``"smoothgrad"`` (SmoothGrad of the gradient) or ``"smoothgrad:BASE"`` for SmoothGrad of any base.
"""

from __future__ import annotations

import numpy as np

from cnnviz.engines.base import Engine
from cnnviz.science.attribution.grad_cam import grad_cam, grad_cam_plus_plus
from cnnviz.science.attribution.gradients import gradient, gradient_x_input, guided_backprop
from cnnviz.science.attribution.integrated_gradients import integrated_gradients
from cnnviz.science.attribution.methods import BASE_METHODS, base_method, settings_for
from cnnviz.science.attribution.occlusion import occlusion
from cnnviz.science.attribution.result import AttributionMap
from cnnviz.science.attribution.smoothgrad import smoothgrad

METHOD_NAMES = (*BASE_METHODS, "smoothgrad")
"""The names :func:`explain` takes (besides ``smoothgrad:BASE``)."""

_FUNCTIONS = {
    "gradient": gradient, "gradient-x-input": gradient_x_input, "guided-backprop": guided_backprop,
    "grad-cam": grad_cam, "grad-cam++": grad_cam_plus_plus, "integrated-gradients": integrated_gradients,
    "occlusion": occlusion,
}

SMOOTHGRAD_SETTINGS = ("num_samples", "noise", "seed")


def check_method(name: str) -> str:
    """``name`` if it names a method (ValueError listing the names otherwise)."""
    if not isinstance(name, str):
        raise ValueError(f"The method must be a name, received {name!r}.")
    if name == "smoothgrad":
        return name
    if name.startswith("smoothgrad:"):
        base_method(name.partition(":")[2])
        return name
    base_method(name)
    return name


def explain(engine: Engine, image: np.ndarray, method: str, class_index: int | None = None,
            **settings) -> AttributionMap:
    """The attribution map of ``method`` for one image and class (default: the predicted class).

    Parameters
    ----------
    engine : Engine
    image : ndarray, shape (h, w, c) or (1, h, w, c)
    method : str
        One of :data:`METHOD_NAMES`, or ``"smoothgrad:BASE"``.
    **settings
        The method's settings: ``layer`` (Grad-CAM), ``baseline``, ``steps``, ``rule``, ``blur_sigma``
        (Integrated Gradients), ``patch_size``, ``stride``, ``fill`` (occlusion), ``num_samples``,
        ``noise``, ``seed`` (SmoothGrad); settings a method does not use are ignored, None means the
        default.

    Raises
    ------
    ValueError
        For an unknown method or a bad setting;
        :class:`~cnnviz.science.attribution.result.AttributionUnavailable` when the engine cannot
        compute the method.
    """
    check_method(method)
    if method.startswith("smoothgrad"):
        base = method.partition(":")[2] or "gradient"
        smooth = {key: value for key, value in settings.items() if key in SMOOTHGRAD_SETTINGS and value is not None}
        return smoothgrad(engine, image, class_index, base=base, **smooth,
                          **settings_for(base_method(base), settings))
    return _FUNCTIONS[method](engine, image, class_index, **settings_for(base_method(method), settings))
