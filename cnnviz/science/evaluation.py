"""A model's predictions on a labelled set, tabulated: accuracy, confusion matrix, mistakes.

:func:`evaluate` predicts given images with an engine and returns the tables of
:class:`cnnviz.core.evaluation.Evaluation`; :func:`evaluate_test_split` does it on the test
split of the model's own dataset (the ``"evaluation"`` analysis of :func:`cnnviz.science.run`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cnnviz.core.evaluation import Evaluation, confusion_matrix
from cnnviz.core.results import frozen
from cnnviz.science.data import load_test_split

if TYPE_CHECKING:
    from cnnviz.engines.base import Engine


def evaluate(engine: Engine, images: np.ndarray, labels: np.ndarray, dataset: str,
             class_names: tuple[str, ...]) -> Evaluation:
    """Predict every image with ``engine`` and tabulate the results.

    Parameters
    ----------
    engine : Engine
    images : ndarray, shape (n, h, w, c)
    labels : ndarray, shape (n,), integer
    dataset : str
        The name the evaluation carries.
    class_names : tuple of str
        One per output unit; otherwise the classes are named by their indices.

    Returns
    -------
    Evaluation
        Every array read-only.
    """
    probabilities = np.asarray(engine.predict(images))
    predictions = probabilities.argmax(axis=1)
    labels = np.asarray(labels, np.int64)
    num_classes = probabilities.shape[1]
    names = tuple(class_names) if len(class_names) == num_classes else tuple(map(str, range(num_classes)))
    return Evaluation(dataset, names, frozen(np.asarray(images)), frozen(labels), frozen(predictions),
                      frozen(probabilities), frozen(confusion_matrix(labels, predictions, num_classes)))


def evaluate_test_split(engine: Engine, samples: int | None = None, dataset: str | None = None,
                        data_dir: str | None = None) -> Evaluation:
    """Evaluate the model on the first ``samples`` test images of its dataset (all by default).

    Parameters
    ----------
    engine : Engine
    samples : int, optional
    dataset, data_dir : str, optional
        As in :func:`cnnviz.science.data.load_test_split`.

    Returns
    -------
    Evaluation
    """
    split = load_test_split(engine, samples, dataset=dataset, data_dir=data_dir)
    return evaluate(engine, split.images, split.labels, split.dataset, split.class_names)
