"""Arrays a training step reuses from one batch to the next instead of allocating them again.

A training step of the same network on batches of the same size needs the same intermediate
arrays every time. Allocating them anew costs more than the arithmetic of a small batch: large
blocks come fresh from the operating system, and the first write to each page faults. A
:class:`Workspace` keeps one flat array per name and hands out a view of its first elements in
the shape asked for, so a smaller last batch of an epoch reuses the same memory.

Only the training path uses workspaces: what a workspace hands out is overwritten by the next
training step, so nothing it returns may outlive the step (inference allocates as before).
"""

from __future__ import annotations

import math

import numpy as np


class Workspace:
    """Named scratch arrays, reused while their size and dtype fit."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: np.dtype | type = np.float32) -> np.ndarray:
        """An uninitialized C-contiguous array of ``shape``, the same memory on every call for ``name``
        while it is large enough."""
        size = math.prod(shape)
        array = self._arrays.get(name)
        if array is None or array.size < size or array.dtype != dtype:
            array = self._arrays[name] = np.empty(max(size, 1), dtype)
        return array[:size].reshape(shape)

    def nbytes(self) -> int:
        """Bytes held."""
        return sum(array.nbytes for array in self._arrays.values())


def scratch(workspace: Workspace | None, name: str, shape: tuple[int, ...],
            dtype: np.dtype | type = np.float32) -> np.ndarray:
    """``workspace.get(...)``, or a new array when there is no workspace (inference, tests)."""
    if workspace is None:
        return np.empty(shape, dtype)
    return workspace.get(name, shape, dtype)
