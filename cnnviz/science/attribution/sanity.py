"""The sanity checks of Adebayo et al. (2018), "Sanity checks for saliency maps": does a method's map
change when the model it explains is destroyed?

* :func:`cascading_randomization`: re-initialise the layers with weights from the output down, one
  more at each step, seeded; compare each method's maps after every step with the original ones.
* :func:`label_randomization`: re-initialise the model and train it briefly on shuffled labels;
  compare its maps with the original ones.

Both work on the engine given, through the contract, and put its weights (and, after training, its
optimizer state) back afterwards, also when a method fails. Re-initialisation: kernels Glorot-uniform
(limit ``sqrt(6 / (fan_in + fan_out))``), biases and ``beta`` zero, ``gamma`` one, batch normalization's
moving mean 0 and variance 1. The maps compared are for each image's class as the original model
predicts it, so every step explains the same target.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from cnnviz.core.results import StepResult, Weights
from cnnviz.engines.base import Engine, as_batch, train_epochs
from cnnviz.science.attribution.methods import maps
from cnnviz.science.attribution.result import AttributionUnavailable
from cnnviz.science.attribution.sanity_report import SanityTable
from cnnviz.science.attribution.similarity import spearman, ssim
from cnnviz.science.checks import integer

Progress = Callable[[int, int, str], None]
"""Told ``(steps done, steps in all, what was just done)`` after each step of a check; a caller that
wants the check to stop raises from it (the weights are restored all the same)."""

DEFAULT_METHODS = ("gradient", "gradient-x-input", "guided-backprop", "grad-cam", "integrated-gradients")


def reinitialised(name: str, value: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A fresh value for parameter ``name`` of the given shape (see the module's rules)."""
    if name == "kernel" and value.ndim >= 2:
        receptive = math.prod(value.shape[:-2]) if value.ndim > 2 else 1
        fan_in, fan_out = value.shape[-2] * receptive, value.shape[-1] * receptive
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, value.shape).astype(np.float32)
    fill = 1.0 if name in ("gamma", "moving_variance") else 0.0
    return np.full(value.shape, fill, np.float32)


def weighted_layers(engine: Engine, weights: Weights) -> list[str]:
    """The layers that hold weights, in network order."""
    return [name for name in engine.layer_names() if name in weights]


def _method_maps(engine: Engine, methods: Sequence[str], images: np.ndarray, classes: np.ndarray,
                 settings: dict, skipped: dict[str, str]) -> dict[str, np.ndarray]:
    """Each method's maps ``(n, h, w)`` for each image's class; unavailable methods go to ``skipped``."""
    result = {}
    for method in methods:
        if method in skipped:
            continue
        try:
            result[method] = np.concatenate([maps(engine, method, images[index:index + 1], int(classes[index]),
                                                  **settings) for index in range(len(images))])
        except AttributionUnavailable as error:
            skipped[method] = f"{method}: {error}"
    return result


