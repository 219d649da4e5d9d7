"""Immutable results that engines produce and every caller (CLI, service, views) reads.

Arrays inside results are made read-only, so a result can cross threads safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Weights = dict[str, dict[str, np.ndarray]]
"""The weight-exchange form: ``{layer_name: {"kernel": array, "bias": array}}``."""


def frozen(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array``."""
    view = np.asarray(array).view()
    view.setflags(write=False)  # a third faster than through .flags: an inspection freezes some twenty arrays
    return view


@dataclass(frozen=True)
class StepResult:
    """One training batch: ``epoch`` and ``batch`` count from 0; ``elapsed`` in seconds since
    training started; loss and accuracy of this batch (dropout active)."""

    epoch: int
    batch: int
    num_batches: int
    loss: float
    accuracy: float
    samples_seen: int
    elapsed: float
    learning_rate: float


@dataclass(frozen=True)
class EpochResult:
    """The end of an epoch: mean training loss and accuracy over its batches, and validation
    metrics (``None`` without a validation set)."""

    epoch: int
    num_epochs: int
    loss: float
    accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    samples_seen: int
    elapsed: float


@dataclass(frozen=True)
class GradientResult:
    """Gradients for a batch of inputs.

    Attributes
    ----------
    target : str
        ``"loss"`` (mean cross-entropy of ``labels``) or ``"class:K"`` (sum over the batch of the
        logit of class K, before softmax).
    value : float
        The target's value.
    input : ndarray, shape (n, h, w, c)
        Gradient with respect to the input (saliency).
    layers : dict[str, ndarray]
        Gradient with respect to each layer's output; for the softmax output layer, with
        respect to its logits.
    parameters : Weights
        Gradient with respect to every parameter.
    """

    target: str
    value: float
    input: np.ndarray
    layers: dict[str, np.ndarray] = field(default_factory=dict)
    parameters: Weights = field(default_factory=dict)
