"""The numbers that made one unit of one layer (the CNN Explainer idea), for a chain model.

Given a model's configuration, its weights in the exchange form, the input image and every layer's
output for that image (an inspection), :func:`explain_unit` recomputes one unit of one layer from
the layer's input: for a convolution the input patch of every channel (padding zeros included),
the kernel, their products, the sum, the bias, the pre-activation and the activation; for pooling
the window and the winner or the mean; for a dense unit its largest contributions; for the output
layer the logits and the softmax; for the other layers the one-line formula with its numbers.

Plain NumPy on one unit (well under a millisecond for the models cnnviz builds), so the interface
may call it on arrays it already holds. Only a chain can be explained: a layer's input is the
previous layer's output. A model without a cnnviz configuration (a foreign graph) gets an
:class:`UnitArithmetic` whose ``unsupported`` says why instead of numbers that could be wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from cnnviz.core.config import ModelConfig
from cnnviz.core.receptive_field import _same_padding_before

FOREIGN = ("This layer is not part of a cnnviz chain model (a foreign model has no configuration "
           "that says what each layer computes from which input), so its arithmetic is not shown.")

_ACTIVATIONS: dict[str, Callable[[np.float64], np.float64]] = {
    "relu": lambda x: np.maximum(x, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "linear": lambda x: x,
}


@dataclass(frozen=True)
class UnitArithmetic:
    """How one unit's value came about.

    ``index`` is ``(row, column, channel)`` for a map, ``(unit,)`` for a vector. ``arrays`` holds the
    named tables to show (a patch ``(kh, kw, in)``, a window ``(ph, pw)``, contributions ``(k,)``...),
    ``scalars`` the named numbers in the order they are computed, ``formula`` one line with the
    numbers, and ``value`` the result (what the engine's own output holds at ``index``).
    """

    layer: str
    kind: str
    index: tuple[int, ...]
    value: float = float("nan")
    formula: str = ""
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    scalars: dict[str, float] = field(default_factory=dict)
    unsupported: str = ""


def _number(value: float) -> str:
    return f"{value:.4g}"


def _activation(name: str, value: float) -> float:
    if name not in _ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}; expected one of {', '.join(_ACTIVATIONS)}.")
    return float(_ACTIVATIONS[name](np.float64(value)))


def _frozen(array) -> np.ndarray:
    array = np.array(array, dtype=np.float64)
    array.flags.writeable = False
    return array


def layer_input(config: ModelConfig, image: np.ndarray, feature_maps: dict[str, np.ndarray],
                layer: str) -> np.ndarray:
    """The input of ``layer`` for the first image: the previous layer's output, or the image."""
    names = config.layer_names()
    position = names.index(layer)
    source = image if position == 0 else feature_maps[names[position - 1]]
    return np.asarray(source, dtype=np.float64)[0]


def explain_unit(config: ModelConfig | None, weights: dict[str, dict[str, np.ndarray]] | None,
                 image: np.ndarray, feature_maps: dict[str, np.ndarray], layer: str,
                 index: tuple[int, ...]) -> UnitArithmetic:
    """The arithmetic of unit ``index`` of ``layer`` for the first image of the batch ``image``.

    Parameters
    ----------
    config : ModelConfig or None
        The chain's configuration; None (a foreign model) gives an unsupported explanation.
    weights : {layer: {name: ndarray}} or None
        The engine's parameters in the exchange form.
    image : ndarray, shape (1, h, w, c)
    feature_maps : {layer: ndarray}
        Every layer's output for ``image`` (batch of one).
    layer : str
    index : (row, column, channel) for a map layer, (unit,) for a vector layer
    """
    index = tuple(int(i) for i in index)
    if config is None or layer not in config.layer_names():
        return UnitArithmetic(layer, "", index, unsupported=FOREIGN)
    spec = config.layers[config.layer_names().index(layer)]
    params = (weights or {}).get(layer, {})
    if spec.kind in ("conv2d", "dense", "batch_normalization") and not params:
        return UnitArithmetic(layer, spec.kind, index, unsupported="The weights of this layer are not available.")
    source = layer_input(config, image, feature_maps, layer)
    explain = _EXPLAINERS.get(spec.kind)
    if explain is None:
        return UnitArithmetic(layer, spec.kind, index, unsupported=(
            f"A {spec.kind} unit depends on the whole input through a global transform; "
            "its arithmetic is not broken down here."))
    return explain(spec, params, source, layer, index)


def _conv(spec, params, source, layer, index):
    row, column, channel = index
    (kh, kw), (sh, sw) = spec.kernel_size, spec.strides
    height, width = source.shape[:2]
    pad_top = _same_padding_before(height, kh, sh) if spec.padding == "same" else 0
    pad_left = _same_padding_before(width, kw, sw) if spec.padding == "same" else 0
    patch = np.zeros((kh, kw, source.shape[2]))
    top, left = row * sh - pad_top, column * sw - pad_left
    for i in range(kh):
        for j in range(kw):
            if 0 <= top + i < height and 0 <= left + j < width:
                patch[i, j] = source[top + i, left + j]
    kernel = np.asarray(params["kernel"], dtype=np.float64)[:, :, :, channel]
    products = patch * kernel
    total = float(products.sum())
    bias = float(np.asarray(params.get("bias", np.zeros(channel + 1)))[channel])
    pre = total + bias
    value = _activation(spec.activation, pre)
    return UnitArithmetic(
        layer, spec.kind, index, value,
        f"{spec.activation}(Σ patch × kernel + bias) = {spec.activation}({_number(total)} + {_number(bias)}) "
        f"= {spec.activation}({_number(pre)}) = {_number(value)}",
        {"patch": _frozen(patch), "kernel": _frozen(kernel), "products": _frozen(products)},
        {"sum": total, "bias": bias, "pre-activation": pre, "activation": value})


def _window(spec, source, index):
    row, column, channel = index
    ph, pw = spec.pool_size
    sh, sw = spec.strides or spec.pool_size
    return source[row * sh:row * sh + ph, column * sw:column * sw + pw, channel]


def _max_pool(spec, params, source, layer, index):
    window = _window(spec, source, index)
    winner = np.unravel_index(int(np.argmax(window)), window.shape)
    value = float(window[winner])
    return UnitArithmetic(
        layer, spec.kind, index, value,
        f"max of the {window.shape[0]}×{window.shape[1]} window = {_number(value)} "
        f"(at row {winner[0]}, column {winner[1]} of the window)",
        {"window": _frozen(window)}, {"winning row": float(winner[0]), "winning column": float(winner[1]),
                                      "maximum": value})


def _average_pool(spec, params, source, layer, index):
    window = _window(spec, source, index)
    total, value = float(window.sum()), float(window.mean())
    return UnitArithmetic(
        layer, spec.kind, index, value,
        f"mean of the {window.size} window values = {_number(total)} / {window.size} = {_number(value)}",
        {"window": _frozen(window)}, {"sum": total, "mean": value})


def _global_pool(spec, params, source, layer, index):
    (channel,) = index
    values = source[:, :, channel]
    if spec.kind == "global_max_pooling2d":
        value = float(values.max())
        formula = f"max over the {values.shape[0]}×{values.shape[1]} map of channel {channel} = {_number(value)}"
    else:
        value = float(values.mean())
        formula = (f"mean over the {values.shape[0]}×{values.shape[1]} map of channel {channel} = "
                   f"{_number(float(values.sum()))} / {values.size} = {_number(value)}")
    return UnitArithmetic(layer, spec.kind, index, value, formula, {"window": _frozen(values)}, {"value": value})


def _element(source, index) -> float:
    return float(source[index])


def _dropout(spec, params, source, layer, index):
    value = _element(source, index)
    return UnitArithmetic(layer, spec.kind, index, value,
                          f"inference: dropout passes its input on unchanged: {_number(value)}",
                          scalars={"input": value, "output": value})


def _flatten(spec, params, source, layer, index):
    (unit,) = index
    position = np.unravel_index(unit, source.shape)
    value = float(source[position])
    where = ", ".join(str(int(p)) for p in position)
    return UnitArithmetic(layer, spec.kind, index, value,
                          f"unit {unit} = input[{where}] (row, column, channel) = {_number(value)}",
                          scalars={"output": value})


def _activation_layer(spec, params, source, layer, index):
    x = _element(source, index)
    value = _activation(spec.activation, x)
    return UnitArithmetic(layer, spec.kind, index, value,
                          f"{spec.activation}({_number(x)}) = {_number(value)}",
                          scalars={"input": x, "output": value})


def _batch_norm(spec, params, source, layer, index):
    channel = index[-1]
    x = _element(source, index)
    gamma, beta, mean, variance = (float(np.asarray(params[name], dtype=np.float64)[channel])
                                   for name in ("gamma", "beta", "moving_mean", "moving_variance"))
    value = gamma * (x - mean) / np.sqrt(variance + spec.epsilon) + beta
    return UnitArithmetic(
        layer, spec.kind, index, float(value),
        f"γ (x − μ) / √(σ² + ε) + β = {_number(gamma)} × ({_number(x)} − {_number(mean)}) / "
        f"√({_number(variance)} + {spec.epsilon:g}) + {_number(beta)} = {_number(float(value))}",
        scalars={"input": x, "gamma": gamma, "beta": beta, "moving mean": mean, "moving variance": variance,
                 "output": float(value)})


TOP_CONTRIBUTIONS = 10
"""How many of a dense unit's contributions are listed, the largest in magnitude first."""


def _dense(spec, params, source, layer, index):
    (unit,) = index
    inputs = source.reshape(-1)
    kernel = np.asarray(params["kernel"], dtype=np.float64)
    biases = np.asarray(params.get("bias", np.zeros(kernel.shape[1])), dtype=np.float64)
    contributions = inputs * kernel[:, unit]
    order = np.argsort(-np.abs(contributions), kind="stable")[:TOP_CONTRIBUTIONS]
    total, bias = float(contributions.sum()), float(biases[unit])
    pre = total + bias
    arrays = {"inputs": _frozen(order), "input values": _frozen(inputs[order]),
              "weights": _frozen(kernel[order, unit]), "contributions": _frozen(contributions[order])}
    if spec.activation == "softmax":
        logits = inputs @ kernel + biases
        shifted = np.exp(logits - logits.max())
        probabilities = shifted / shifted.sum()
        value = float(probabilities[unit])
        arrays.update(logits=_frozen(logits), probabilities=_frozen(probabilities))
        formula = (f"softmax: e^{_number(pre)} / Σ e^logit = {_number(float(shifted[unit]))} / "
                   f"{_number(float(shifted.sum()))} (logits shifted by their maximum {_number(float(logits.max()))})"
                   f" = {_number(value)}")
    else:
        value = _activation(spec.activation, pre)
        formula = (f"{spec.activation}(Σ input × weight + bias) = {spec.activation}({_number(total)} + "
                   f"{_number(bias)}) = {_number(value)}")
    return UnitArithmetic(layer, spec.kind, index, value, formula, arrays,
                          {"sum": total, "bias": bias, "pre-activation": pre, "activation": value})


_EXPLAINERS = {
    "conv2d": _conv, "max_pooling2d": _max_pool, "average_pooling2d": _average_pool,
    "global_average_pooling2d": _global_pool, "global_max_pooling2d": _global_pool,
    "dropout": _dropout, "flatten": _flatten, "activation": _activation_layer,
    "batch_normalization": _batch_norm, "dense": _dense,
}
