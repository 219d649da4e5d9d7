"""CIFAR-10: where it is looked for, and reading either of its releases within bounds.

Two releases are read, as ``(n, 32, 32, 3)`` ``uint8`` RGB images with ``uint8`` labels:

- the python version (what Keras caches): the pickles ``data_batch_1`` … ``data_batch_5`` and
  ``test_batch`` in a folder ``cifar-10-batches-py``, each a dict whose ``data`` is an
  ``(n, 3072)`` ``uint8`` array (the red, green then blue 32 x 32 planes of each image) and whose
  ``labels`` is a list of n class indices. They are unpickled only through
  :class:`~cnnviz.core.datasets.restricted_pickle.RestrictedUnpickler`, which rebuilds plain NumPy
  arrays and refuses any other name before anything is called;
- the binary version: ``data_batch_1.bin`` … ``data_batch_5.bin`` and ``test_batch.bin`` in a folder
  ``cifar-10-batches-bin``, each a run of 3,073-byte records (a label byte, then the three planes).

Every file's size is checked before it is read (a pickle at most :data:`MAX_PICKLE_BYTES`, a
binary file a whole number of records, at most :data:`MAX_BINARY_RECORDS`).

Looked for, in this order: the Keras cache (``<keras home>/datasets/cifar-10-batches-py``, or
``…/cifar-10-batches-py-target/cifar-10-batches-py`` where Keras 3 extracts it); then in the folder
``data_dir`` (when given) and in ``$CNNVIZ_DATA_DIR`` (when set): the sub-folder
``cifar-10-batches-py``, then ``cifar-10-batches-bin``, then the folder itself.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnviz.core.datasets.dataset import DatasetFormatError
from cnnviz.core.datasets.restricted_pickle import PickleRefusedError, load_restricted
from cnnviz.core.datasets.search import DATA_DIR_ENV, keras_home

PYTHON_FOLDER = "cifar-10-batches-py"
BINARY_FOLDER = "cifar-10-batches-bin"
PYTHON_FILES = {"train": tuple(f"data_batch_{number}" for number in range(1, 6)), "test": ("test_batch",)}
BINARY_FILES = {split: tuple(f"{name}.bin" for name in names) for split, names in PYTHON_FILES.items()}
NOMINAL_COUNTS = {"train": 50_000, "test": 10_000}
SIDE, CHANNELS, NUM_CLASSES = 32, 3, 10
RECORD_PIXELS = SIDE * SIDE * CHANNELS
RECORD_BYTES = 1 + RECORD_PIXELS
MAX_BINARY_RECORDS = 60_000
"""The most records one binary file may hold (the release has 10,000 in each)."""
MAX_PICKLE_BYTES = 48 * 2**20
"""The largest python-version batch read (the release's are about 31 MB)."""


@dataclass(frozen=True)
class FoundCifar:
    """A complete copy of CIFAR-10: its folder and which release (``"python"`` or ``"binary"``)."""

    kind: str
    folder: Path

    def describe(self) -> str:
        """The folder and the release, for a person to read."""
        return f"{self.folder} ({'python pickles' if self.kind == 'python' else 'binary records'})"

    def paths(self, split: str) -> list[Path]:
        """The files holding ``split``, in order."""
        names = PYTHON_FILES[split] if self.kind == "python" else BINARY_FILES[split]
        return [self.folder / name for name in names]


def _complete(folder: Path) -> tuple[FoundCifar | None, str]:
    if not folder.is_dir():
        return None, f"{folder} (no such folder)"
    for kind, files in (("python", PYTHON_FILES), ("binary", BINARY_FILES)):
        names = [name for split in ("train", "test") for name in files[split]]
        present = [name for name in names if (folder / name).is_file()]
        if len(present) == len(names):
            return FoundCifar(kind, folder), str(folder)
        if present:
            missing = sorted(set(names) - set(present))
            return None, f"{folder} (incomplete: missing {', '.join(missing)})"
    return None, f"{folder} (no CIFAR-10 batches)"


def locate_cifar(data_dir: str | os.PathLike | None) -> tuple[FoundCifar | None, list[str]]:
    """The first complete copy of CIFAR-10, in the order the module docstring gives, and every place tried."""
    home, home_label = keras_home()
    places = [(home / "datasets" / PYTHON_FOLDER, f"Keras cache ({home_label})"),
              (home / "datasets" / f"{PYTHON_FOLDER}-target" / PYTHON_FOLDER, f"Keras 3 cache ({home_label})")]
    tried: list[str] = []
    if data_dir is None:
        tried.append("a data folder (--data-dir): none given")
    else:
        folder = Path(data_dir).expanduser()
        places += [(folder / PYTHON_FOLDER, "the data folder"), (folder / BINARY_FOLDER, "the data folder"),
                   (folder, "the data folder")]
    if os.environ.get(DATA_DIR_ENV):
        folder = Path(os.environ[DATA_DIR_ENV]).expanduser()
        places += [(folder / PYTHON_FOLDER, f"${DATA_DIR_ENV}"), (folder / BINARY_FOLDER, f"${DATA_DIR_ENV}"),
                   (folder, f"${DATA_DIR_ENV}")]
    else:
        tried.append(f"${DATA_DIR_ENV} (not set)")
    for folder, label in places:
        found, seen = _complete(folder)
        tried.append(f"{label}: {seen}")
        if found is not None:
            return found, tried
    return None, tried


def how_to_get_cifar() -> str:
    """What to do when CIFAR-10 is not found."""
    return ("To get CIFAR-10: when online, allow the download (`cnnviz data --download`, or `--download` with "
            "`cnnviz train`), which fetches Keras's cifar-10-python.tar.gz (163 MB, SHA-256 checked); or unpack "
            "cifar-10-python.tar.gz or cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html "
            f"into a folder and name it with --data-dir (or set {DATA_DIR_ENV}).")


def _planes_to_images(pixels: np.ndarray) -> np.ndarray:
    """``(n, 3072)`` rows of red, green and blue planes to ``(n, 32, 32, 3)`` RGB images."""
    return np.ascontiguousarray(pixels.reshape(-1, CHANNELS, SIDE, SIDE).transpose(0, 2, 3, 1))


def _check_labels(labels: np.ndarray, path: Path) -> np.ndarray:
    if labels.size and int(labels.max()) >= NUM_CLASSES:
        raise DatasetFormatError(f"{path}: label {int(labels.max())} found, but CIFAR-10 labels are 0 to 9; "
                                 "the file is damaged or not CIFAR-10.")
    return labels.astype(np.uint8)


def read_python_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One python-version batch, through the restricted unpickler.

    Returns
    -------
    images : numpy.ndarray
        ``(n, 32, 32, 3)`` ``uint8``.
    labels : numpy.ndarray
        ``(n,)`` ``uint8``.

    Raises
    ------
    DatasetFormatError
        When the file is too large, refused (it names anything but NumPy's array names), not a pickle,
        or does not hold a CIFAR-10 batch.
    """
    size = path.stat().st_size
    if size > MAX_PICKLE_BYTES:
        raise DatasetFormatError(f"{path}: {size:,} bytes, more than a CIFAR-10 batch ({MAX_PICKLE_BYTES:,} at most); "
                                 "it was not read.")
    with open(path, "rb") as handle:
        data = handle.read(MAX_PICKLE_BYTES + 1)
    try:
        batch = load_restricted(data)
    except PickleRefusedError as error:
        raise DatasetFormatError(f"{path}: refused: {error}.") from error
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as error:
        raise DatasetFormatError(
            f"{path}: not a readable CIFAR-10 pickle ({type(error).__name__}: {error}).") from error
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        keys = sorted(map(repr, batch)) if isinstance(batch, dict) else type(batch).__name__
        raise DatasetFormatError(f"{path}: expected a dict with b'data' and b'labels', got {keys}; not a CIFAR-10 "
                                 "batch.")
    pixels, labels = batch[b"data"], batch[b"labels"]
    if not (isinstance(pixels, np.ndarray) and pixels.dtype == np.uint8 and pixels.ndim == 2
            and pixels.shape[1] == RECORD_PIXELS):
        raise DatasetFormatError(f"{path}: expected data of shape (n, {RECORD_PIXELS}) uint8, got "
                                 f"{getattr(pixels, 'shape', type(pixels).__name__)} "
                                 f"{getattr(pixels, 'dtype', '')}; not a CIFAR-10 batch.")
    if not (isinstance(labels, (list, np.ndarray)) and len(labels) == len(pixels)
            and all(isinstance(label, (int, np.integer)) and not isinstance(label, bool) and label >= 0
                    for label in labels)):
        raise DatasetFormatError(f"{path}: expected {len(pixels):,} integer labels to match the images; the "
                                 "file is damaged or not CIFAR-10.")
    label_array = np.asarray(labels, dtype=np.int64)
    return _planes_to_images(pixels), _check_labels(label_array, path)


def read_binary_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One binary-version batch (3,073-byte records), sized before it is read.

    Returns
    -------
    images, labels
        As :func:`read_python_batch`.

    Raises
    ------
    DatasetFormatError
        When the file is not a whole number of records, or holds more than :data:`MAX_BINARY_RECORDS`.
    """
    size = path.stat().st_size
    if size == 0 or size % RECORD_BYTES or size // RECORD_BYTES > MAX_BINARY_RECORDS:
        raise DatasetFormatError(
            f"{path}: {size:,} bytes; a CIFAR-10 binary batch is a whole number of {RECORD_BYTES:,}-byte records, "
            f"1 to {MAX_BINARY_RECORDS:,} of them. The file is damaged or not CIFAR-10.")
    with open(path, "rb") as handle:
        records = np.frombuffer(handle.read(size), dtype=np.uint8)
    if records.size != size:
        raise DatasetFormatError(f"{path}: shrank while it was read ({records.size:,} of {size:,} bytes).")
    records = records.reshape(-1, RECORD_BYTES)
    return _planes_to_images(records[:, 1:]), _check_labels(records[:, 0], path)


def read_cifar_split(found: FoundCifar, split: str) -> tuple[np.ndarray, np.ndarray, str]:
    """All of ``split`` (``"train"`` or ``"test"``) from a located copy: images, labels and the source."""
    reader = read_python_batch if found.kind == "python" else read_binary_batch
    parts = [reader(path) for path in found.paths(split)]
    images = np.concatenate([part[0] for part in parts]) if len(parts) > 1 else parts[0][0]
    labels = np.concatenate([part[1] for part in parts]) if len(parts) > 1 else parts[0][1]
    return images, labels, found.describe()


def cifar_lengths(found: FoundCifar) -> tuple[int, int]:
    """Images in the train and test splits: counted from file sizes (binary), or the release's (python)."""
    if found.kind == "python":
        return NOMINAL_COUNTS["train"], NOMINAL_COUNTS["test"]
    train, test = (sum(path.stat().st_size // RECORD_BYTES for path in found.paths(split))
                   for split in ("train", "test"))
    return train, test
