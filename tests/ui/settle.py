"""Wait until a widget's deferred layout work has run, instead of sleeping a fixed time.

The figures lay their cells out again shortly after a resize (single-shot timers of 0–60 ms); on a
loaded machine a fixed ``qtbot.wait(150)`` can end before those timers fire, and a test then reads
the previous layout.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

#: Single-shot timers this short are layout work (debounced relayouts, refits), not features.
LAYOUT_TIMER_MS = 500


def pending_layout_timers(widget: QWidget) -> list[QTimer]:
    return [timer for timer in widget.findChildren(QTimer)
            if timer.isSingleShot() and timer.isActive() and timer.interval() <= LAYOUT_TIMER_MS]


def settle(qtbot, widget: QWidget | None = None, timeout: int = 5000) -> None:
    """Process events until no layout timer of ``widget`` (default: every window) is pending, twice in a row."""
    quiet_turns = [0]

    def pending() -> bool:
        roots = [widget] if widget is not None else QApplication.topLevelWidgets()
        return any(pending_layout_timers(root) for root in roots)

    def settled() -> bool:
        quiet_turns[0] = quiet_turns[0] + 1 if not pending() else 0
        return quiet_turns[0] >= 2

    qtbot.wait(10)
    qtbot.waitUntil(settled, timeout=timeout)
