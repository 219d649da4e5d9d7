"""Helpers for comparing the two engines: twin engines with identical weights, and their inputs."""

import numpy as np

from cnnviz.engines.keras_engine import KerasEngine
from cnnviz.engines.numpy_engine import NumpyEngine


def relative_difference(a, b) -> float:
    """Largest absolute difference, relative to the larger of the two arrays' largest magnitude."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(a).max(), np.abs(b).max(), 1e-12))


def twin_engines(config, seed=0):
    """A NumPy engine and a Keras engine of ``config`` holding the same weights."""
    numpy_engine = NumpyEngine(config, seed=seed)
    keras_engine = KerasEngine(config)
    keras_engine.set_weights(numpy_engine.get_weights())
    return numpy_engine, keras_engine


def inputs(count=5):
    """Seeded random 28x28 images and labels."""
    rng = np.random.default_rng(42)
    return rng.random((count, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, count)
