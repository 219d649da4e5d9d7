"""Where full MNIST and Fashion-MNIST are looked for on disk, and what to say when they are not found.

Full MNIST, in this order:

1. the Keras cache, ``$KERAS_HOME/datasets/mnist.npz`` if ``KERAS_HOME`` is set, else
   ``~/.keras/datasets/mnist.npz``;
2. in the folder ``data_dir`` (when given), then in ``$CNNVIZ_DATA_DIR`` (when set): a
   Keras-format ``mnist.npz`` or the four IDX files ``train-images-idx3-ubyte``,
   ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``
   (each plain or ``.gz``), first in the subfolder ``mnist/`` of that folder, then in the
   folder itself.

Fashion-MNIST, from the same four IDX file names: in ``data_dir`` then ``$CNNVIZ_DATA_DIR``
(subfolder ``fashion-mnist/`` first, then the folder itself), then in
``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist`` package), then in the
Keras cache folder ``<keras home>/datasets/fashion-mnist``.

Every place tried is recorded, so that a dataset that is missing can be reported with the list
of where it was looked for and how to get it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cnnviz.core.datasets.registry import SPLITS

PathLike = str | os.PathLike

DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
DATA_DIR_ENV = "CNNVIZ_DATA_DIR"
KERAS_HOME_ENV = "KERAS_HOME"

# (images, labels) IDX file stems per split; each may also end in .gz.
IDX_STEMS: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass(frozen=True)
class FoundCopy:
    """A located copy of a dataset: a Keras npz or a folder of IDX files.

    Attributes
    ----------
    kind : str
        ``"npz"`` or ``"idx"``.
    paths : dict of str to (Path, Path)
        ``split -> (images, labels)``; for an npz both are the same file.
    """

    kind: str
    paths: dict[str, tuple[Path, Path]]

    def describe(self) -> str:
        """The file, or the folder and the file names, for a person to read."""
        if self.kind == "npz":
            return str(self.paths["train"][0])
        folder = self.paths["train"][0].parent
        names = [path.name for pair in self.paths.values() for path in pair]
        return f"{folder} ({', '.join(names)})"


def keras_home() -> tuple[Path, str]:
    """Keras's home folder and a phrase saying how it was chosen (as Keras itself does)."""
    configured = os.environ.get(KERAS_HOME_ENV)
    if configured:
        return Path(configured), f"${KERAS_HOME_ENV}"
    return Path.home() / ".keras", "~/.keras"


def _find_idx_file(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _find_idx_folder(folder: Path) -> tuple[FoundCopy | None, str]:
    """Look for the four IDX files in ``folder``; return (found, what was seen)."""
    if not folder.is_dir():
        return None, f"{folder} (no such folder)"
    paths: dict[str, tuple[Path, Path]] = {}
    missing: list[str] = []
    for split, stems in IDX_STEMS.items():
        images, labels = (_find_idx_file(folder, stem) for stem in stems)
        missing += [f"{stem}[.gz]" for stem, path in zip(stems, (images, labels)) if path is None]
        if images is not None and labels is not None:
            paths[split] = (images, labels)
    if missing:
        if len(missing) == 4:
            return None, f"{folder} (no IDX files)"
        return None, f"{folder} (incomplete: missing {', '.join(missing)})"
    return FoundCopy("idx", paths), str(folder)


def _find_npz(path: Path) -> tuple[FoundCopy | None, str]:
    if path.is_file():
        return FoundCopy("npz", {split: (path, path) for split in SPLITS}), str(path)
    return None, f"{path} (not found)"


def _user_folders(data_dir: PathLike | None) -> list[tuple[Path, str]]:
    folders = []
    if data_dir is not None:
        folders.append((Path(data_dir).expanduser(), "the data folder (--data-dir)"))
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        folders.append((Path(from_env).expanduser(), f"${DATA_DIR_ENV}"))
    return folders


def locate(name: str, data_dir: PathLike | None) -> tuple[FoundCopy | None, list[str]]:
    """Find ``name`` ("mnist" or "fashion-mnist") on disk; return it and every place tried.

    Parameters
    ----------
    name : str
        ``"mnist"`` or ``"fashion-mnist"``.
    data_dir : str or os.PathLike, optional
        The folder the person named (``--data-dir``), searched before ``$CNNVIZ_DATA_DIR``.

    Returns
    -------
    found : FoundCopy or None
        The first complete copy, in the order the module docstring gives.
    tried : list of str
        Every place looked at, and what was seen there, for a message.
    """
    tried: list[str] = []
    home, home_label = keras_home()

    def attempt(result: tuple[FoundCopy | None, str], label: str) -> FoundCopy | None:
        found, seen = result
        tried.append(f"{label}: {seen}")
        return found

    if name == "mnist":
        found = attempt(_find_npz(home / "datasets" / "mnist.npz"), f"Keras cache ({home_label})")
        if found:
            return found, tried
    user_folders = _user_folders(data_dir)
    if data_dir is None:
        tried.append("a data folder (--data-dir): none given")
    if not os.environ.get(DATA_DIR_ENV):
        tried.append(f"${DATA_DIR_ENV} (not set)")
    for folder, label in user_folders:
        for candidate in (folder / name, folder):
            if name == "mnist":
                found = attempt(_find_npz(candidate / "mnist.npz"), label)
                if found:
                    return found, tried
            found = attempt(_find_idx_folder(candidate), label)
            if found:
                return found, tried
    if name == "fashion-mnist":
        for folder, label in (
            (DEBIAN_FASHION_MNIST_DIR, "Debian package dataset-fashion-mnist"),
            (home / "datasets" / "fashion-mnist", f"Keras cache ({home_label})"),
        ):
            found = attempt(_find_idx_folder(folder), label)
            if found:
                return found, tried
    return None, tried


def _how_to_get(name: str) -> str:
    if name == "mnist":
        return (
            "To get full MNIST: place the four IDX files (train-images-idx3-ubyte.gz, "
            "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) "
            f"in a folder and name it with --data-dir (or set {DATA_DIR_ENV}); or copy "
            "Keras's mnist.npz to ~/.keras/datasets/; or, when online, allow the download "
            "(`cnnviz data --download`). The bundled 'mnist-sample' "
            "(10,000 real digits) needs nothing."
        )
    return (
        "To get Fashion-MNIST: on Debian/Ubuntu `sudo apt install dataset-fashion-mnist`; or "
        "place the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz from "
        "https://github.com/zalandoresearch/fashion-mnist) in a folder and name it with --data-dir "
        f"(--data-dir) or set {DATA_DIR_ENV}; or, when online with TensorFlow installed, allow "
        "the download (`cnnviz data --download`)."
    )


def unavailable_message(name: str, tried: list[str], allow_download: bool, extra: str = "") -> str:
    """Say that ``name`` was not found: every place tried, the download's fate, and how to get it."""
    lines = [f"Dataset {name!r} was not found. Looked in:"]
    lines += [f"  - {place}" for place in tried]
    if not allow_download:
        lines.append("  - download: not asked for (--download)")
    elif extra:
        lines.append(f"  - download: {extra}")
    lines.append(_how_to_get(name))
    return "\n".join(lines)
