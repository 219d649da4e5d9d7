"""Confusion matrix, per-class accuracy and the misclassified examples."""

import numpy as np
import pytest

from cnnviz.core.evaluation import confusion_matrix, evaluate


class FixedEngine:
    def __init__(self, probabilities):
        self.probabilities = np.asarray(probabilities, np.float32)

    def predict(self, images):
        return self.probabilities


def test_confusion_matrix_counts_true_against_predicted():
    matrix = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    with pytest.raises(ValueError, match="same shape"):
        confusion_matrix(np.array([0, 1]), np.array([0]), 2)


def test_evaluation_cells_and_mistakes_are_ordered_by_confidence():
    probabilities = [[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.4, 0.6, 0.0], [0.1, 0.1, 0.8], [0.0, 0.3, 0.7]]
    labels = np.array([0, 0, 0, 2, 1])
    result = evaluate(FixedEngine(probabilities), np.zeros((5, 28, 28, 1), np.float32), labels, "test",
                      ("a", "b", "c"))
    assert result.accuracy == pytest.approx(2 / 5)
    assert result.confusion.tolist() == [[1, 2, 0], [0, 0, 1], [0, 0, 1]]
    assert result.cell(0, 1).tolist() == [1, 2]  # 0.8 before 0.6
    assert result.misclassified().tolist() == [1, 4, 2]  # 0.8, 0.7, 0.6
    np.testing.assert_allclose(result.per_class_accuracy, [1 / 3, 0.0, 1.0])
    assert not result.labels.flags.writeable
    assert result.class_names == ("a", "b", "c")
