"""Reading a copy that was found: a malformed file is an error, never a reason to look elsewhere."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core.datasets import DatasetFormatError, load_dataset


def test_malformed_keras_npz_is_an_error_not_a_fallback(isolated):
    path = isolated / ".keras" / "datasets" / "mnist.npz"
    path.parent.mkdir(parents=True)
    np.savez(path, images=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(DatasetFormatError, match=r"no x_train, y_train in this npz"):
        load_dataset("mnist")
