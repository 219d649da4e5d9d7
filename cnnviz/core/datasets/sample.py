"""The bundled sample: 10,000 real MNIST digits in ``resources/mnist_sample.npz``.

Always available, offline. A fixed stratified split gives 8,000 training and 2,000 test digits:
the archive holds the images and labels once, and the indices of each split
(``train_index``, ``test_index``); see ``resources/README.md`` for its provenance.
"""

from __future__ import annotations

import numpy as np

from cnnviz.core.datasets.dataset import DatasetInfo, DatasetUnavailableError
from cnnviz.core.datasets.reading import npz_member_length
from cnnviz.core.resources import resource_path
from cnnviz.core.safe_npz import SafeNpz

SAMPLE_FILE = "mnist_sample.npz"
SAMPLE_MAX_BYTES = 64 * 2**20


def read_sample_split(split: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Read one split of the bundled sample.

    Returns
    -------
    images : numpy.ndarray
        ``(n, 28, 28)`` ``uint8``.
    labels : numpy.ndarray
        ``(n,)`` ``uint8``.
    source : str
        The file read.

    Raises
    ------
    DatasetUnavailableError
        If the file is missing (an incomplete installation).
    """
    path = resource_path(SAMPLE_FILE)
    if not path.is_file():
        raise DatasetUnavailableError(
            f"The bundled MNIST sample {path} is missing; the installation is incomplete. "
            "Reinstall cnnviz, or regenerate it with tools/make_mnist_sample.py "
            "(see resources/README.md)."
        )
    with SafeNpz(path, "bundled sample", max_bytes=SAMPLE_MAX_BYTES) as archive:
        index = archive.read(f"{split}_index", (None,))
        images, labels = archive.read("images", (None, 28, 28), np.uint8)[index], archive.read("labels", (None,))[index]
    return images, labels, str(path)


def sample_info(description: str) -> DatasetInfo:
    """Whether the bundled sample is installed, and its split sizes (from the file's headers)."""
    name = "mnist-sample"
    path = resource_path(SAMPLE_FILE)
    if not path.is_file():
        return DatasetInfo(name, description, False, None, None,
                           f"{path} is missing; reinstall cnnviz or run tools/make_mnist_sample.py")
    num_train = npz_member_length(path, "train_index")
    num_test = npz_member_length(path, "test_index")
    return DatasetInfo(name, description, True, num_train, num_test, str(path))
