"""Dataset images, already framed, are only scaled to [0, 1] and given a channel axis."""

import numpy as np
import pytest

from cnnviz.core.preprocessing import preprocess_batch


def test_preprocess_batch():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    batch = preprocess_batch(images)
    assert batch.shape == (5, 28, 28, 1)
    assert batch.dtype == np.float32
    assert batch.min() == 0.0 and batch.max() == 1.0
    np.testing.assert_allclose(batch[..., 0], images / 255.0, atol=1e-7)
    assert preprocess_batch(images[..., np.newaxis]).shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(preprocess_batch(batch), batch)
    with pytest.raises(ValueError, match=r"\(n, height, width\)"):
        preprocess_batch(images[0])
    with pytest.raises(ValueError, match="dtype int64"):
        preprocess_batch(images.astype(np.int64))
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        preprocess_batch(images.astype(np.float32))
