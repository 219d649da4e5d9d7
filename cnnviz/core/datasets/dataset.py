"""What loading a dataset gives: one split as an immutable :class:`Dataset`, or a
:class:`DatasetInfo` saying whether and where a dataset is available; and the errors that say
why it could not be loaded.

Loaded arrays are read-only: a :class:`Dataset` is an immutable value that may be handed
between threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class DatasetUnavailableError(ValueError):
    """A dataset was not found anywhere cnnviz looks; the message lists where and how to get it."""


class DatasetFormatError(ValueError):
    """A dataset file was found but does not hold what it should (wrong keys, shapes or dtypes)."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """One split of a dataset, ready for training or inspection.

    Attributes
    ----------
    name : str
        One of :data:`cnnviz.core.datasets.registry.DATASET_NAMES`.
    split : str
        ``"train"`` or ``"test"``.
    images : numpy.ndarray
        The pixels as stored, ``uint8``: ``(n, H, W)`` for grey images (MNIST's are light on
        dark, 0 = background), ``(n, H, W, 3)`` for RGB ones. :meth:`inputs` gives them as model
        inputs, always ``(n, H, W, C)`` float32.
    labels : numpy.ndarray
        ``(n,)`` ``uint8`` class indices into ``class_names``.
    source : str
        Human-readable origin: the file(s) read, or e.g. ``"generated (seed=0)"``.
    class_names : tuple of str
        Name of each class, indexed by label.
    """

    name: str
    split: str
    images: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    source: str
    class_names: tuple[str, ...]

    def __post_init__(self) -> None:
        images, labels = self.images, self.labels
        if not (isinstance(images, np.ndarray) and images.dtype == np.uint8
                and (images.ndim == 3 or (images.ndim == 4 and images.shape[-1] in (1, 3)))):
            raise ValueError(
                f"Dataset {self.name!r}: images must be a (n, height, width) or (n, height, width, "
                f"channels) uint8 array with 1 or 3 channels, got "
                f"{getattr(images, 'shape', type(images).__name__)} of "
                f"{getattr(images, 'dtype', '?')}; convert with images.astype(np.uint8)."
            )
        if not isinstance(labels, np.ndarray) or labels.ndim != 1 or labels.dtype != np.uint8:
            raise ValueError(
                f"Dataset {self.name!r}: labels must be a (n,) uint8 array, got "
                f"{getattr(labels, 'shape', type(labels).__name__)} of "
                f"{getattr(labels, 'dtype', '?')}; convert with labels.astype(np.uint8)."
            )
        if len(images) != len(labels):
            raise ValueError(
                f"Dataset {self.name!r}: {len(images)} images but {len(labels)} labels; "
                "each image needs exactly one label."
            )
        if len(labels) and int(labels.max()) >= len(self.class_names):
            raise ValueError(
                f"Dataset {self.name!r}: label {int(labels.max())} found but only "
                f"{len(self.class_names)} class names {self.class_names}; labels must lie in "
                f"0..{len(self.class_names) - 1}."
            )

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_classes(self) -> int:
        """Number of classes (length of ``class_names``)."""
        return len(self.class_names)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(height, width, channels)`` of one image as a model takes it (channels 1 or 3)."""
        height, width = self.images.shape[1:3]
        channels = self.images.shape[3] if self.images.ndim == 4 else 1
        return int(height), int(width), int(channels)

    def inputs(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Images ``start:stop`` as model inputs.

        Returns
        -------
        numpy.ndarray
            ``(n, H, W, C)`` float32 in ``[0, 1]`` (pixel / 255), a new writable array.
        """
        batch = self.images[start:stop]
        return np.divide(batch, np.float32(255.0), dtype=np.float32).reshape(len(batch), *self.image_shape)


@dataclass(frozen=True)
class DatasetInfo:
    """Whether a dataset can be loaded, and from where; what ``cnnviz data`` shows.

    Attributes
    ----------
    name : str
        One of :data:`cnnviz.core.datasets.registry.DATASET_NAMES`.
    description : str
        One line saying what the dataset is.
    available : bool
        Whether :func:`cnnviz.core.datasets.loading.load_dataset` would find it without
        downloading.
    num_train, num_test : int or None
        Split sizes, from file headers; None when unavailable.
    source : str
        Where it was found, or every place tried and how to get it.
    """

    name: str
    description: str
    available: bool
    num_train: int | None
    num_test: int | None
    source: str
