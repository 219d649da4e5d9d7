"""A viewer's pages stay shown, the current one on top: turning from the hint back to the figure lays
nothing out anew, and what lies beneath is neither painted through nor reachable by the keyboard."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from cnnviz.core.config import reference_config
from cnnviz.ui.layout import hint_label
from cnnviz.ui.overview.view import OverviewView
from cnnviz.ui.viewers.feature_maps import FeatureMapsView
from cnnviz.ui.viewers.gradients import GradientsView
from cnnviz.ui.viewers.kernels import KernelsView
from cnnviz.ui.viewers.page_stack import PageStack
from cnnviz.ui.viewers.spectra import SpectraView
from tests.ui.viewers.helpers import make_result, shown


class ShowCounter(QObject):
    def __init__(self, watched: QWidget):
        super().__init__()
        self.shows = 0
        watched.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Show:
            self.shows += 1
        return False


def _stack(qtbot) -> tuple[PageStack, QLabel, QWidget, QPushButton]:
    stack = PageStack()
    hint = hint_label("Draw a digit")
    figure = QWidget()
    figure.setStyleSheet("background: rgb(255, 0, 0);")
    button = QPushButton("Zoom", figure)
    QVBoxLayout(figure).addWidget(button)
    stack.addWidget(hint)
    stack.addWidget(figure)
    shown(qtbot, stack, 300, 200)
    return stack, hint, figure, button


def test_the_page_beneath_is_covered_and_out_of_the_keyboards_reach(qtbot):
    stack, hint, figure, button = _stack(qtbot)
    assert stack.currentWidget() is hint
    assert not figure.isEnabled() and not button.isEnabled()   # Tab cannot reach it
    image = stack.grab().toImage()
    red = QColor(255, 0, 0).rgb()
    assert not any(image.pixel(x, y) == red for x in range(0, image.width(), 7) for y in range(0, image.height(), 7))
    stack.setCurrentWidget(figure)
    assert figure.isEnabled() and button.isEnabled() and not hint.isEnabled()
    image = stack.grab().toImage()
    assert image.pixel(2, 2) == red


def test_turning_to_a_page_shows_nothing_anew(qtbot):
    stack, hint, figure, _ = _stack(qtbot)
    counter = ShowCounter(figure)
    for _ in range(3):
        stack.setCurrentWidget(figure)
        stack.setCurrentWidget(hint)
    assert counter.shows == 0 and figure.isVisible()


def test_each_viewer_turns_from_its_hint_to_its_figure_without_showing_it_anew(qtbot):
    result = make_result(reference_config())
    for view in (FeatureMapsView(), KernelsView(), SpectraView(), GradientsView(), OverviewView()):
        shown(qtbot, view)
        view.show_inspection(result)
        figure = view._stack.currentWidget()
        assert isinstance(view._stack, PageStack) and not view.is_showing_hint()
        counter = ShowCounter(figure)
        view.show_inspection(None)
        assert view.is_showing_hint() and not figure.isEnabled()
        view.show_inspection(make_result(reference_config(), seed=1))
        assert view._stack.currentWidget() is figure and figure.isEnabled()
        assert counter.shows == 0, type(view).__name__
