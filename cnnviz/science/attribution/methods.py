"""The base attribution methods by name, each as a function of a whole batch, so that SmoothGrad
and the sanity checks can run any of them on many images in few engine calls.

A method's batch function takes ``(engine, images, class_index, **settings)`` and returns per-channel
values ``(n, h, w, c)`` (reduced to one value per pixel by its ``channel_rule``) or, for methods
without channels, the maps ``(n, h, w)`` themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cnnviz.engines.base import Engine
from cnnviz.science.attribution import gradients
from cnnviz.science.attribution.grad_cam import GRAD_CAM_LEGEND, cam_batch, check_layer
from cnnviz.science.attribution.integrated_gradients import IG_LEGEND, integrated_gradients_batch
from cnnviz.science.attribution.occlusion import OCCLUSION_LEGEND, occlusion_batch
from cnnviz.science.attribution.result import reduce_channels


@dataclass(frozen=True)
class MethodSpec:
    """A base method: its batch function, how channels become one map, and how to read the map."""

    name: str
    batch: Callable[..., np.ndarray]
    channel_rule: str | None
    signed: bool
    legend: str
    settings: tuple[str, ...] = ()
    """The keyword settings the batch function takes besides engine, images and class."""


def _cam(engine: Engine, images: np.ndarray, class_index: int, layer: str | None = None) -> np.ndarray:
    return cam_batch(engine, images, class_index, check_layer(engine, layer))[0]


def _cam_plus_plus(engine: Engine, images: np.ndarray, class_index: int, layer: str | None = None) -> np.ndarray:
    return cam_batch(engine, images, class_index, check_layer(engine, layer), plus_plus=True)[0]


BASE_METHODS: dict[str, MethodSpec] = {spec.name: spec for spec in (
    MethodSpec("gradient", gradients.gradient_batch, "max-abs", False, gradients.GRADIENT_LEGEND),
    MethodSpec("gradient-x-input", gradients.gradient_x_input_batch, "sum", True, gradients.GRADIENT_X_INPUT_LEGEND),
    MethodSpec("guided-backprop", gradients.guided_batch, "max-abs", False, gradients.GUIDED_LEGEND),
    MethodSpec("grad-cam", _cam, None, False, GRAD_CAM_LEGEND, ("layer",)),
    MethodSpec("grad-cam++", _cam_plus_plus, None, False, GRAD_CAM_LEGEND, ("layer",)),
    MethodSpec("integrated-gradients", integrated_gradients_batch, "sum", True, IG_LEGEND,
               ("baseline", "steps", "rule", "blur_sigma", "batch_size")),
    MethodSpec("occlusion", occlusion_batch, None, True, OCCLUSION_LEGEND,
               ("patch_size", "stride", "fill", "batch_size")),
)}


def base_method(name: str) -> MethodSpec:
    """The base method called ``name`` (ValueError listing the names otherwise)."""
    if name not in BASE_METHODS:
        raise ValueError(f"Unknown attribution method {name!r}; expected one of {', '.join(BASE_METHODS)}.")
    return BASE_METHODS[name]


def settings_for(spec: MethodSpec, settings: dict) -> dict:
    """The entries of ``settings`` that ``spec`` takes (None values dropped: the method's default)."""
    return {key: value for key, value in settings.items() if key in spec.settings and value is not None}


def raw_values(engine: Engine, name: str, images: np.ndarray, class_index: int, **settings) -> np.ndarray:
    """The method's own output for a batch: ``(n, h, w, c)`` or ``(n, h, w)``."""
    spec = base_method(name)
    return spec.batch(engine, images, class_index, **settings_for(spec, settings))


def to_maps(spec: MethodSpec, values: np.ndarray) -> np.ndarray:
    """One value per pixel, ``(n, h, w)``, from a method's output."""
    return values if spec.channel_rule is None else reduce_channels(values, spec.channel_rule)


def maps(engine: Engine, name: str, images: np.ndarray, class_index: int, **settings) -> np.ndarray:
    """Method ``name``'s maps for a batch, shape (n, h, w)."""
    return to_maps(base_method(name), raw_values(engine, name, images, class_index, **settings))
