"""Checks of arguments that every layer shares: whole numbers that are not bools, real numbers.

Python counts ``True`` and ``False`` as the ints 1 and 0, so ``isinstance(value, int)`` alone
lets ``brush_size=True`` or ``seed=False`` through; and NumPy's integers (``np.int64`` from an
array) are not Python ints although they should be accepted. These helpers say it once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeGuard

import numpy as np


def is_int(value: object) -> TypeGuard[int | np.integer]:
    """Whether ``value`` is a whole number, Python's or NumPy's, and not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def is_real(value: object) -> TypeGuard[int | float | np.integer | np.floating]:
    """Whether ``value`` is a real number (an int or a float, Python's or NumPy's), not a bool.

    NaN and the infinities count as real numbers here; check ``np.isfinite`` where they must not.
    """
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def require_positive_int(value: object, what: str) -> int:
    """``value`` as an int after checking that it is a whole number of at least 1.

    Raises
    ------
    ValueError
        Naming ``what`` and the value received.
    """
    if not is_int(value) or value < 1:
        raise ValueError(f"{what} must be a positive integer, received {value!r}.")
    return int(value)


def require_index(value: object, count: int, what: str) -> int:
    """``value`` as an int after checking that it is a whole number in ``[0, count)``.

    Raises
    ------
    ValueError
        Naming ``what``, the valid range and the value received.
    """
    if not is_int(value) or not 0 <= value < count:
        raise ValueError(f"{what} must be in [0, {count}), received {value!r}.")
    return int(value)


def int_items(value: object) -> tuple[int, ...]:
    """``value`` as ints: a whole number twice (a square size, equal strides), or each item of a
    sequence converted with ``int``; ``()`` when that fails. Callers check the length they need.
    """
    if is_int(value):
        return int(value), int(value)
    if not isinstance(value, Iterable):
        return ()
    try:
        return tuple(int(item) for item in value)
    except (TypeError, ValueError):
        return ()
