"""Value controls react to the mouse wheel only when they have the keyboard focus.

Scrolling a panel full of spin boxes and combo boxes must scroll the panel, not change
whichever setting happens to pass under the pointer. :func:`install_wheel_guard`
(1) gives every spin box, combo box and slider the ``StrongFocus`` policy, so the wheel never
focuses them, and (2) hands a wheel event over an unfocused one to the scroll area around it,
which scrolls. While the person is scrolling (wheel turns less than :data:`SCROLL_PAUSE_S`
apart), a focused control that passes under the pointer is scrolled past too, not changed.

The guard is an event filter on just those controls and on every scroll area's viewport (where
a scrolling gesture is seen), set on each as Qt polishes it (:mod:`cnnviz.ui.polish_hooks`): not
on the whole application, whose every event it would otherwise see.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGraphicsView,
    QSlider,
    QWidget,
)

from cnnviz.ui.polish_hooks import add_polish_hook

GUARDED = (QAbstractSpinBox, QComboBox, QSlider)
SCROLL_PAUSE_S = 0.6
"""Wheel turns closer together than this are one scrolling gesture."""


class WheelGuard(QObject):
    """The filter on the value controls and scroll areas; see the module docstring."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._last_scroll = -1.0

    def guard(self, widget: QWidget) -> None:
        """Filter ``widget``'s events if it is a value control or a scroll area (the polish hook)."""
        if isinstance(widget, GUARDED):
            if widget.focusPolicy() == Qt.WheelFocus:
                widget.setFocusPolicy(Qt.StrongFocus)
            widget.installEventFilter(self)    # installing it again changes nothing
        elif isinstance(widget, QAbstractScrollArea) and not isinstance(widget, QGraphicsView):
            # A wheel the panel scrolls with reaches its viewport. (A graphics view zooms or passes
            # the wheel on to the panel around it; filtering it would add a call to its every paint.)
            widget.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Wheel and isinstance(watched, QWidget):
            now = time.monotonic()
            scrolling = now - self._last_scroll < SCROLL_PAUSE_S
            if not isinstance(watched, GUARDED):
                if _enclosing_scroll_area(watched) is not None or isinstance(watched, QAbstractScrollArea):
                    self._last_scroll = now  # the panel itself scrolls
                return False
            if watched.hasFocus() and not scrolling:
                return False  # the person clicked into it and turns the wheel on purpose
            self._last_scroll = now
            area = _enclosing_scroll_area(watched)
            if area is not None:
                viewport = area.viewport()
                position = watched.mapTo(viewport, event.position().toPoint())
                QApplication.sendEvent(viewport, QWheelEvent(
                    position, event.globalPosition(), event.pixelDelta(), event.angleDelta(), event.buttons(),
                    event.modifiers(), event.phase(), event.inverted()))
            return True
        return False


def _enclosing_scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


def install_wheel_guard(app: QApplication | None = None) -> WheelGuard:
    """Install the guard on ``app`` (default: the running application) once; returns it."""
    app = app or QApplication.instance()
    guard = app.property("cnnviz_wheel_guard")
    if isinstance(guard, WheelGuard):
        return guard
    guard = WheelGuard(app)
    add_polish_hook(guard.guard, app)
    app.setProperty("cnnviz_wheel_guard", guard)
    return guard
