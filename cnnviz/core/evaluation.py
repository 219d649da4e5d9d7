"""Evaluation of a classifier on a labelled set: accuracy, confusion matrix, per-class accuracy,
and the misclassified examples (most confident mistakes first).

The tables only; :func:`cnnviz.science.evaluation.evaluate` makes an :class:`Evaluation` from a
model's predictions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Predictions on a labelled set.

    Attributes
    ----------
    images : ndarray, shape (n, h, w, c)
    labels, predictions : ndarray, shape (n,)
    probabilities : ndarray, shape (n, classes)
    confusion : ndarray, shape (classes, classes)
        ``confusion[true, predicted]`` counts.
    """

    dataset: str
    class_names: tuple[str, ...]
    images: np.ndarray
    labels: np.ndarray
    predictions: np.ndarray
    probabilities: np.ndarray
    confusion: np.ndarray

    @property
    def accuracy(self) -> float:
        return float((self.labels == self.predictions).mean()) if len(self.labels) else 0.0

    @property
    def per_class_accuracy(self) -> np.ndarray:
        """Recall of each true class (NaN for a class with no example)."""
        totals = self.confusion.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(totals > 0, np.diag(self.confusion) / np.maximum(totals, 1), np.nan)

    def cell(self, true_class: int, predicted_class: int) -> np.ndarray:
        """Indices of the examples of one confusion-matrix cell, most confident first."""
        indices = np.flatnonzero((self.labels == true_class) & (self.predictions == predicted_class))
        confidence = self.probabilities[indices, predicted_class]
        return indices[np.argsort(-confidence, kind="stable")]

    def misclassified(self) -> np.ndarray:
        """Indices of every mistake, the most confident mistakes first."""
        indices = np.flatnonzero(self.labels != self.predictions)
        confidence = self.probabilities[indices, self.predictions[indices]]
        return indices[np.argsort(-confidence, kind="stable")]


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """``(classes, classes)`` int64 counts of (true, predicted) pairs."""
    labels = np.asarray(labels, np.int64)
    predictions = np.asarray(predictions, np.int64)
    if labels.shape != predictions.shape:
        raise ValueError(f"labels {labels.shape} and predictions {predictions.shape} must have the same shape.")
    return np.bincount(labels * num_classes + predictions, minlength=num_classes * num_classes).reshape(
        num_classes, num_classes)
