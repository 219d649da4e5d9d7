"""The images an analysis measures on: the test split of the model's own dataset.

:func:`cnnviz.science.data.load_test_split` reads the first images of the dataset the model's configuration names
(or another one), preprocessed for the model; :func:`layer_maps` runs many of them through an
engine in batches and keeps one layer's output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cnnviz.core.results import frozen
from cnnviz.science.checks import integer

if TYPE_CHECKING:
    from cnnviz.engines.base import Engine

DEFAULT_DATASET = "mnist-sample"
"""The dataset used when the model's configuration names none (a model made elsewhere)."""
BATCH_SIZE = 256
"""Images per engine call when feature maps of many images are gathered."""


@dataclass(frozen=True, eq=False)
class TestSplit:
    """The test split of a dataset, ready for a model.

    Attributes
    ----------
    images : ndarray, shape (n, h, w, c), float32, read-only
    labels : ndarray, shape (n,), int64, read-only
    class_names : tuple of str
    dataset : str
    """

    __test__ = False  # not a pytest test class, despite its name

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    dataset: str


def dataset_name(engine: Engine, dataset: str | None) -> str:
    """``dataset``, or the one the model's configuration names (:data:`DEFAULT_DATASET` without one)."""
    if dataset is not None:
        return dataset
    config = engine.config
    return config.training.dataset if config is not None else DEFAULT_DATASET


def load_test_split(engine: Engine, count: int | None = None, dataset: str | None = None,
                    data_dir: str | None = None) -> TestSplit:
    """The first ``count`` test images of the model's dataset, ready for the model.

    Parameters
    ----------
    engine : Engine
    count : int, optional
        How many images, from the start of the split (all by default; more than the split holds
        takes them all).
    dataset : str, optional
        A dataset name; by default the one the model's configuration names
        (:data:`DEFAULT_DATASET` for a model without one).
    data_dir : str, optional
        Where MNIST or Fashion-MNIST files are (see :func:`cnnviz.core.datasets.load_dataset`).

    Returns
    -------
    TestSplit

    Raises
    ------
    ValueError
        For a count below 1, a dataset that cannot be found, or images the model cannot take.
    """
    from cnnviz.core.datasets import load_dataset
    from cnnviz.core.preprocessing import fit_batch

    name = dataset_name(engine, dataset)
    if count is not None:
        count = integer(count, "The number of test images")
        if count < 1:
            raise ValueError(f"The number of test images must be at least 1, received {count}.")
    config = engine.config
    seed = config.training.seed if config is not None else 0
    # A dataset made at any shape is made at the model's; any other is fitted to it (size and colours),
    # as training fitted it.
    loaded = load_dataset(name, "test", seed=seed, data_dir=data_dir, image_shape=engine.input_shape)
    images = loaded.images if count is None else loaded.images[:count]
    labels = loaded.labels if count is None else loaded.labels[:count]
    batch, _ = fit_batch(images, engine.input_shape)
    return TestSplit(frozen(batch), frozen(labels.astype(np.int64)), tuple(loaded.class_names), name)


def layer_maps(engine: Engine, images: np.ndarray, layer: str, batch_size: int = BATCH_SIZE) -> np.ndarray:
    """One layer's outputs for many images, computed ``batch_size`` images at a time.

    Returns
    -------
    ndarray, shape (n, ...) : the layer's output for every image.
    """
    return np.concatenate([np.asarray(engine.feature_maps(images[start:start + batch_size])[layer])
                           for start in range(0, len(images), batch_size)])
