"""Checking an analysis's parameters against the model, with messages that say what was wrong.

Every analysis validates its keyword parameters before it asks the engine for anything: the
layer must exist and be of a kind the analysis understands, counts must be integers (never
booleans), an input image must be one finite image of the model's input shape. Each check
raises ``ValueError`` with what was received and what was expected. The small array helpers
the results share (read-only copies, short lists of indices) live here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from cnnviz.core.checks import is_int
from cnnviz.core.config import Conv2D, Dense
from cnnviz.core.results import frozen

if TYPE_CHECKING:
    from cnnviz.core.config import LayerSpec, ModelConfig
    from cnnviz.engines.base import Engine


def read_only(array) -> np.ndarray:
    """A read-only copy (never a view of an engine's buffer)."""
    return frozen(np.array(array, copy=True))


def listed(indices: Sequence[int], limit: int = 12) -> str:
    """``"3, 11"``; long lists end in ``"… (+20 more)"``."""
    shown = ", ".join(str(index) for index in indices[:limit])
    return shown + (f", … (+{len(indices) - limit} more)" if len(indices) > limit else "")


def model_config(engine: Engine, what: str) -> ModelConfig:
    """The engine's configuration, or a ValueError saying that ``what`` needs one."""
    config = engine.config
    if config is None:
        raise ValueError(f"This model has no cnnviz configuration (a .keras model made elsewhere); {what} "
                         "needs each layer's settings. Open a model saved by cnnviz, or build one.")
    return config


def layer_specs(engine: Engine, what: str) -> dict[str, LayerSpec]:
    """``{layer name: layer spec}`` from the engine's configuration, or a ValueError saying that
    ``what`` needs one."""
    config = model_config(engine, what)
    return dict(zip(config.layer_names(), config.layers))


def weighted_spec(specs: dict[str, LayerSpec], name: str) -> Conv2D | Dense:
    """The spec of ``name``, a convolution or dense layer (a ValueError for any other kind)."""
    spec = specs[name]
    if not isinstance(spec, (Conv2D, Dense)):
        raise ValueError(f"Layer {name!r} is a {spec.kind} layer; choose a conv2d or dense layer.")
    return spec


def check_layer(name, specs: dict, kinds: tuple[str, ...], what: str) -> str:
    """``name`` checked to be a layer of one of ``kinds``; ``what`` says what to choose instead."""
    if not isinstance(name, str):
        raise ValueError(f"layer must be a layer name (a string), received {name!r}.")
    if name not in specs:
        raise ValueError(f"There is no layer {name!r}; the layers are {', '.join(specs)}.")
    if specs[name].kind not in kinds:
        raise ValueError(f"Layer {name!r} is a {specs[name].kind} layer; {what}.")
    return name


def integer(value, what: str, minimum: int | None = None) -> int:
    """``value`` as an int, refusing booleans, other types and values below ``minimum``."""
    if not is_int(value):
        raise ValueError(f"{what} must be an integer, received {value!r}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{what} must be at least {minimum}, received {value}.")
    return int(value)


def output_shapes(engine: Engine, maps: dict) -> dict[str, tuple[int, ...]]:
    """Every layer's output shape without the batch axis, from one call's feature maps."""
    return {name: tuple(np.shape(maps[name])[1:]) for name in engine.layer_names() if name in maps}


def spatial_layer(engine: Engine, shapes: dict[str, tuple[int, ...]], layer) -> str:
    """``layer`` checked to give feature maps ``(h, w, c)``; by default the first convolution."""
    spatial = [name for name, shape in shapes.items() if len(shape) == 3]
    if not spatial:
        raise ValueError("This model has no layer with feature maps (every layer gives vectors).")
    if layer is None:
        config = engine.config
        convolutions = ([name for name, spec in zip(config.layer_names(), config.layers) if spec.kind == "conv2d"]
                        if config is not None else [])
        return convolutions[0] if convolutions else spatial[0]
    if not isinstance(layer, str):
        raise ValueError(f"layer must be a layer name (a string), received {layer!r}.")
    if layer not in shapes:
        raise ValueError(f"There is no layer {layer!r}; the layers are {', '.join(shapes)}.")
    if layer not in spatial:
        raise ValueError(f"Layer {layer!r} gives vectors of shape {shapes[layer]}, not feature maps; choose "
                         f"one of {', '.join(spatial)}.")
    return layer


def filter_number(filter_index, layer: str, num_filters: int) -> int:
    """``filter_index`` checked to number one of the layer's ``num_filters`` filters."""
    if not is_int(filter_index) or not 0 <= filter_index < num_filters:
        raise ValueError(f"Layer {layer!r} has {num_filters} filters, numbered 0 to {num_filters - 1}; "
                         f"filter {filter_index!r} does not exist. Choose one of those.")
    return int(filter_index)


def one_image(image, what: str, engine: Engine) -> np.ndarray:
    """``image`` as a float32 batch of one, ``(1, h, w, c)``, checked against the model's input."""
    if image is None:
        raise ValueError(f"{what} is missing: give one input image of shape (1, height, width, channels).")
    array = np.asarray(image)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[0] != 1 or 0 in array.shape:
        raise ValueError(f"{what} must be one image of shape (1, height, width, channels), received an array "
                         f"of shape {array.shape}.")
    if not np.issubdtype(array.dtype, np.number) or not np.isfinite(array).all():
        raise ValueError(f"{what} must hold finite numbers.")
    config = engine.config
    if config is not None and array.shape[1:] != tuple(config.input_shape):
        raise ValueError(f"{what} has shape {array.shape[1:]}, but the model takes inputs of shape "
                         f"{tuple(config.input_shape)}.")
    return array.astype(np.float32)
