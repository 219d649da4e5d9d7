"""What feature visualization maximizes: one unit of a layer, and its gradient with respect to the input.

A *unit* is a filter (channel) of a layer with feature maps ``(h', w', c)``, a unit of a dense layer,
or a class (a unit of the output layer, whose logit is maximized rather than its softmax). For a
filter, the objective is the channel's mean over all positions (``"channel"``) or its value at the
centre position (``"neuron"``).

Every objective here is linear in the layer's output, ``J = Σ d ⊙ output`` with a fixed *direction*
``d``, so one backward pass from the layer gives its gradient. Engines offer that pass as the optional
``unit_gradients(images, layer, direction)`` (both cnnviz engines, any model they open); for an engine
without it, a class of the output layer still works through the contract's ``gradients`` of a class
logit — the path the attribution maps take.
"""

from __future__ import annotations

import numpy as np

from cnnviz.engines.base import Engine

POSITIONS = ("channel", "neuron")


class FeatureVisUnavailable(ValueError):
    """The engine cannot give the gradient a visualization needs; says what to do instead."""


def layer_shape(engine: Engine, layer: str) -> tuple[int, ...]:
    """A layer's output shape for one image (without the batch axis); the logits' for the output layer."""
    names = engine.layer_names()
    if layer not in names:
        raise ValueError(f"This model has no layer {layer!r}; choose one of: {', '.join(names)}.")
    output = engine.feature_maps(np.zeros((1, *engine.input_shape), np.float32))[layer]
    return tuple(np.shape(output)[1:])


def visualizable_layers(engine: Engine) -> list[str]:
    """Layers whose units can be visualized: every layer with feature maps or a vector of units, but not
    those that only reshape or drop their input (flatten, dropout, reshape), whose units are pixels."""
    probe = engine.feature_maps(np.zeros((1, *engine.input_shape), np.float32))
    kinds = {layer.name: layer.kind.lower() for layer in engine.layer_graph().layers}
    return [name for name, output in probe.items()
            if np.ndim(output) in (2, 4) and kinds.get(name) not in ("flatten", "dropout", "reshape")]


def check_units(units, count: int, layer: str) -> list[int]:
    """``units`` as a list of indices after checking each is in ``[0, count)``."""
    checked = []
    for unit in units:
        if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)) or not 0 <= unit < count:
            raise ValueError(f"Layer {layer!r} has {count} units (filters), numbered 0 to {count - 1}; "
                             f"received {unit!r}.")
        checked.append(int(unit))
    if not checked:
        raise ValueError(f"Choose at least one unit of layer {layer!r} (0 to {count - 1}).")
    return checked


def direction(shape: tuple[int, ...], units: list[int], position: str = "channel") -> np.ndarray:
    """The direction ``d`` of the objective for a batch where image ``i`` maximizes unit ``units[i]``.

    Parameters
    ----------
    shape : the layer's output shape for one image, ``(h', w', c)`` or ``(c,)``
    units : list of int
    position : ``"channel"`` (the mean over positions) or ``"neuron"`` (the centre position)

    Returns
    -------
    ndarray, shape (len(units), *shape), float32
    """
    if position not in POSITIONS:
        raise ValueError(f"The objective position must be one of {', '.join(POSITIONS)}, received {position!r}.")
    seed = np.zeros((len(units), *shape), np.float32)
    for image, unit in enumerate(units):
        if len(shape) == 3 and position == "channel":
            seed[image, :, :, unit] = 1.0 / (shape[0] * shape[1])
        elif len(shape) == 3:
            seed[image, shape[0] // 2, shape[1] // 2, unit] = 1.0
        else:
            seed[image, unit] = 1.0
    return seed


def objective_gradient(engine: Engine, images: np.ndarray, layer: str, seed: np.ndarray,
                       units: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each image's objective ``Σ d ⊙ output``, its unit's peak and the objective's input gradient.

    Returns
    -------
    values : ndarray, shape (n,)
        The objective.
    peaks : ndarray, shape (n,)
        The unit's largest value over all positions (a filter's), or its value (a dense unit's, a logit).
    gradient : ndarray, shape (n, h, w, c)
    """
    method = getattr(engine, "unit_gradients", None)
    if method is None:
        if layer != engine.layer_names()[-1]:
            raise FeatureVisUnavailable(
                f"The {getattr(engine, 'name', type(engine).__name__)} engine gives no gradient of a unit of "
                f"layer {layer!r}, only of the classes. Visualize a class of the output layer, or open the "
                "model in a cnnviz engine.")
        # The contract's path: the gradient of one class logit, one image at a time.
        results = [engine.gradients(images[index:index + 1], class_index=unit) for index, unit in enumerate(units)]
        values = np.array([result.value for result in results], np.float32)
        return values, values.copy(), np.concatenate([np.asarray(result.input, np.float32) for result in results])
    output, gradient = method(images, layer, seed)
    output = np.asarray(output, dtype=np.float32)
    values = (output.reshape(len(output), -1) * seed.reshape(len(seed), -1)).sum(axis=1)
    return values, unit_peaks(output, units), np.asarray(gradient, dtype=np.float32)


def unit_peaks(output: np.ndarray, units: list[int]) -> np.ndarray:
    """Image ``i``'s largest value of unit ``units[i]`` over all positions, shape (n,)."""
    picked = output[np.arange(len(units)), ..., np.asarray(units)]
    return picked.reshape(len(units), -1).max(axis=1)
