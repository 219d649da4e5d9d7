"""The wheel guard and the range hint filter only the widgets they look after.

Both used to be event filters on the whole application: called, in Python, for every event of every
object (each paint, timer, queued signal), several microseconds each, which added milliseconds to
every stroke. They are now installed on each value control, spin-box field and scroll area as Qt
polishes it (:mod:`cnnviz.ui.polish_hooks`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QSpinBox, QVBoxLayout, QWidget

from cnnviz.ui.polish_hooks import PolishHooks, add_polish_hook
from cnnviz.ui.range_hint import RangeHint, install_range_hint
from cnnviz.ui.wheel_guard import WheelGuard, install_wheel_guard

from .person import wheel


class Counting:
    """A filter mixed in first: notes the widgets whose (user-defined) events it is given."""

    def __init__(self):
        super().__init__()
        self.seen: list = []

    def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.User:
            self.seen.append(watched)
        return super().eventFilter(watched, event)


class CountingGuard(Counting, WheelGuard):
    """The wheel guard, counting."""


class CountingHint(Counting, RangeHint):
    """The range hint, counting."""


def _form(qtbot) -> tuple[QWidget, QLabel, QSpinBox, QScrollArea]:
    page = QWidget()
    label, spin = QLabel("A label"), QSpinBox()
    layout = QVBoxLayout(page)
    layout.addWidget(label)
    layout.addWidget(spin)
    scroll = QScrollArea()
    scroll.setWidget(page)
    qtbot.addWidget(scroll)
    scroll.show()
    qtbot.waitExposed(scroll)
    return page, label, spin, scroll


def test_the_filters_see_the_events_of_their_widgets_only(qtbot):
    # The window's own guard and hint are set up through these hooks, and only through them.
    guard, hint = install_wheel_guard(), install_range_hint()
    hooks = QApplication.instance().style()
    assert isinstance(hooks, PolishHooks) and guard.guard in hooks.hooks() and hint.watch in hooks.hooks()
    counting_guard, counting_hint = CountingGuard(), CountingHint()
    add_polish_hook(counting_guard.guard)
    add_polish_hook(counting_hint.watch)
    try:
        page, label, spin, scroll = _form(qtbot)   # made after: polished as shown
        for widget in (page, label, scroll, spin, spin.lineEdit(), scroll.viewport()):
            QApplication.sendEvent(widget, QEvent(QEvent.Type.User))
        assert counting_guard.seen == [spin, scroll.viewport()]
        assert counting_hint.seen == [spin, spin.lineEdit()]
    finally:
        hooks.remove(counting_guard.guard)
        hooks.remove(counting_hint.watch)


def test_widgets_made_before_a_hook_is_added_get_it_too(qtbot):
    page, label, spin, scroll = _form(qtbot)
    ran_on: list = []
    hooks = add_polish_hook(ran_on.append)
    try:
        assert hooks is QApplication.instance().style()
        assert {page, label, spin, scroll} <= set(ran_on)
        later = QSpinBox()
        qtbot.addWidget(later)
        later.show()
        assert later in ran_on
    finally:
        hooks.remove(ran_on.append)


def test_a_wheel_over_an_unfocused_field_still_scrolls_the_panel(qtbot):
    install_wheel_guard()
    page, _, spin, scroll = _form(qtbot)
    page.setMinimumHeight(2000)
    scroll.resize(200, 150)
    before = spin.value()
    wheel(spin, -1)
    assert scroll.verticalScrollBar().value() > 0 and spin.value() == before
