"""Load one split of any dataset by name (:func:`load_dataset`), and report which datasets are
available and where they were found (:func:`list_datasets`).

Each name goes to its source: the bundled sample (:mod:`.sample`), the shapes generator
(:mod:`.shapes`), or a copy of full MNIST or Fashion-MNIST on disk (:mod:`.search` finds it,
:mod:`.reading` reads it, :mod:`.download` fetches it when allowed). The arrays handed back are
read-only.
"""

from __future__ import annotations

import os

import numpy as np

from cnnviz.core.checks import is_int
from cnnviz.core.datasets import download
from cnnviz.core.datasets.dataset import Dataset, DatasetInfo, DatasetUnavailableError
from cnnviz.core.datasets.reading import found_lengths, read_found
from cnnviz.core.datasets.registry import CLASS_NAMES, DATASET_NAMES, DESCRIPTIONS, SPLITS
from cnnviz.core.datasets.sample import read_sample_split, sample_info
from cnnviz.core.datasets.search import locate, unavailable_message
from cnnviz.core.datasets.shapes import SPLIT_DEFAULT_COUNTS, generate_split

PathLike = str | os.PathLike


def _check_count(count: object) -> int | None:
    if count is None:
        return None
    if not is_int(count):
        raise ValueError(
            f"count must be a positive integer or None, got {count!r} of type "
            f"{type(count).__name__}; e.g. count=1000."
        )
    if count <= 0:
        raise ValueError(
            f"count must be a positive integer or None (for the whole split), got {count}."
        )
    return int(count)


def _freeze(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _read_local_copy(
    name: str, split: str, data_dir: PathLike | None, allow_download: bool
) -> tuple[np.ndarray, np.ndarray, str]:
    """Full MNIST or Fashion-MNIST from disk, downloaded first when allowed and not found."""
    found, tried = locate(name, data_dir)
    if found is not None:
        return read_found(found, split)
    if not allow_download:
        raise DatasetUnavailableError(unavailable_message(name, tried, allow_download))
    try:
        download.download_like_keras(name)
    except (OSError, download.DownloadChecksumError) as error:  # offline, refused, corrupt: say why
        raise DatasetUnavailableError(
            unavailable_message(
                name, tried, allow_download,
                f"tried Keras's download, failed: {type(error).__name__}: {error}",
            )
        ) from error
    found, tried = locate(name, data_dir)
    if found is None:
        raise DatasetUnavailableError(unavailable_message(name, tried, allow_download))
    return read_found(found, split)


def load_dataset(
    name: str,
    split: str = "train",
    *,
    data_dir: PathLike | None = None,
    count: int | None = None,
    seed: int = 0,
    allow_download: bool = False,
) -> Dataset:
    """Load one split of a dataset.

    Parameters
    ----------
    name : str
        One of :data:`~cnnviz.core.datasets.registry.DATASET_NAMES`: ``"mnist-sample"``,
        ``"mnist"``, ``"fashion-mnist"``, ``"shapes"``. See :mod:`cnnviz.core.datasets` for
        where each is looked for.
    split : str, default "train"
        ``"train"`` or ``"test"``.
    data_dir : str or os.PathLike, optional
        Folder holding MNIST or Fashion-MNIST IDX files (or a ``mnist/`` or
        ``fashion-mnist/`` subfolder holding them).
    count : int, optional
        Keep only the first ``count`` images of the split. For ``"shapes"`` this is how many
        to generate (default 8,000 train / 2,000 test).
    seed : int, default 0
        Seed of the ``"shapes"`` generator; ignored by the other datasets.
    allow_download : bool, default False
        For ``"mnist"`` and ``"fashion-mnist"``, download through Keras when no local copy is
        found (needs TensorFlow and a network connection).

    Returns
    -------
    Dataset
        Read-only ``images`` ``(n, 28, 28)`` ``uint8`` and ``labels`` ``(n,)`` ``uint8``.

    Raises
    ------
    ValueError
        For an unknown name or split, or a bad ``count``.
    DatasetUnavailableError
        If the dataset is not found; the message lists every place tried.
    DatasetFormatError, cnnviz.core.datasets.idx.IdxFormatError
        If a file was found but is malformed.
    """
    if name not in DATASET_NAMES:
        raise ValueError(
            f"Unknown dataset {name!r}; expected one of {', '.join(DATASET_NAMES)}."
        )
    if split not in SPLITS:
        raise ValueError(
            f"Unknown split {split!r} for dataset {name!r}; expected 'train' or 'test'."
        )
    count = _check_count(count)
    class_names = CLASS_NAMES[name]

    if name == "shapes":
        images, labels, source = generate_split(split, count, seed)
        return Dataset(name, split, _freeze(images), _freeze(labels), source, class_names)

    if name == "mnist-sample":
        images, labels, source = read_sample_split(split)
    else:
        images, labels, source = _read_local_copy(name, split, data_dir, allow_download)

    if count is not None:
        if count > len(labels):
            raise ValueError(
                f"count={count} but the {split} split of {name!r} has only {len(labels)} "
                f"images; pass count={len(labels)} or less, or count=None for all of them."
            )
        images, labels = images[:count].copy(), labels[:count].copy()
    return Dataset(name, split, _freeze(images), _freeze(labels), source, class_names)


def _local_copy_info(name: str, description: str, data_dir: PathLike | None) -> DatasetInfo:
    found, tried = locate(name, data_dir)
    if found is None:
        return DatasetInfo(name, description, False, None, None,
                           unavailable_message(name, tried, allow_download=False))
    try:
        num_train, num_test = found_lengths(found)
    except (ValueError, OSError) as error:
        detail = str(error)
        separator = "\n" if detail.startswith("- ") else " "
        return DatasetInfo(name, description, False, None, None,
                           f"found {found.describe()} but cannot use it:{separator}{detail}")
    return DatasetInfo(name, description, True, num_train, num_test, found.describe())


def list_datasets(data_dir: PathLike | None = None) -> list[DatasetInfo]:
    """Report which datasets are available and where they were found.

    Reads only file headers, so it is fast even for the full datasets.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Folder to search for IDX files, as for :func:`load_dataset`.

    Returns
    -------
    list of DatasetInfo
        One entry per name in :data:`~cnnviz.core.datasets.registry.DATASET_NAMES`, in that order.
    """
    infos = []
    for name in DATASET_NAMES:
        description = DESCRIPTIONS[name]
        if name == "shapes":
            infos.append(DatasetInfo(
                name, description, True, SPLIT_DEFAULT_COUNTS["train"],
                SPLIT_DEFAULT_COUNTS["test"], "generated on demand (seed=0 unless chosen)",
            ))
        elif name == "mnist-sample":
            infos.append(sample_info(description))
        else:
            infos.append(_local_copy_info(name, description, data_dir))
    return infos
