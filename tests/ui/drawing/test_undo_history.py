"""Tests of the undo history: the most recent snapshot first, the oldest dropped once it is full."""

from __future__ import annotations

from PySide6.QtGui import QImage

from cnnviz.ui.drawing.undo_history import MAX_UNDO_STEPS, Snapshot, UndoHistory


def snapshot(number):
    return Snapshot(image=QImage(), direct_input=None, label=number, message=None)


def test_the_history_keeps_the_last_steps_most_recent_first():
    history = UndoHistory()
    assert history.pop() is None and len(history) == 0
    for number in range(MAX_UNDO_STEPS + 10):
        history.push(snapshot(number))
    assert len(history) == MAX_UNDO_STEPS
    assert [history.pop().label for _ in range(3)] == [MAX_UNDO_STEPS + 9, MAX_UNDO_STEPS + 8, MAX_UNDO_STEPS + 7]
    while len(history) > 1:
        history.pop()
    assert history.pop().label == 10  # the ten oldest dropped out
