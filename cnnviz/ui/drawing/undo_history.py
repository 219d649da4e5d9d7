"""What the input panel's Undo restores: a bounded stack of snapshots of the picture shown."""

from __future__ import annotations

import collections
from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QImage

__all__ = ["Snapshot", "UndoHistory", "MAX_UNDO_STEPS"]

#: Undo snapshots kept (one per stroke, clear or loaded picture).
MAX_UNDO_STEPS = 50


@dataclass(frozen=True)
class Snapshot:
    """What undo restores: the canvas pixels and what they stood for.

    Attributes
    ----------
    image : QImage
        The canvas pixels (a copy of its own).
    direct_input : numpy.ndarray or None
        The framed model input of a dataset sample on the canvas, None for a drawing.
    label : int or None
        The true class of the picture, None for a drawing.
    message : str or None
        The caption, or None when it was the default one for the state (it is then written
        anew, in the mode and input size of the moment).
    """

    image: QImage
    direct_input: np.ndarray | None
    label: int | None
    message: str | None


class UndoHistory:
    """The last :data:`MAX_UNDO_STEPS` snapshots, the most recent on top; older ones drop out."""

    def __init__(self) -> None:
        self._snapshots: collections.deque[Snapshot] = collections.deque(maxlen=MAX_UNDO_STEPS)

    def push(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot`` on top (the oldest is dropped once the history is full)."""
        self._snapshots.append(snapshot)

    def pop(self) -> Snapshot | None:
        """Take the most recent snapshot off the top; None when there is none."""
        return self._snapshots.pop() if self._snapshots else None

    def __len__(self) -> int:
        return len(self._snapshots)
