"""A seeded random person: thousands of real input events against the running window.

:class:`Monkey` clicks any visible, enabled widget (buttons, boxes, lists, tab bars, plots), types
into fields, turns the wheel, drags on the drawing canvas, presses shortcuts, switches tabs and
sub-tabs, starts, steps and stops training, and resizes the window between 1280x720 and 1920x1080.
Every event goes through Qt's input path (``QTest`` or ``sendEvent`` of real input events). Dialogs
and menus the events open are answered or closed by a watchdog timer, also inside nested event loops
(a file dialog opened by a click), so the run never waits on a person. The same seed gives the same
sequence of choices.
"""

from __future__ import annotations

import random
import time
from collections import Counter

from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
    QTabBar,
    QToolButton,
    QWidget,
)
from shiboken6 import isValid

TEXTS = ("0", "1", "3", "5", "8", "12", "28", "40", "128", "0.5", "0.001", "0.7", "-1", "abc", "", "999999",
         "1e-3", "2,5", " 7 ", "0.00001")
KEYS = (Qt.Key_Return, Qt.Key_Tab, Qt.Key_Escape, Qt.Key_Backspace, Qt.Key_Up, Qt.Key_Down, Qt.Key_Delete,
        Qt.Key_Space, Qt.Key_PageDown, Qt.Key_Home)
SHORTCUTS = ((Qt.Key_Z, Qt.ControlModifier), (Qt.Key_Delete, Qt.NoModifier), (Qt.Key_R, Qt.ControlModifier),
             (Qt.Key_Space, Qt.NoModifier), (Qt.Key_1, Qt.ControlModifier), (Qt.Key_4, Qt.ControlModifier),
             (Qt.Key_Right, Qt.ControlModifier), (Qt.Key_Period, Qt.ControlModifier))
# Widgets the monkey never clicks: they end the session or leave the application.
FORBIDDEN_TEXTS = ("Quit", "&Quit")


def live_top_level_widgets() -> list[QWidget]:
    """The application's top-level widgets whose Python wrappers are still valid: a wrapper kept for
    a widget Qt deleted can be handed out again for a new widget at the same address, and then
    raises "already deleted" on first use (seen with the figures export draws off-screen)."""
    live = []
    for widget in QApplication.topLevelWidgets():
        try:
            if isValid(widget):
                widget.isVisible()  # a stale wrapper can pass isValid and still raise on first use
                live.append(widget)
        except RuntimeError:
            continue
    return live


