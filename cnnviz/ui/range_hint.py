"""A number field says its range when a typed key is refused, instead of dropping it silently.

Qt's spin boxes refuse keys that would make a value out of range: typing "50" into a field whose
maximum is 10 leaves "5" with no word said. :func:`install_range_hint` puts an event filter on
every spin box and its text field (as Qt polishes them, :mod:`cnnviz.ui.polish_hooks`) that notices
a printable key the spin box refused and shows, beside the field, what it accepts ("from 0.00001
to 10").
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtGui import QKeyEvent, QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QDoubleSpinBox, QLineEdit, QSpinBox, QToolTip, QWidget

from cnnviz.ui.polish_hooks import add_polish_hook


def range_text(spin: QAbstractSpinBox) -> str:
    """``"from 1 to 1024"`` for a spin box's range, in the precision it shows."""
    if isinstance(spin, QDoubleSpinBox):
        low, high = spin.minimum(), spin.maximum()
        return f"from {low:g} to {high:g}"
    if isinstance(spin, QSpinBox):
        return f"from {spin.minimum()} to {spin.maximum()}"
    return ""


class RangeHint(QObject):
    """The filter on the spin boxes and their text fields; see the module docstring."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._last_hint = ""

    def last_hint(self) -> str:
        """The last hint shown (for tests)."""
        return self._last_hint

    def watch(self, widget: QWidget) -> None:
        """Filter ``widget``'s events if it is a spin box or a spin box's text field (the polish hook).

        A person's keys go to the spin box, which has the focus and hands them to its text field
        directly (no event filter of the field sees them); keys sent to the field itself are seen there.
        """
        if isinstance(widget, (QSpinBox, QDoubleSpinBox)) or (
                isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), (QSpinBox, QDoubleSpinBox))):
            widget.installEventFilter(self)    # installing it again changes nothing

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.KeyPress:
            return False
        if isinstance(watched, (QSpinBox, QDoubleSpinBox)):
            spin, field = watched, watched.lineEdit()
        elif isinstance(watched, QLineEdit) and isinstance(watched.parentWidget(), (QSpinBox, QDoubleSpinBox)):
            spin, field = watched.parentWidget(), watched
        else:
            return False
        key: QKeyEvent = event  # type: ignore[assignment]
        typed = key.text()
        if typed.isprintable() and typed.strip():
            # The text the key would make, checked the way the spin box will check it.
            text, start = field.text(), field.selectionStart()
            if start >= 0:
                candidate = text[:start] + typed + text[start + len(field.selectedText()):]
            else:
                start = field.cursorPosition()
                candidate = text[:start] + typed + text[start:]
            if spin.validate(candidate, start + len(typed))[0] == QValidator.State.Invalid:
                self._show(spin)
        return False

    def _show(self, spin: QAbstractSpinBox) -> None:
        name = spin.accessibleName() or spin.toolTip().split(".")[0] or "This field"
        self._last_hint = f"{name}: a number {range_text(spin)}."
        QToolTip.showText(spin.mapToGlobal(QPoint(0, spin.height())), self._last_hint, spin)


def install_range_hint(app: QApplication | None = None) -> RangeHint:
    """Install the hint on ``app`` (default: the running application) once; returns it."""
    app = app or QApplication.instance()
    hint = app.property("cnnviz_range_hint")
    if isinstance(hint, RangeHint):
        return hint
    hint = RangeHint(app)
    add_polish_hook(hint.watch, app)
    app.setProperty("cnnviz_range_hint", hint)
    return hint
