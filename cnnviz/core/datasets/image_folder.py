"""A person's own pictures as a dataset: a folder with one sub-folder of pictures per class.

``my-pictures/cats/*.jpg``, ``my-pictures/dogs/*.png`` … make a dataset of two classes named
``cats`` and ``dogs`` (sub-folders sorted by name give the class indices). Every file in a class
folder (or deeper in it) is tried, in any format the registered decoder reads (Qt's: PNG, JPEG,
BMP, GIF, WebP …, :mod:`.image_decoding`); hidden files and folders (``.name``) are ignored. A
file that cannot be read is listed with its reason and skipped, never fatal. A folder with fewer
than two classes, or a class left without a readable picture, is refused with a message saying
which.

Every picture becomes one image of the shape asked for, by the rule in :mod:`.image_fitting`
(scaled to fit preserving aspect ratio, then centred on black padding; grey or RGB as asked).
The decoded images are cached (:mod:`.folder_cache`), so a second read of an unchanged folder is
fast.

The split is stratified and always the same: within each class, a fixed-seed
(:data:`SPLIT_SEED`) shuffle puts ``round(test_fraction * n)`` pictures (at least one, and at
least one left for training, for a class of two or more) in the test split and the rest in
training; each split is then shuffled (same seed) so that classes are mixed in any prefix. The
split does not depend on the training seed, so runs with different seeds are tested on the
same pictures.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnviz.core.datasets import folder_cache
from cnnviz.core.datasets.dataset import DatasetFormatError, DatasetUnavailableError
from cnnviz.core.datasets.image_decoding import ImageDecoder, image_decoder
from cnnviz.core.datasets.image_fitting import RESIZE_RULE, fit_picture

DEFAULT_FOLDER_SHAPE = (32, 32, 3)
"""``(height, width, channels)`` a folder is read at when no shape is asked for."""
DEFAULT_TEST_FRACTION = 0.2
SPLIT_SEED = 0
MAX_FOLDER_FILES = 200_000
MAX_FOLDER_BYTES = 4 * 2**30
"""The most bytes a folder's decoded images may take (checked from the file count before decoding)."""
MAX_SIDE = 4096
MAX_CLASSES = 1000
DECODE_OVERSAMPLING = 4
"""The decoder may shrink a picture to this many times the target size while decoding."""


@dataclass(frozen=True)
class FolderListing:
    """What an image folder holds, before any file is decoded.

    Attributes
    ----------
    root : pathlib.Path
        The folder.
    class_names : tuple of str
        The class sub-folders' names, sorted.
    files : tuple of (str, int, int, int)
        Every candidate file: its path relative to ``root`` (``/``-separated), its class index,
        size in bytes and modification time in nanoseconds; sorted by path.
    """

    root: Path
    class_names: tuple[str, ...]
    files: tuple[tuple[str, int, int, int], ...]


@dataclass(frozen=True, eq=False)
class FolderImages:
    """Every readable picture of an image folder, decoded and fitted.

    Attributes
    ----------
    root : pathlib.Path
    class_names : tuple of str
    images : numpy.ndarray
        ``(n, H, W)`` (grey) or ``(n, H, W, 3)`` (RGB) ``uint8``, in file order.
    labels : numpy.ndarray
        ``(n,)`` ``uint8`` class indices.
    files : tuple of str
        The relative path each image came from.
    unreadable : tuple of (str, str)
        Each file that could not be read, and why.
    image_shape : (int, int, int)
    from_cache : bool
        Whether the images came from the cache rather than from decoding.
    """

    root: Path
    class_names: tuple[str, ...]
    images: np.ndarray
    labels: np.ndarray
    files: tuple[str, ...]
    unreadable: tuple[tuple[str, str], ...]
    image_shape: tuple[int, int, int]
    from_cache: bool

    def class_counts(self) -> list[int]:
        """Readable pictures per class."""
        return np.bincount(self.labels, minlength=len(self.class_names)).tolist()


def check_image_shape(image_shape: object) -> tuple[int, int, int]:
    """``image_shape`` as ``(height, width, channels)``, or a ValueError saying what is accepted."""
    if (isinstance(image_shape, (tuple, list)) and len(image_shape) == 3
            and all(isinstance(value, (int, np.integer)) and not isinstance(value, bool) for value in image_shape)):
        height, width, channels = (int(value) for value in image_shape)
        if 1 <= height <= MAX_SIDE and 1 <= width <= MAX_SIDE and channels in (1, 3):
            return height, width, channels
    raise ValueError(f"An image folder is read at a shape (height, width, channels) with sides 1 to {MAX_SIDE} "
                     f"and 1 (grey) or 3 (RGB) channels; received {image_shape!r}. E.g. (32, 32, 3).")


