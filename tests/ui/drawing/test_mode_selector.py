"""Tests of the mode selector: the mode shown, chosen with keys, and modes refused."""

from __future__ import annotations

import pytest

from cnnviz.ui.drawing.mode_selector import ModeSelector
from cnnviz.ui.drawing.modes import EMPTY_MESSAGES, MODE_CLASS_NAMES, MODES
from tests.ui.drawing.helpers import SIGNAL_TIMEOUT_MS
from tests.ui.person import choose


def test_set_mode_validates_and_updates_the_combo(canvas):
    canvas.set_mode("shapes")
    assert canvas.mode_combo.currentData() == "shapes"
    canvas.set_mode("digits")
    assert canvas.class_names() == tuple(str(digit) for digit in range(10))
    with pytest.raises(ValueError, match="mode"):
        canvas.set_mode("letters")


def test_choosing_a_mode_with_keys_announces_it_and_showing_one_does_not(qtbot):
    selector = ModeSelector()
    qtbot.addWidget(selector)
    selector.show()
    qtbot.waitExposed(selector)
    assert [selector.itemData(index) for index in range(selector.count())] == list(MODES)
    with qtbot.waitSignal(selector.sig_mode_selected, timeout=SIGNAL_TIMEOUT_MS) as chosen:
        choose(qtbot, selector, "Clothing")
    assert chosen.args == ["clothing"]
    with qtbot.assertNotEmitted(selector.sig_mode_selected):
        selector.show_mode("shapes")
    assert selector.currentText() == "Shapes"


def test_the_panel_follows_the_mode_chosen_in_its_selector(qtbot, canvas):
    with qtbot.waitSignal(canvas.sig_mode_changed, timeout=SIGNAL_TIMEOUT_MS) as changed:
        choose(qtbot, canvas.mode_combo, "Clothing")
    assert changed.args == ["clothing"] and canvas.mode() == "clothing"
    assert canvas.message() == EMPTY_MESSAGES["clothing"]
    assert canvas.chart.class_names() == MODE_CLASS_NAMES["clothing"]
