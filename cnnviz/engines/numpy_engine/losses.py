"""Softmax cross-entropy, computed from logits for stability.

The loss is the batch mean of ``-log softmax(z)[label]``; its gradient with
respect to the logits is ``(softmax(z) - onehot(label)) / n``.
"""

from __future__ import annotations

import numpy as np


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax: ``(n, k) -> (n, k)``."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of integer ``labels`` (n,) under ``logits`` (n, k).

    ``log(sum(exp(shifted))) - shifted[label]`` row by row, with no full log-softmax: each numpy call
    on a few logits costs microseconds (this one is an inspection's and every training batch's).
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    picked = shifted[np.arange(len(labels)), labels]
    losses = np.log(np.exp(shifted).sum(axis=1)) - picked
    return float(losses.sum()) / max(len(labels), 1)


def cross_entropy_gradient(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Gradient of the mean cross-entropy with respect to the logits: ``(n, k)``."""
    gradient = probabilities.copy()
    gradient[np.arange(len(labels)), labels] -= 1.0
    gradient /= np.float32(len(labels))
    return gradient
