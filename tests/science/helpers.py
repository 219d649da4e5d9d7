"""What the science tests share: the bundled reference model, and a few comparisons."""

import numpy as np

from cnnviz.core.resources import resource_path
from cnnviz.engines.registry import load_engine

REFERENCE = resource_path("reference_model.npz")


def reference_engine():
    """A fresh engine with the bundled reference model (a test that changes it loads its own)."""
    return load_engine(REFERENCE)


def first_of_class(split, label, offset=0):
    """The ``offset``-th test image of class ``label``, as a batch of one."""
    index = int(np.flatnonzero(split.labels == label)[offset])
    return split.images[index:index + 1]


def weights_equal(first, second):
    return all(np.array_equal(first[layer][name], second[layer][name]) for layer in first for name in first[layer])


def stripes(size: int, cycles_y: int, cycles_x: int, phase: float = 0.0) -> np.ndarray:
    rows, cols = np.mgrid[0:size, 0:size]
    return np.cos(2 * np.pi * (cycles_y * rows + cycles_x * cols) / size + phase)



def synthetic_classes(rng, count: int = 6, size: int = 16) -> dict[int, np.ndarray]:
    """Three classes: horizontal stripes, vertical stripes, diagonal stripes; random phase, noise."""
    waves = {0: (3, 0), 1: (0, 3), 2: (2, 2)}
    return {label: np.stack([stripes(size, *wave, phase=rng.uniform(0, 2 * np.pi))
                             + 0.3 * rng.standard_normal((size, size)) for _ in range(count)])
            for label, wave in waves.items()}

