"""Engines by name, imported only when asked for (the Keras engine loads TensorFlow)."""

from __future__ import annotations

from pathlib import Path

from cnnviz.core.config import ModelConfig

ENGINE_NAMES = ("numpy", "keras")


def create_engine(name: str, config: ModelConfig, seed: int | None = None):
    """A new engine of kind ``name`` built from ``config``.

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

        return KerasEngine(config, seed=seed)
    raise ValueError(f"Unknown engine {name!r}; expected one of {', '.join(ENGINE_NAMES)}.")


def load_engine(path: str | Path):
    """Open a model file: ``.npz`` (NumPy engine) or ``.keras`` (Keras engine, safe mode)."""
    path = Path(path)
    if path.suffix == ".npz":
        from cnnviz.engines.numpy_engine import NumpyEngine

        return NumpyEngine.load(path)
    if path.suffix == ".keras":
        from cnnviz.engines.keras_engine import KerasEngine

        return KerasEngine.load(path)
    raise ValueError(f"Cannot open {path.name}: expected a .npz (cnnviz NumPy engine) or a .keras "
                     "model file.")
