"""Load one split of any dataset by name (:func:`load_dataset`), and report which datasets are
available and where they were found (:func:`list_datasets`).

Each name goes to its source: the bundled sample (:mod:`.sample`), the shape generators
(:mod:`.shapes`, :mod:`.shapes_colour`), a copy of full MNIST or Fashion-MNIST on disk
(:mod:`.search` finds it, :mod:`.reading` reads it, :mod:`.download` fetches it when allowed),
CIFAR-10 (:mod:`.cifar`), or, for any other name, the image folder of that path
(:mod:`.image_folder`). The arrays handed back are read-only.
"""

from __future__ import annotations

import os
import tarfile

import numpy as np

from cnnviz.core.checks import is_int
from cnnviz.core.datasets import download
from cnnviz.core.datasets.cifar import cifar_lengths, how_to_get_cifar, locate_cifar, read_cifar_split
from cnnviz.core.datasets.dataset import Dataset, DatasetInfo, DatasetUnavailableError
from cnnviz.core.datasets.image_folder import read_folder_split
from cnnviz.core.datasets.reading import found_lengths, read_found
from cnnviz.core.datasets.registry import CLASS_NAMES, DATASET_NAMES, DESCRIPTIONS, SPLITS, is_image_folder_name
from cnnviz.core.datasets.sample import read_sample_split, sample_info
from cnnviz.core.datasets.search import locate, unavailable_message
from cnnviz.core.datasets.shapes import SPLIT_DEFAULT_COUNTS, generate_split
from cnnviz.core.datasets.shapes_colour import DEFAULT_SHAPE as COLOUR_SHAPES_SHAPE
from cnnviz.core.datasets.shapes_colour import generate_colour_split

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


def _read_cifar(split: str, data_dir: PathLike | None, allow_download: bool) -> tuple[np.ndarray, np.ndarray, str]:
    """CIFAR-10 from disk, downloaded first when allowed and not found."""
    found, tried = locate_cifar(data_dir)
    if found is None and allow_download:
        try:
            download.download_cifar10()
        except (OSError, ValueError, tarfile.TarError) as error:  # offline, refused, corrupt: say why
            tried.append(f"download: tried Keras's cifar-10-python.tar.gz, failed: {type(error).__name__}: {error}")
        found, _ = locate_cifar(data_dir)
    if found is None:
        places = "\n".join(f"  - {place}" for place in tried)
        asked = "" if allow_download else "\n  - download: not asked for (--download)"
        raise DatasetUnavailableError(f"Dataset 'cifar10' was not found. Looked in:\n{places}{asked}\n"
                                      f"{how_to_get_cifar()}")
    return read_cifar_split(found, split)


