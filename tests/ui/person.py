"""What a person does with the window, as Qt input events: type, click arrows, turn the wheel, pick.

Every helper sends real key, mouse or wheel events to a widget (never ``setValue``), so a test built
on them fails the way a person's session would.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QWidget


def type_value(qtbot, widget: QWidget, text: str, finish: str = "enter") -> None:
    """Click into ``widget``, select its text, type ``text`` key by key, then press Enter or Tab.

    ``finish`` is ``"enter"``, ``"tab"`` or ``"none"`` (leave the value half-typed).
    """
    _activate(qtbot, widget)
    widget.setFocus(Qt.MouseFocusReason)
    qtbot.mouseClick(_line_edit(widget), Qt.LeftButton)
    # The keys go where a keyboard's go: to the widget with the focus (a spin box, not its text field).
    keys = widget if widget.hasFocus() else _line_edit(widget)
    qtbot.keyClick(keys, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(keys, text)
    if finish == "enter":
        qtbot.keyClick(keys, Qt.Key_Return)
    elif finish == "tab":
        qtbot.keyClick(keys, Qt.Key_Tab)


def click_into(qtbot, widget: QWidget) -> None:
    """Click into a field, as a person does before typing or turning the wheel over it."""
    _activate(qtbot, widget)
    qtbot.mouseClick(_line_edit(widget), Qt.LeftButton)
    if not widget.hasFocus():
        widget.setFocus(Qt.MouseFocusReason)
    qtbot.waitUntil(widget.hasFocus, timeout=2000)


def backspace(qtbot, widget: QWidget, times: int = 1) -> None:
    """Press Backspace ``times`` times at the end of the field."""
    qtbot.keyClick(_line_edit(widget), Qt.Key_End)
    for _ in range(times):
        qtbot.keyClick(_line_edit(widget), Qt.Key_Backspace)


def click_arrow(qtbot, spin: QAbstractSpinBox, up: bool = True) -> None:
    """Click a spin box's up or down arrow button with the mouse."""
    x = spin.width() - 6
    y = spin.height() // 4 if up else spin.height() * 3 // 4
    QTest.mouseClick(spin, Qt.LeftButton, Qt.NoModifier, QPoint(x, y))


def wheel(widget: QWidget, steps: int = 1, position: QPoint | None = None) -> None:
    """Turn the mouse wheel over ``widget`` (positive: away from the person, up).

    As Qt delivers a wheel turned by a person: a widget that ignores it passes it on to its parent
    (at the same place on the screen), up to the window, until one accepts it.
    """
    position = position or widget.rect().center()
    global_position = QPointF(widget.mapToGlobal(position))
    receiver: QWidget | None = widget
    while receiver is not None:
        local = QPointF(receiver.mapFromGlobal(global_position.toPoint()))
        event = QWheelEvent(local, global_position, QPoint(0, 0), QPoint(0, 120 * steps), Qt.NoButton,
                            Qt.NoModifier, Qt.NoScrollPhase, False)
        event.ignore()
        if QApplication.sendEvent(receiver, event) and event.isAccepted() or receiver.isWindow():
            return
        receiver = receiver.parentWidget()


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Open ``combo``'s list with the keyboard, move to the item reading ``text`` and press Enter."""
    target = combo.findText(text)
    if target < 0:
        raise ValueError(f"{combo.objectName() or 'the combo box'} has no item {text!r}; it has "
                         f"{[combo.itemText(index) for index in range(combo.count())]}.")
    _activate(qtbot, combo)
    combo.setFocus(Qt.MouseFocusReason)
    qtbot.mouseClick(combo, Qt.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=2000)
    key = Qt.Key_Down if target > combo.currentIndex() else Qt.Key_Up
    for _ in range(abs(target - combo.currentIndex())):
        qtbot.keyClick(view, key)
    qtbot.keyClick(view, Qt.Key_Return)


def _activate(qtbot, widget: QWidget) -> None:
    """Make the widget's window the active one, as the person's click would, so focus moves work."""
    window = widget.window()
    if not window.isActiveWindow():
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)


def _line_edit(widget: QWidget) -> QWidget:
    """The text field inside a spin box (keys go to it, as they do for a person), else the widget."""
    if isinstance(widget, QAbstractSpinBox):
        return widget.findChild(QLineEdit) or widget
    return widget


def build_discarding_weights(qtbot, window) -> None:
    """Click Build in the Model panel and, when the window asks, choose "Discard and build"."""
    qtbot.mouseClick(window.config_panel.build_button, Qt.LeftButton)
    dialog = getattr(window, "confirm_build_dialog", None)
    if dialog is not None and dialog.isVisible():
        button = next(button for button in dialog.buttons() if button.text() == "Discard and build")
        qtbot.mouseClick(button, Qt.LeftButton)