class Monkey:
    """Send ``num_events`` random input events to ``window``; see the module docstring."""

    def __init__(self, window, seed: int):
        self.window = window
        self.seed = seed
        self.random = random.Random(seed)
        # The watchdog runs on a timer, so its choices have their own generator: the main sequence of
        # actions stays the seed's, however the timer's calls interleave with it.
        self._watchdog_random = random.Random(seed + 1)
        self.counts: Counter = Counter()
        self.log: list[str] = []
        self._watchdog = QTimer(interval=150)
        self._watchdog.timeout.connect(self._close_dialogs)

    # -- running ------------------------------------------------------------------------------------
    def run(self, num_events: int) -> Counter:
        actions = ((self.click, 40), (self.type_text, 14), (self.wheel, 10), (self.draw, 8), (self.switch_tab, 8),
                   (self.press_key, 6), (self.train_or_stop, 4), (self.shortcut, 4), (self.resize, 2),
                   (self.choose_from_combo, 4))
        functions, weights = zip(*actions)
        self._watchdog.start()
        try:
            for number in range(num_events):
                action = self.random.choices(functions, weights)[0]
                self.log.append(f"{number}: {action.__name__}")
                action()
                self.counts[action.__name__] += 1
                QApplication.processEvents()
                if number % 25 == 0:
                    QTest.qWait(5)  # let timers (live inspection, plot redraws) run now and then
        finally:
            self._watchdog.stop()
            self._close_dialogs(force=True)
        return self.counts

    def replay_hint(self) -> str:
        return (f"replay with CNNVIZ_MONKEY_SEED={self.seed}; last actions: {self.log[-12:]}; "
                f"counts: {dict(self.counts)}")

    # -- what a person does -------------------------------------------------------------------------
    def _widgets(self, kinds=QWidget) -> list[QWidget]:
        found = []
        for top in live_top_level_widgets():
            if not top.isVisible() or isinstance(top, QMenu):
                continue
            for widget in [top, *top.findChildren(kinds)]:
                if (isinstance(widget, kinds) and widget.isVisible() and widget.isEnabled()
                        and widget.width() > 2 and widget.height() > 2 and not self._forbidden(widget)):
                    found.append(widget)
        return found

    @staticmethod
    def _forbidden(widget: QWidget) -> bool:
        if isinstance(widget, QAbstractButton) and widget.text() in FORBIDDEN_TEXTS:
            return True
        # The title-bar buttons of docks close or float them; floating is fine, but a closed dock
        # removes the panel from the monkey's reach for the rest of the run.
        return widget.objectName() == "qt_dockwidget_closebutton"

    def _point_in(self, widget: QWidget) -> QPoint:
        return QPoint(self.random.randrange(1, max(2, widget.width() - 1)),
                      self.random.randrange(1, max(2, widget.height() - 1)))

    def click(self) -> None:
        kinds = (QAbstractButton, QComboBox, QAbstractSpinBox, QAbstractItemView, QTabBar, QAbstractSlider,
                 QLineEdit, QWidget)
        widgets = self._widgets(kinds[self.random.randrange(len(kinds))])
        if not widgets:
            return
        widget = self.random.choice(widgets)
        button = Qt.LeftButton if self.random.random() < 0.9 else Qt.RightButton
        target = widget.viewport() if isinstance(widget, QAbstractItemView) else widget
        if self.random.random() < 0.15:
            QTest.mouseDClick(target, button, Qt.NoModifier, self._point_in(target))
        else:
            QTest.mouseClick(target, button, Qt.NoModifier, self._point_in(target))

    def type_text(self) -> None:
        fields = self._widgets(QAbstractSpinBox) + self._widgets(QLineEdit)
        if not fields:
            return
        field = self.random.choice(fields)
        editor = field.findChild(QLineEdit) if isinstance(field, QAbstractSpinBox) else field
        if editor is None:
            return
        QTest.mouseClick(editor, Qt.LeftButton, Qt.NoModifier, self._point_in(editor))
        if self.random.random() < 0.7:
            QTest.keyClick(editor, Qt.Key_A, Qt.ControlModifier)
        QTest.keyClicks(editor, self.random.choice(TEXTS))
        QTest.keyClick(editor, self.random.choice((Qt.Key_Return, Qt.Key_Tab, Qt.Key_Backspace, Qt.Key_Escape)))

    def wheel(self) -> None:
        widgets = self._widgets()
        if not widgets:
            return
        widget = self.random.choice(widgets)
        position = self._point_in(widget)
        delta = self.random.choice((-360, -120, -40, 40, 120, 360))
        QApplication.sendEvent(widget, QWheelEvent(QPointF(position), QPointF(widget.mapToGlobal(position)),
                                                   QPoint(0, 0), QPoint(0, delta), Qt.NoButton, Qt.NoModifier,
                                                   Qt.NoScrollPhase, False))

    def draw(self) -> None:
        surface = self.window.canvas.findChild(QWidget, "drawing_surface") or self._surface()
        if surface is None or not surface.isVisible():
            return
        start = self._point_in(surface)
        QTest.mousePress(surface, Qt.LeftButton, Qt.NoModifier, start)
        for _ in range(self.random.randrange(2, 12)):
            QTest.mouseMove(surface, self._point_in(surface), 1)
        QTest.mouseRelease(surface, Qt.LeftButton, Qt.NoModifier, self._point_in(surface))

    def _surface(self) -> QWidget | None:
        candidates = [widget for widget in self.window.canvas.findChildren(QWidget)
                      if type(widget).__name__ == "_DrawingSurface"]
        return candidates[0] if candidates else None

    def switch_tab(self) -> None:
        bars = self._widgets(QTabBar)
        if not bars:
            return
        bar = self.random.choice(bars)
        if bar.count():
            rect = bar.tabRect(self.random.randrange(bar.count()))
            if rect.isValid() and not rect.isEmpty():
                QTest.mouseClick(bar, Qt.LeftButton, Qt.NoModifier, rect.center())

    def press_key(self) -> None:
        focus = QApplication.focusWidget() or self.window
        QTest.keyClick(focus, self.random.choice(KEYS))

    def shortcut(self) -> None:
        key, modifier = self.random.choice(SHORTCUTS)
        QTest.keyClick(self.window, key, modifier)

    def train_or_stop(self) -> None:
        toolbar = self.window.findChild(QWidget, "toolbar_training")
        buttons = [button for button in toolbar.findChildren(QToolButton) if button.isVisible() and button.isEnabled()
                   and button.text()] if toolbar is not None else []
        if buttons:
            QTest.mouseClick(self.random.choice(buttons), Qt.LeftButton)

    def resize(self) -> None:
        self.window.resize(self.random.randrange(1280, 1921), self.random.randrange(720, 1081))

    def choose_from_combo(self) -> None:
        combos = self._widgets(QComboBox)
        if not combos:
            return
        combo = self.random.choice(combos)
        if combo.count() == 0:
            return
        QTest.mouseClick(combo, Qt.LeftButton)
        view = combo.view()
        for _ in range(self.random.randrange(0, 4)):
            QTest.keyClick(view, self.random.choice((Qt.Key_Down, Qt.Key_Up)))
        QTest.keyClick(view, self.random.choice((Qt.Key_Return, Qt.Key_Escape)))

    # -- the watchdog -------------------------------------------------------------------------------
    def _close_dialogs(self, force: bool = False) -> None:
        """Answer or close what would wait on a person: dialogs after a moment, menus and popups."""
        popup = QApplication.activePopupWidget()
        if popup is not None and (force or self._watchdog_random.random() < 0.5):
            popup.close()
        now = time.monotonic()
        for widget in live_top_level_widgets():
            if not isinstance(widget, QDialog) or not widget.isVisible():
                continue
            # When the dialog was first seen is kept on the dialog itself: a dialog made inside Qt
            # (a static file dialog) gets a new Python wrapper at every look.
            first_seen = widget.property("monkey_first_seen")
            if first_seen is None:
                widget.setProperty("monkey_first_seen", now)
                first_seen = now
            if not force and now - float(first_seen) < 0.3:
                continue
            if isinstance(widget, QMessageBox) and not force and self._watchdog_random.random() < 0.6:
                choices = [button for button in widget.buttons() if button.isVisible()
                           and "Save" not in button.text()]
                if choices:
                    self._watchdog_random.choice(choices).click()
                    continue
            widget.reject()