def _hidden(name: str) -> bool:
    return name.startswith(".")


def scan_image_folder(path: str | os.PathLike) -> FolderListing:
    """List an image folder's classes and files (nothing is decoded).

    Raises
    ------
    DatasetUnavailableError
        When ``path`` is not a folder.
    DatasetFormatError
        When it has fewer than two class sub-folders, or more files than :data:`MAX_FOLDER_FILES`.
    """
    root = Path(path).expanduser()
    if not root.is_dir():
        raise DatasetUnavailableError(
            f"{root} is not a folder. An image-folder dataset is a folder with one sub-folder of pictures per "
            "class (e.g. pictures/cats/*.jpg, pictures/dogs/*.png); built-in datasets are named mnist-sample, "
            "mnist, fashion-mnist, shapes, shapes-colour or cifar10.")
    class_names = tuple(sorted(entry.name for entry in os.scandir(root) if entry.is_dir() and not _hidden(entry.name)))
    if len(class_names) < 2:
        found = f"only {class_names[0]!r}" if class_names else "none"
        raise DatasetFormatError(
            f"{root} has {len(class_names)} class sub-folder(s) ({found}); a dataset needs at least two. Put each "
            "class's pictures in a sub-folder named after the class (e.g. cats/ and dogs/).")
    if len(class_names) > MAX_CLASSES:
        raise DatasetFormatError(f"{root} has {len(class_names):,} sub-folders, more than the {MAX_CLASSES:,} "
                                 "classes an image folder may have.")
    files: list[tuple[str, int, int, int]] = []
    for class_index, class_name in enumerate(class_names):
        for folder, sub_folders, names in os.walk(root / class_name):
            sub_folders[:] = sorted(name for name in sub_folders if not _hidden(name))
            for name in sorted(names):
                file_path = Path(folder) / name
                if _hidden(name) or not file_path.is_file():
                    continue
                stat = file_path.stat()
                files.append((file_path.relative_to(root).as_posix(), class_index, stat.st_size, stat.st_mtime_ns))
                if len(files) > MAX_FOLDER_FILES:
                    raise DatasetFormatError(f"{root} holds more than {MAX_FOLDER_FILES:,} files; an image folder "
                                             "may hold at most that many.")
    return FolderListing(root, class_names, tuple(sorted(files)))


def _decode_all(listing: FolderListing, image_shape: tuple[int, int, int],
                decoder: ImageDecoder) -> dict[str, np.ndarray]:
    height, width, channels = image_shape
    fit_within = (height * DECODE_OVERSAMPLING, width * DECODE_OVERSAMPLING)
    images, labels, kept, unreadable, reasons = [], [], [], [], []
    for index, (relative, class_index, _size, _mtime) in enumerate(listing.files):
        try:
            images.append(fit_picture(decoder(listing.root / relative, fit_within), image_shape))
        except (ValueError, OSError) as error:
            unreadable.append(index)
            reasons.append(str(error) or type(error).__name__)
            continue
        labels.append(class_index)
        kept.append(index)
    stored = (height, width) if channels == 1 else image_shape
    return {"images": np.stack(images) if images else np.zeros((0, *stored), np.uint8),
            "labels": np.asarray(labels, np.uint8), "kept": np.asarray(kept, np.int64),
            "unreadable": np.asarray(unreadable, np.int64), "reasons": np.asarray(reasons, dtype=str)}


