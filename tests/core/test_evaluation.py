"""The confusion matrix (tests/science/test_evaluation.py checks the tables made from a model's predictions)."""

import numpy as np
import pytest

from cnnviz.core.evaluation import confusion_matrix


def test_confusion_matrix_counts_true_against_predicted():
    matrix = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    with pytest.raises(ValueError, match="same shape"):
        confusion_matrix(np.array([0, 1]), np.array([0]), 2)
