"""Engines by name, imported only when asked for (the Keras engine loads TensorFlow)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from cnnviz.core.config import ModelConfig
from cnnviz.core.safe_zip import check_keras_archive
from cnnviz.engines.base import Engine

ENGINE_NAMES = ("numpy", "keras")


def create_engine(name: str, config: ModelConfig, seed: int | None = None, *, devices: object = None) -> Engine:
    """A new engine of kind ``name`` built from ``config``; ``devices`` is the Keras engine's device
    request (:mod:`cnnviz.engines.devices`; default ``$CNNVIZ_DEVICES`` or ``auto``).

    Raises
    ------
    ValueError
        For an unknown engine name or an invalid configuration.
    """
    if name == "numpy":
        from cnnviz.engines.numpy_engine import NumpyEngine

        return NumpyEngine(config, seed=seed)
    if name == "keras":
        from cnnviz.engines.keras_engine import KerasEngine

        return KerasEngine(config, seed=seed, devices=devices)
    raise ValueError(f"Unknown engine {name!r}; expected one of {', '.join(ENGINE_NAMES)}.")


def resolve_model_path(text: str | Path) -> Path:
    """A model file from a path to a file, or to a run folder holding ``model.npz`` or ``model.keras``.

    Raises
    ------
    ValueError
        When there is no such file, or the folder holds no model.
    """
    path = Path(text)
    if path.is_dir():
        for name in ("model.npz", "model.keras"):
            if (path / name).is_file():
                return path / name
        raise ValueError(f"{path} holds no model.npz or model.keras; give a run folder written by "
                         "cnnviz train, or a model file.")
    if not path.is_file():
        raise ValueError(f"There is no model file or run folder at {path}.")
    return path


def load_engine(path: str | Path) -> Engine:
    """Open a model file: ``.npz`` (NumPy engine) or ``.keras`` (Keras engine, safe mode).

    Raises
    ------
    ValueError
        For a file that cannot be opened (``ModelFileError``, ``KerasModelError``, or
        :class:`~cnnviz.core.safe_zip.ArchiveError` for a ``.keras`` archive declaring too much).
    """
    path = Path(path)
    if path.suffix == ".npz":
        from cnnviz.engines.numpy_engine import NumpyEngine

        return NumpyEngine.load(path)
    if path.suffix == ".keras":
        if path.is_file() and zipfile.is_zipfile(path):
            check_keras_archive(path)  # a hostile archive is refused before TensorFlow is even imported
        from cnnviz.engines.keras_engine import KerasEngine

        return KerasEngine.load(path)
    raise ValueError(f"Cannot open {path.name}: expected a .npz (cnnviz NumPy engine) or a .keras "
                     "model file.")