def read_image_folder(path: str | os.PathLike, image_shape: tuple[int, int, int] = DEFAULT_FOLDER_SHAPE, *,
                      decoder: ImageDecoder | None = None, use_cache: bool = True,
                      require_classes: bool = True) -> FolderImages:
    """Decode and fit every picture of an image folder, from the cache when the folder is unchanged.

    Parameters
    ----------
    path : str or os.PathLike
        The folder (one sub-folder per class).
    image_shape : (int, int, int), default (32, 32, 3)
        ``(height, width, channels)`` of the images; channels 1 (grey) or 3 (RGB).
    decoder : callable, optional
        The picture decoder; by default the registered one (:mod:`.image_decoding`).
    use_cache : bool, default True
        Read and write the cache (:mod:`.folder_cache`).
    require_classes : bool, default True
        Refuse a folder in which a class has no readable picture (``cnnviz data`` describes it instead).

    Raises
    ------
    DatasetUnavailableError
        When ``path`` is not a folder, or no decoder is registered and the cache cannot serve.
    DatasetFormatError
        When it has fewer than two classes, a class without a readable picture, or too many files.
    ValueError
        For a bad ``image_shape``.
    """
    image_shape = check_image_shape(image_shape)
    listing = scan_image_folder(path)
    height, width, channels = image_shape
    needed = len(listing.files) * height * width * channels
    if needed > MAX_FOLDER_BYTES:
        raise DatasetFormatError(
            f"{listing.root}: {len(listing.files):,} pictures at {height}x{width}x{channels} would take "
            f"{needed / 2**30:.1f} GiB, more than the {MAX_FOLDER_BYTES // 2**30} GiB an image folder may; use a "
            "smaller image shape or fewer pictures.")
    key = folder_cache.cache_key(listing.root, [(entry[0], entry[2], entry[3]) for entry in listing.files], image_shape,
                                 RESIZE_RULE)
    arrays = folder_cache.read_cache(key, len(listing.files), image_shape) if use_cache else None
    from_cache = arrays is not None
    if arrays is None:
        arrays = _decode_all(listing, image_shape, decoder or image_decoder())
        if use_cache:
            folder_cache.write_cache(key, arrays)
    result = FolderImages(
        listing.root, listing.class_names, arrays["images"], arrays["labels"],
        tuple(listing.files[index][0] for index in arrays["kept"].tolist()),
        tuple((listing.files[index][0], str(reason)) for index, reason in zip(arrays["unreadable"].tolist(),
                                                                              arrays["reasons"].tolist())),
        image_shape, from_cache)
    if require_classes:
        check_classes(result)
    return result


def check_classes(folder: FolderImages) -> None:
    """Refuse a folder in which some class has no readable picture; the message names them."""
    empty = [name for name, count in zip(folder.class_names, folder.class_counts()) if count == 0]
    if empty:
        skipped = f" ({len(folder.unreadable)} file(s) could not be read)" if folder.unreadable else ""
        raise DatasetFormatError(
            f"{folder.root}: class folder(s) {', '.join(repr(name) for name in empty)} hold no readable picture"
            f"{skipped}. Every class needs at least one picture; add some or remove the folder.")


def split_indices(labels: np.ndarray, num_classes: int, test_fraction: float = DEFAULT_TEST_FRACTION,
                  seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Stratified, seeded train and test indices into ``labels`` (see the module docstring).

    Returns
    -------
    train, test : numpy.ndarray
        ``int64`` indices, each split shuffled so that classes are mixed.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, received {test_fraction}; e.g. 0.2.")
    generator = np.random.default_rng(seed)
    train, test = [], []
    for class_index in range(num_classes):
        members = generator.permutation(np.flatnonzero(labels == class_index))
        count = len(members)
        num_test = min(max(round(test_fraction * count), 1), count - 1) if count >= 2 else 0
        test.append(members[:num_test])
        train.append(members[num_test:])
    train_indices = generator.permutation(np.concatenate(train)).astype(np.int64)
    test_indices = generator.permutation(np.concatenate(test)).astype(np.int64)
    return train_indices, test_indices


def folder_source(folder: FolderImages) -> str:
    """Where a folder's images came from, with the shape and rule, for a person to read."""
    height, width, channels = folder.image_shape
    colour = "RGB" if channels == 3 else "grey"
    skipped = f"; {len(folder.unreadable)} unreadable file(s) skipped" if folder.unreadable else ""
    cached = " (from the cache)" if folder.from_cache else ""
    return f"{folder.root}{cached}: {height}x{width} {colour}, {RESIZE_RULE}{skipped}"


def read_folder_split(path: str | os.PathLike, split: str, image_shape: tuple[int, int, int] | None = None,
                      test_fraction: float = DEFAULT_TEST_FRACTION,
                      ) -> tuple[np.ndarray, np.ndarray, str, tuple[str, ...]]:
    """One split of an image folder: images, labels, source and class names (see :func:`read_image_folder`)."""
    folder = read_image_folder(path, DEFAULT_FOLDER_SHAPE if image_shape is None else image_shape)
    train, test = split_indices(folder.labels, len(folder.class_names), test_fraction)
    indices = train if split == "train" else test
    return folder.images[indices], folder.labels[indices], folder_source(folder), folder.class_names