def _compare(original: dict[str, np.ndarray], changed: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """Mean Spearman and SSIM over the images, per method."""
    rho, structure = {}, {}
    for method, before in original.items():
        after = changed[method]
        correlations = np.array([spearman(a, b) for a, b in zip(before, after)])
        defined = correlations[~np.isnan(correlations)]
        rho[method] = float(defined.mean()) if len(defined) else float("nan")
        structure[method] = float(np.mean([ssim(a, b) for a, b in zip(before, after)]))
    return rho, structure


def _prepare(engine: Engine, images, methods, seed) -> tuple[np.ndarray, tuple[str, ...], np.ndarray, int]:
    images = as_batch(images, engine.input_shape)
    if len(images) == 0:
        raise ValueError("The sanity checks need at least one image.")
    methods = tuple(methods)
    if not methods:
        raise ValueError("Choose at least one method to check.")
    for method in methods:
        if method.startswith("smoothgrad"):
            raise ValueError("The sanity checks take base methods; SmoothGrad is checked through its base method.")
    classes = engine.predict(images).argmax(axis=1)
    return images, methods, classes, integer(seed, "seed", 0)


def cascading_randomization(engine: Engine, images: np.ndarray, methods: Sequence[str] = DEFAULT_METHODS, *,
                            seed: int = 0, progress: Progress | None = None, **settings) -> SanityTable:
    """Cascading model-parameter randomization, top layer first.

    Parameters
    ----------
    engine : Engine
        Its weights are changed during the check and restored afterwards.
    images : ndarray, shape (n, h, w, c)
    methods : names of base methods
    seed : int
        Seeds the re-initialisation.
    progress : callable(done, total, text), optional
        Told after the original maps and after each layer randomized (see :data:`Progress`).
    **settings
        The methods' settings (``layer``, ``steps`` ...).
    """
    images, methods, classes, seed = _prepare(engine, images, methods, seed)
    original_weights = engine.get_weights()
    skipped: dict[str, str] = {}
    rng = np.random.default_rng(seed)
    original = _method_maps(engine, methods, images, classes, settings, skipped)
    layers = list(reversed(weighted_layers(engine, original_weights)))
    report = progress or (lambda done, total, text: None)
    report(0, len(layers), "original maps")
    steps, rho_rows, ssim_rows = [], [], []
    weights = {layer: {name: value.copy() for name, value in params.items()}
               for layer, params in original_weights.items()}
    try:
        for depth, layer in enumerate(layers):
            weights[layer] = {name: reinitialised(name, value, rng) for name, value in weights[layer].items()}
            engine.set_weights(weights)
            rho, structure = _compare(original, _method_maps(engine, methods, images, classes, settings, skipped))
            steps.append(layer if depth == 0 else f"{layers[0]}…{layer}")
            rho_rows.append(rho)
            ssim_rows.append(structure)
            report(depth + 1, len(layers), f"randomized {steps[-1]}")
    finally:
        engine.set_weights(original_weights)
    kept = tuple(method for method in methods if method in original)
    return SanityTable("cascading", kept, tuple(steps),
                       np.array([[row[method] for row in rho_rows] for method in kept]).reshape(len(kept), len(steps)),
                       np.array([[row[method] for row in ssim_rows] for method in kept]).reshape(len(kept), len(steps)),
                       len(images), tuple(skipped.values()))


def label_randomization(engine: Engine, images: np.ndarray, train_images: np.ndarray, train_labels: np.ndarray,
                        methods: Sequence[str] = DEFAULT_METHODS, *, epochs: int = 2, batch_size: int = 32,
                        seed: int = 0, progress: Progress | None = None, **settings) -> SanityTable:
    """Data randomization: a re-initialised copy trained on ``train_images`` with shuffled labels.

    Parameters
    ----------
    engine : Engine
        Trained in place during the check; its weights and training state are restored afterwards.
    images : ndarray, shape (n, h, w, c)
        The images whose maps are compared.
    train_images, train_labels : the (small) training set whose labels are shuffled
    epochs, batch_size : int
    seed : int
        Seeds the re-initialisation, the shuffled labels and the batches.
    progress : callable(done, total, text), optional
        Told after every training batch and once the maps are compared (see :data:`Progress`).
    """
    images, methods, classes, seed = _prepare(engine, images, methods, seed)
    train_images = as_batch(train_images, engine.input_shape)
    train_labels = np.asarray(train_labels)
    epochs, batch_size = integer(epochs, "epochs", 1), integer(batch_size, "batch_size", 1)
    original_weights = engine.get_weights()
    original_state = engine.training_state()
    skipped: dict[str, str] = {}
    original = _method_maps(engine, methods, images, classes, settings, skipped)
    rng = np.random.default_rng(seed)
    try:
        engine.set_weights({layer: {name: reinitialised(name, value, rng) for name, value in params.items()}
                            for layer, params in original_weights.items()})
        shuffled = rng.permutation(train_labels)
        report = progress or (lambda done, total, text: None)
        total = epochs * math.ceil(len(train_images) / batch_size) + 1
        done = 0
        for step in train_epochs(engine, train_images, shuffled, epochs=epochs, batch_size=batch_size, seed=seed):
            if isinstance(step, StepResult):
                done += 1
                report(done, total, f"training on shuffled labels, epoch {step.epoch + 1}")
        _, true_accuracy = engine.evaluate(train_images, train_labels)
        rho, structure = _compare(original, _method_maps(engine, methods, images, classes, settings, skipped))
        report(total, total, "maps compared")
    finally:
        engine.set_weights(original_weights)
        engine.set_training_state(original_state)
    kept = tuple(method for method in methods if method in original)
    chance = 1 / len(engine.predict(images[:1])[0])
    details = (f"The label-randomized copy trained {epochs} epoch(s) on {len(train_images)} images; its accuracy on "
               f"their true labels is {true_accuracy:.1%} (guessing gives {chance:.0%}).")
    return SanityTable("labels", kept, ("shuffled labels",),
                       np.array([[rho[method]] for method in kept]).reshape(len(kept), 1),
                       np.array([[structure[method]] for method in kept]).reshape(len(kept), 1),
                       len(images), tuple(skipped.values()), details)
