"""Fixtures of the Evaluation tab's tests: an evaluation, and the panel showing it."""

import pytest

from cnnviz.ui.evaluation.panel import EvaluationPanel
from tests.ui.evaluation.helpers import make_evaluation


@pytest.fixture
def evaluation():
    return make_evaluation()


@pytest.fixture
def panel(qtbot, evaluation):
    widget = EvaluationPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 650)
    widget.show()
    widget.show_evaluation(evaluation)
    return widget
