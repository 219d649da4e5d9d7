"""The growing columns the training monitor keeps every step in, and the moving average it draws.

Pure NumPy, no Qt: appending a chunk of steps is amortized O(1), and the exponential moving
average of a chunk is a few matrix products, so a run of 100,000+ batches stays smooth.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from cnnviz.core.results import frozen

AVERAGE_BLOCK = 256
"""Steps per block of the moving-average computation: big enough to vectorize, small enough that
the lower-triangular weight matrix stays cheap."""


class GrowingColumns:
    """Columns of float64 that grow by doubling their capacity, so appending is amortized O(1).

    Parameters
    ----------
    num_columns : int
        How many columns; each is stored contiguously, so ``column(i)`` is a cheap view.
    """

    def __init__(self, num_columns: int, capacity: int = 1024):
        self._data = np.empty((num_columns, capacity))
        self.size = 0

    def append(self, rows: np.ndarray) -> None:
        """Append ``rows``, shape (num_columns, m)."""
        count = rows.shape[1]
        needed = self.size + count
        capacity = self._data.shape[1]
        if needed > capacity:
            while capacity < needed:
                capacity *= 2
            grown = np.empty((self._data.shape[0], capacity))
            grown[:, :self.size] = self._data[:, :self.size]
            self._data = grown
        self._data[:, self.size:needed] = rows
        self.size = needed

    def column(self, index: int) -> np.ndarray:
        """The filled part of column ``index``, shape (size,); a view, valid until the next append."""
        return self._data[index, :self.size]

    def last(self, index: int) -> float:
        """The last value of column ``index`` (NaN when empty)."""
        return float(self._data[index, self.size - 1]) if self.size else math.nan


@functools.lru_cache(maxsize=8)
def _moving_average_weights(alpha: float, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The exponential moving average of ``size`` values as a matrix product.

    Returns ``(weights, carry)``: ``weights`` shape (size, size) is lower-triangular with
    ``alpha * (1 - alpha) ** (k - j)``; ``carry`` shape (size,) is ``(1 - alpha) ** (k + 1)``, the
    weight of the average before the block. Cached: read-only arrays.
    """
    decay = 1.0 - alpha
    offsets = np.arange(size)[:, None] - np.arange(size)[None, :]
    weights = np.where(offsets >= 0, alpha * decay ** np.maximum(offsets, 0), 0.0)
    return frozen(weights), frozen(decay ** (np.arange(size) + 1.0))


def exponential_moving_average(values: np.ndarray, alpha: float, previous: float | None) -> np.ndarray:
    """Exponential moving average of ``values`` (shape (m,)), continuing from ``previous``.

    ``average[k] = alpha * values[k] + (1 - alpha) * average[k - 1]``; without a previous average
    the series starts at its first value.
    """
    averages = np.empty(len(values))
    if len(values) == 0:
        return averages
    if previous is None:
        previous = float(values[0])
    weights, carry = _moving_average_weights(alpha, AVERAGE_BLOCK)
    for start in range(0, len(values), AVERAGE_BLOCK):
        block = values[start:start + AVERAGE_BLOCK]
        size = len(block)
        averages[start:start + size] = weights[:size, :size] @ block + carry[:size] * previous
        previous = averages[start + size - 1]
    return averages
