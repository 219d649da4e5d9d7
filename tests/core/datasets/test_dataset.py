"""The value a load hands back checks its own arrays."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core.datasets import Dataset


def test_dataset_validates_its_arrays():
    with pytest.raises(ValueError, match=r"labels must be a \(n,\) uint8 array"):
        Dataset("x", "train", np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.int64), "t", ("a",))
    with pytest.raises(ValueError, match=r"label 3 found but only 2 class names"):
        labels = np.array([0, 3], np.uint8)
        Dataset("x", "train", np.zeros((2, 28, 28), np.uint8), labels, "t", ("a", "b"))
