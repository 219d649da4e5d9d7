"""Shared by the Evaluation tab's tests: evaluations with predictions fixed in advance."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFontMetrics

from cnnviz.core.datasets import MNIST_CLASSES
from cnnviz.science.evaluation import evaluate


class FixedEngine:
    """An engine stand-in whose predictions are fixed in advance."""

    def __init__(self, probabilities):
        self.probabilities = np.asarray(probabilities, dtype=np.float32)

    def predict(self, images):
        assert len(images) == len(self.probabilities)
        return self.probabilities


def make_evaluation(num_images=40, correct_fraction=0.6, seed=0):
    """``num_images`` random 28×28 images; about ``correct_fraction`` of them predicted right."""
    rng = np.random.default_rng(seed)
    images = rng.random((num_images, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, num_images)
    predicted = np.where(rng.random(num_images) < correct_fraction, labels, rng.integers(0, 10, num_images))
    probabilities = rng.dirichlet(np.ones(10), num_images) * 0.5
    probabilities[np.arange(num_images), predicted] += 0.5 + rng.random(num_images) * 0.01
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return evaluate(FixedEngine(probabilities), images, labels, "mnist-sample", MNIST_CLASSES)


def a_confusion(evaluation):
    """A cell off the diagonal holding the most images."""
    off_diagonal = evaluation.confusion - np.diag(np.diag(evaluation.confusion))
    true_class, predicted = np.unravel_index(int(off_diagonal.argmax()), off_diagonal.shape)
    assert off_diagonal[true_class, predicted] > 0
    return int(true_class), int(predicted)


def label_extents(panel):
    metrics = QFontMetrics(panel.bar_widget.font())
    view = panel.bar_widget.getPlotItem().getViewBox()
    extents = []
    for index, text in panel.bar_labels():
        centre = view.mapViewToScene(QPointF(index, 0.5)).x()
        extents.append((centre - metrics.horizontalAdvance(text) / 2, centre + metrics.horizontalAdvance(text) / 2))
    return extents