def load_dataset(
    name: str,
    split: str = "train",
    *,
    data_dir: PathLike | None = None,
    count: int | None = None,
    seed: int = 0,
    allow_download: bool = False,
    image_shape: tuple[int, int, int] | None = None,
) -> Dataset:
    """Load one split of a dataset.

    Parameters
    ----------
    name : str
        One of :data:`~cnnviz.core.datasets.registry.DATASET_NAMES`: ``"mnist-sample"``,
        ``"mnist"``, ``"fashion-mnist"``, ``"shapes"``, ``"shapes-colour"``, ``"cifar10"`` (see
        :mod:`cnnviz.core.datasets` for where each is looked for); any other name is the path of
        an image folder (:mod:`~cnnviz.core.datasets.image_folder`).
    split : str, default "train"
        ``"train"`` or ``"test"``.
    data_dir : str or os.PathLike, optional
        Folder holding MNIST or Fashion-MNIST IDX files (or a ``mnist/`` or
        ``fashion-mnist/`` subfolder holding them).
    count : int, optional
        Keep only the first ``count`` images of the split. For ``"shapes"`` this is how many
        to generate (default 8,000 train / 2,000 test).
    seed : int, default 0
        Seed of the ``"shapes"`` and ``"shapes-colour"`` generators; ignored by the other datasets
        (an image folder's split has a fixed seed of its own).
    allow_download : bool, default False
        For ``"mnist"``, ``"fashion-mnist"`` and ``"cifar10"``, download the files Keras would when
        no local copy is found (needs a network connection, not TensorFlow).
    image_shape : (int, int, int), optional
        ``(height, width, channels)`` to make the images at, for the datasets made at any shape:
        image folders (default ``(32, 32, 3)``) and ``"shapes-colour"`` (default ``(32, 32, 3)``).
        The other datasets have one shape (:data:`~cnnviz.core.datasets.registry.INPUT_SHAPES`) and
        ignore it; compare it with :attr:`Dataset.image_shape`.

    Returns
    -------
    Dataset
        Read-only ``images``, ``uint8`` ``(n, H, W)`` (grey) or ``(n, H, W, 3)`` (RGB), and
        ``labels`` ``(n,)`` ``uint8``; :meth:`Dataset.inputs` gives ``(n, H, W, C)`` float32.

    Raises
    ------
    ValueError
        For an unknown name or split, or a bad ``count``.
    DatasetUnavailableError
        If the dataset is not found; the message lists every place tried.
    DatasetFormatError, cnnviz.core.datasets.idx.IdxFormatError
        If a file was found but is malformed.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"A dataset is named by a string: one of {', '.join(DATASET_NAMES)}, or the path of an "
                         f"image folder; received {name!r}.")
    if split not in SPLITS:
        raise ValueError(
            f"Unknown split {split!r} for dataset {name!r}; expected 'train' or 'test'."
        )
    count = _check_count(count)
    if is_image_folder_name(name):
        images, labels, source, class_names = read_folder_split(name, split, image_shape)
        return _counted(name, split, images, labels, source, class_names, count)
    class_names = CLASS_NAMES[name]

    if name == "shapes":
        images, labels, source = generate_split(split, count, seed)
        return Dataset(name, split, _freeze(images), _freeze(labels), source, class_names)
    if name == "shapes-colour":
        images, labels, source = generate_colour_split(split, count, seed, image_shape)
        return Dataset(name, split, _freeze(images), _freeze(labels), source, class_names)

    if name == "mnist-sample":
        images, labels, source = read_sample_split(split)
    elif name == "cifar10":
        images, labels, source = _read_cifar(split, data_dir, allow_download)
    else:
        images, labels, source = _read_local_copy(name, split, data_dir, allow_download)
    return _counted(name, split, images, labels, source, class_names, count)


def _counted(name: str, split: str, images: np.ndarray, labels: np.ndarray, source: str,
             class_names: tuple[str, ...], count: int | None) -> Dataset:
    """The dataset of the first ``count`` images (all for None)."""
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


def _cifar_info(description: str, data_dir: PathLike | None) -> DatasetInfo:
    found, tried = locate_cifar(data_dir)
    if found is None:
        places = "\n".join(f"- {place}" for place in tried)
        return DatasetInfo("cifar10", description, False, None, None,
                           f"not found. Looked in:\n{places}\n{how_to_get_cifar()}")
    try:
        num_train, num_test = cifar_lengths(found)
    except OSError as error:
        return DatasetInfo("cifar10", description, False, None, None, f"found {found.describe()} but cannot use it: "
                                                                      f"{error}")
    return DatasetInfo("cifar10", description, True, num_train, num_test, found.describe())


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
        elif name == "shapes-colour":
            height, width, _ = COLOUR_SHAPES_SHAPE
            infos.append(DatasetInfo(
                name, description, True, SPLIT_DEFAULT_COUNTS["train"], SPLIT_DEFAULT_COUNTS["test"],
                f"generated on demand at the model's input shape ({height}x{width} RGB unless asked otherwise; "
                "seed=0 unless chosen)"))
        elif name == "cifar10":
            infos.append(_cifar_info(description, data_dir))
        elif name == "mnist-sample":
            infos.append(sample_info(description))
        else:
            infos.append(_local_copy_info(name, description, data_dir))
    return infos
