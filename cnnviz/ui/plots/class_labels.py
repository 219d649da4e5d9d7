"""Labels of a class axis that stay readable: whole names, elided names or indices, never overlapping.

Shared by the input panel's probability chart and the Evaluation tab's per-class accuracy chart.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

__all__ = ["spaced_labels", "labels_are_names", "class_key", "MIN_ELIDED_CHARACTERS"]

#: Elided class names keep at least this many characters, or the axis shows indices instead.
MIN_ELIDED_CHARACTERS = 3
_ELLIPSIS = "…"


def spaced_labels(names: tuple[str, ...], metrics: QFontMetrics, spacing: float) -> list[tuple[int, str]]:
    """Labels for categories ``spacing`` pixels apart on a horizontal axis, none overlapping.

    Every name in full when all fit; else every name elided, while each keeps at least
    :data:`MIN_ELIDED_CHARACTERS` characters and they stay distinct; else the categories'
    indices (``"0"``, ``"1"``, ...), only every ``k``-th of them if even those collide.
    Callers name the categories elsewhere (a tooltip) when labels are not the names.

    Parameters
    ----------
    names : tuple of str
        One name per category, in axis order.
    metrics : QFontMetrics
        Of the font the axis draws its labels with.
    spacing : float
        Pixels between neighbouring categories' centres.

    Returns
    -------
    list of (int, str)
        ``(category index, label)`` for the categories that get a label.
    """
    if not names:
        return []
    gap = metrics.horizontalAdvance(" ")
    if max(metrics.horizontalAdvance(name) for name in names) + gap <= spacing:
        return list(enumerate(names))
    limit = int(spacing - gap)
    elided = [metrics.elidedText(name, Qt.TextElideMode.ElideRight, limit) for name in names]
    readable = all(len(text.rstrip(_ELLIPSIS)) >= min(len(name), MIN_ELIDED_CHARACTERS)
                   for text, name in zip(elided, names))
    if readable and len(set(elided)) == len(elided):
        return list(enumerate(elided))
    widest = metrics.horizontalAdvance(str(len(names) - 1))
    step = max(1, math.ceil((widest + gap) / max(spacing, 1e-6)))
    return [(index, str(index)) for index in range(0, len(names), step)]


def labels_are_names(labels: list[tuple[int, str]], names: tuple[str, ...]) -> bool:
    """True when ``labels`` name every category in full."""
    return len(labels) == len(names) and all(text == names[index] for index, text in labels)


def class_key(names: tuple[str, ...]) -> str:
    """``"0 square, 1 triangle, 2 circle"``: which index is which class."""
    return ", ".join(f"{index} {name}" for index, name in enumerate(names))
