"""Weight-space symmetries (report §1.1): the count for the activation, and each transform checked."""

import pytest
from PySide6.QtGui import QColor

from cnnviz.core import config as cfg
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.ui.science.common import BROKEN_COLOUR, SYMMETRY_COLOUR
from cnnviz.ui.science.panel import SciencePanel
from tests.ui.person import type_value
from tests.ui.science.helpers import click, click_tab, model_info, run_by_click


def test_symmetry_checks_give_verdicts_with_their_tolerance_and_the_header_follows_relu(qtbot, panel, service):
    click_tab(qtbot, panel.tabs, "Weight-space symmetries")
    tab = panel.symmetry_tab
    assert tab.layer_combo.currentData() == "dense"
    header = tab.count_label.text()
    # relu: M! orderings and a continuous family of rescalings, never the 2^M sign patterns of tanh.
    assert "128! = 3.86×10<sup>215</sup> orderings" in header and "128-dimensional family" in header
    assert "No 2<sup>128</sup> sign patterns: relu is not odd" in header
    assert "128!·2<sup>128</sup>" not in header
    assert "are not a symmetry for relu" in tab.sign_flip_label.text()
    type_value(qtbot, tab.samples_spin, "100")
    values = [run_by_click(qtbot, service, button)
              for button in (tab.permute_button, tab.flip_button, tab.rescale_button)]
    assert [value.transform for value in values] == ["permutation", "sign_flip", "rescale"]
    assert all(value.num_images == 100 and value.layer == "dense" for value in values)
    assert tab.table.rowCount() == 3
    verdicts = [tab.row_texts(row)[-1] for row in range(3)]
    assert verdicts == ["unchanged: a symmetry (≤ 1e-04)", "changed: not a symmetry (> 1e-04)",
                        "unchanged: a symmetry (≤ 1e-04)"]
    colours = [tab.table.item(row, 5).foreground().color() for row in range(3)]
    assert colours == [QColor(SYMMETRY_COLOUR), QColor(BROKEN_COLOUR), QColor(SYMMETRY_COLOUR)]
    assert float(tab.row_texts(1)[3]) == pytest.approx(values[1].max_abs_difference, rel=1e-2)
    assert "relu(-a)" in tab.table.item(1, 0).toolTip()
    assert f"max |Δp| {values[2].max_abs_difference:.2g} ≤ 1e-04" in tab.explanation_label.text()
    click(qtbot, tab.clear_button)
    assert tab.table.rowCount() == 0


@pytest.mark.parametrize("activation, expected, absent", [
    ("tanh", "32!·2<sup>32</sup> = 1.13×10<sup>45</sup> equivalent weight vectors", "Infinitely many"),
    ("sigmoid", "32!·2<sup>32</sup> = 1.13×10<sup>45</sup> equivalent weight vectors", "Infinitely many"),
    ("linear", "dimension 32<sup>2</sup> = 1,024", "No 2<sup>32</sup>"),
])
def test_the_symmetry_header_follows_the_activation(qtbot, activation, expected, absent):
    config = cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
        cfg.Flatten(), cfg.Dense(units=32, activation=activation), cfg.Dense(units=10, activation="softmax")))
    panel = SciencePanel()
    qtbot.addWidget(panel)
    panel.set_model(model_info(NumpyEngine(config, seed=0)))
    panel.show()
    qtbot.waitExposed(panel)
    click_tab(qtbot, panel.tabs, "Weight-space symmetries")
    header = panel.symmetry_tab.count_label.text()
    assert expected in header and absent not in header


def test_asking_for_more_test_images_than_the_split_holds_says_how_many_were_used(qtbot, panel, service):
    click_tab(qtbot, panel.tabs, "Weight-space symmetries")
    tab = panel.symmetry_tab
    type_value(qtbot, tab.samples_spin, "5000")
    value = run_by_click(qtbot, service, tab.permute_button)
    assert value.num_images == 2000 and value.images_requested == 5000   # mnist-sample's test split
    assert tab.row_texts(0)[2] == "2,000 of 5,000"
    assert "Using the first 2,000 of 5,000 test images asked for: mnist-sample has 2,000" in \
        tab.explanation_label.text()
    assert "using the first 2,000 of 5,000" in tab.table.item(0, 2).toolTip()
    type_value(qtbot, tab.samples_spin, "100")
    run_by_click(qtbot, service, tab.permute_button)
    assert tab.row_texts(1)[2] == "100" and "Using the first" not in tab.explanation_label.text()
