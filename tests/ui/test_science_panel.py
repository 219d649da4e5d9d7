"""The Science panel, fed with real inspections and real analysis results of the reference model."""

import csv
import io
import re

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from cnnviz.core import config as cfg
from cnnviz.core.backprop import compare_flip
from cnnviz.core.resources import resource_path
from cnnviz.core.summary import summarize
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.engines.registry import load_engine
from cnnviz.service import science
from cnnviz.service.inspection import run_inspection
from cnnviz.service.payloads import ModelInfo, ScienceResult
from cnnviz.ui.science.common import BROKEN_COLOUR, SYMMETRY_COLOUR
from cnnviz.ui.science_panel import DEAD_FILTERS, FLIP, SYMMETRY, SciencePanel


@pytest.fixture(scope="module")
def engine():
    return load_engine(resource_path("reference_model.npz"))


@pytest.fixture(scope="module")
def split(engine):
    return science.load_test_split(engine)


@pytest.fixture(scope="module")
def inspection(engine, split):
    """The reference model's inspection of test digit 3 (a 4)."""
    return run_inspection(engine, split.images[3:4])


def model_info(engine, version=1):
    return ModelInfo(engine.name, tuple(engine.layer_names()), engine.config, summarize(engine.config), "test",
                     version)


@pytest.fixture
def panel(qtbot, engine, inspection):
    widget = SciencePanel()
    qtbot.addWidget(widget)
    widget.set_model(model_info(engine))
    widget.show_inspection(inspection)
    widget.resize(1000, 700)
    return widget


@pytest.fixture
def requests(panel):
    """Every (kind, params) the panel asks for."""
    recorded = []
    panel.sig_science_requested.connect(lambda kind, params: recorded.append((kind, params)))
    return recorded


def answer(panel, engine, kind, params):
    """Run the request as the service would and hand the answer to the panel."""
    value = science.run(kind, engine, **params)
    panel.show_science(ScienceResult(1, kind, dict(params), value))
    return value


def number_after(text, label):
    return float(re.search(re.escape(label) + r"\s*([-+0-9.e]+)", text).group(1))


# -- backprop = flipped convolution ----------------------------------------------------------------

def test_flip_tab_equals_compare_flip_and_says_so(qtbot, panel, inspection):
    panel.tabs.setCurrentIndex(FLIP)
    panel.show()
    tab = panel.flip_tab
    qtbot.waitUntil(lambda: tab.engine_plot.image() is not None, timeout=5000)
    expected = compare_flip(inspection.gradients.input, inspection.gradients.layers["conv2d"],
                            inspection.feature_maps["conv2d"], "relu", inspection.kernels["conv2d"], (28, 28))
    comparison = tab.comparison()
    np.testing.assert_array_equal(comparison.computed_gradient, expected.computed_gradient)
    np.testing.assert_array_equal(comparison.flipped_kernel, expected.flipped_kernel)
    np.testing.assert_allclose(tab.engine_plot.image(), expected.engine_gradient[0, :, :, 0])
    np.testing.assert_allclose(tab.computed_plot.image(), expected.computed_gradient[0, :, :, 0], rtol=1e-6)
    np.testing.assert_allclose(tab.difference_plot.image(),
                               expected.computed_gradient[0, :, :, 0] - expected.engine_gradient[0, :, :, 0],
                               atol=1e-12)
    np.testing.assert_array_equal(tab.kernels_grid.images(),
                                  np.moveaxis(expected.flipped_kernel[:, :, 0, :], -1, 0))
    text = tab.result_label.text()
    assert number_after(text, "max |difference| =") < 1e-4
    assert number_after(text, "max |difference| =") == pytest.approx(expected.max_abs_difference, rel=0.05)
    assert "equal to float precision" in text


def test_flip_tab_dilates_for_strides_and_needs_a_configuration(qtbot):
    config = cfg.ModelConfig(input_shape=(28, 28, 1), layers=(
        cfg.Conv2D(filters=4, kernel_size=(3, 3), padding="same", activation="relu"),
        cfg.Conv2D(filters=6, kernel_size=(5, 3), strides=(2, 2), padding="same", activation="tanh"),
        cfg.Flatten(), cfg.Dense(units=10, activation="softmax")))
    engine = NumpyEngine(config, seed=1)
    image = np.random.default_rng(0).random((1, 28, 28, 1)).astype(np.float32)
    result = run_inspection(engine, image)
    panel = SciencePanel()
    qtbot.addWidget(panel)
    panel.set_model(model_info(engine))
    panel.show_inspection(result)
    tab = panel.flip_tab
    tab.set_current_layer("conv2d_1")
    tab.channel_spin.setValue(2)
    panel.tabs.setCurrentIndex(FLIP)
    panel.show()
    qtbot.waitUntil(lambda: tab.output_grid.images() is not None, timeout=5000)
    comparison = tab.comparison()
    assert comparison.max_abs_difference < 1e-4
    assert comparison.dilated_gradient.shape == (1, 27, 27, 6)  # 14 x 14 outputs, one zero between
    np.testing.assert_allclose(tab.output_grid.images(), np.moveaxis(comparison.dilated_gradient[0], -1, 0), rtol=1e-6)
    assert "Dilated" in tab.output_grid.title()
    np.testing.assert_allclose(tab.engine_plot.image(), result.gradients.layers["conv2d"][0, :, :, 2])

    panel.set_model(ModelInfo("keras", tuple(engine.layer_names()), None, None, "elsewhere.keras", 2))
    panel.show_inspection(result)
    assert tab.comparison() is None and "needs a model made by cnnviz" in tab.problem()


# -- spectra comparison ----------------------------------------------------------------------------

def test_compare_asks_for_both_images(qtbot, panel, inspection, split):
    tab = panel.spectra_tab
    assert tab.layer_combo.currentData() == "conv2d" and tab.filter_spin.maximum() == 27
    tab.set_input_b(7, 1)
    tab.filter_spin.setValue(3)
    with qtbot.waitSignal(panel.sig_science_requested, timeout=2000) as blocker:
        tab.compare_button.click()
    kind, params = blocker.args
    assert kind == "compare_pair"
    assert params["layer"] == "conv2d" and params["filter_index"] == 3 and params["exclude_dc"] is False
    np.testing.assert_array_equal(params["image_a"], inspection.image)
    second_seven = int(np.flatnonzero(split.labels == 7)[1])
    np.testing.assert_array_equal(params["image_b"], split.images[second_seven:second_seven + 1])
    assert f"#{second_seven}" in tab.b_label.text()


def test_pinned_input_becomes_b(panel, requests, inspection):
    tab = panel.spectra_tab
    tab.pin_button.click()
    assert "pinned" in tab.b_label.text()
    tab.compare_button.click()
    np.testing.assert_array_equal(requests[-1][1]["image_b"], inspection.image)
    tab.sample_spin.setValue(2)  # choosing a test image again unpins
    assert "pinned" not in tab.b_label.text()


def test_a_pair_result_fills_the_similarity_maps_and_profiles(panel, requests, engine):
    tab = panel.spectra_tab
    tab.set_input_b(7, 0)
    tab.compare_button.click()
    value = answer(panel, engine, *requests[-1])
    assert f"{value.similarity:.3f}" in tab.similarity_label.text()
    for curve, profile in zip(tab.profile_curves, (value.profile_a, value.profile_b)):
        x, y = curve.getData()
        np.testing.assert_allclose(x, value.frequencies)
        np.testing.assert_allclose(y, profile)
    assert tab._legend.getLabel(tab.profile_curves[0]).text == "A"
    fractions = tab.low_frequency_label.text()
    assert f"A (current, predicted 4): {100 * value.low_frequency_a:.3g}% below 0.25" in fractions
    assert f"{100 * value.low_frequency_b:.3g}% below 0.25" in fractions.split("B (")[1]
    np.testing.assert_array_equal(tab.maps[0].image(), value.map_a)
    np.testing.assert_array_equal(tab.spectra[1].image(), value.spectrum_b)
    assert tab.pair() is value
    tab.log_check.setChecked(True)
    np.testing.assert_allclose(tab.profile_curves[0].yData, np.where(value.profile_a > 0, value.profile_a,
                                                                            np.nan))


def test_the_matrix_is_shown_and_exported(panel, requests, engine, tmp_path):
    tab = panel.spectra_tab
    with pytest.raises(ValueError, match="no similarity matrix"):
        panel.export_matrix_csv(tmp_path / "none.csv")
    assert not tab.matrix_view.export_csv_button.isEnabled()
    tab.matrix_view.samples_spin.setValue(4)
    tab.matrix_view.matrix_button.click()
    kind, params = requests[-1]
    assert kind == "similarity_matrix" and params["samples_per_class"] == 4 and params["layer"] == "conv2d"
    value = answer(panel, engine, kind, params)
    shown = tab.matrix_view.heatmap.image_item().image
    np.testing.assert_allclose(shown, value.matrix, rtol=1e-6)
    assert tab.matrix_view.heatmap.class_names() == tuple("0123456789")
    assert tab.matrix_view.heatmap.cell_texts()[:2] == [f"{value.matrix[0, 0]:.2f}", f"{value.matrix[0, 1]:.2f}"]
    assert f"{value.matrix[4, 7]:.4f}" in tab.matrix_view.heatmap.describe_cell(4, 7)
    assert "Same class (diagonal) mean" in tab.matrix_view.summary_label.text()
    assert tab.matrix_view.export_csv_button.isEnabled()
    written = panel.export_matrix_csv(tmp_path / "matrix.csv")
    table = list(csv.reader(io.StringIO(written.read_text(encoding="utf-8"))))
    np.testing.assert_allclose(np.array([row[1:] for row in table[1:]], dtype=float), value.matrix, atol=1e-6)
    figure = panel.export_matrix_figure(tmp_path / "matrix.png")
    picture = QImage(str(figure))
    assert not picture.isNull() and picture.width() > 100


# -- weight-space symmetries -----------------------------------------------------------------------

def test_symmetry_buttons_ask_for_each_transform_and_the_table_gives_verdicts(panel, requests, engine):
    panel.tabs.setCurrentIndex(SYMMETRY)
    tab = panel.symmetry_tab
    assert tab.layer_combo.currentData() == "dense"
    assert "128!·2<sup>128</sup>" in tab.count_label.text()
    assert "are not a symmetry for relu" in tab.sign_flip_label.text()
    tab.samples_spin.setValue(100)
    for button in (tab.permute_button, tab.flip_button, tab.rescale_button):
        button.click()
    assert [params["transform"] for _, params in requests] == ["permutation", "sign_flip", "rescale"]
    assert {kind for kind, _ in requests} == {"symmetry"}
    assert all(params["layer"] == "dense" and params["samples"] == 100 for _, params in requests)
    values = [answer(panel, engine, kind, params) for kind, params in requests]
    assert tab.table.rowCount() == 3
    verdicts = [tab.row_texts(row)[-1] for row in range(3)]
    assert verdicts == ["unchanged — a symmetry", "changed — not a symmetry", "unchanged — a symmetry"]
    colours = [tab.table.item(row, 5).foreground().color() for row in range(3)]
    assert colours == [QColor(SYMMETRY_COLOUR), QColor(BROKEN_COLOUR), QColor(SYMMETRY_COLOUR)]
    assert float(tab.row_texts(1)[3]) == pytest.approx(values[1].max_abs_difference, rel=1e-2)
    assert "relu(-a)" in tab.table.item(1, 0).toolTip()
    tab.clear_button.click()
    assert tab.table.rowCount() == 0


# -- dead filters ----------------------------------------------------------------------------------

def test_dead_filters_are_found_marked_and_pruned(qtbot, panel, requests):
    panel.tabs.setCurrentIndex(DEAD_FILTERS)
    tab = panel.dead_filters_tab
    marks = []
    panel.sig_filters_marked.connect(lambda layer, indices: marks.append((layer, indices)))
    assert tab.layer_combo.currentData() is None  # every convolution layer
    assert not tab.prune_button.isEnabled()
    tab.layer_combo.setCurrentIndex(tab.layer_combo.findData("dense"))
    tab.samples_spin.setValue(2000)
    tab.find_button.click()
    assert requests[-1] == ("dead_filters", {"layer": "dense", "samples": 2000})
    engine = load_engine(resource_path("reference_model.npz"))  # pruning below changes it
    found = answer(panel, engine, *requests[-1])
    dead = found.report("dense").dead
    assert marks == [("dense", dead)] and len(dead) >= 5
    assert tab.table.rowCount() == 1 and tab.table.item(0, 3).text().startswith(f"{len(dead)}: ")
    assert tab.prune_button.isEnabled() and "changes the model" in tab.prune_button.toolTip()
    tab.prune_button.click()
    kind, params = requests[-1]
    assert kind == "prune" and params == {"filters": {"dense": list(dead)}, "keep": True}
    answer(panel, engine, kind, params)
    assert tab.accuracy_label.text().startswith("Test accuracy 0.9680 → 0.9680")
    assert not engine.get_weights()["dense"]["kernel"][:, list(dead)].any()
    panel.set_model(model_info(engine, version=2))  # another model: the marks are withdrawn
    assert marks[-1] == ("dense", ())


def test_all_convolution_layers_by_default(panel, requests, engine):
    panel.dead_filters_tab.find_button.click()
    assert requests[-1] == ("dead_filters", {"layer": None, "samples": 1000})
    answer(panel, engine, "dead_filters", {"layer": None, "samples": 200})
    assert "No dead filters in conv2d" in panel.dead_filters_tab.summary_label.text()
    assert not panel.dead_filters_tab.prune_button.isEnabled()


# -- busy and idle ---------------------------------------------------------------------------------

def test_busy_disables_every_request_button(qtbot, engine):
    panel = SciencePanel()
    qtbot.addWidget(panel)
    panel.set_model(model_info(engine))
    buttons = (panel.spectra_tab.compare_button, panel.spectra_tab.matrix_view.matrix_button,
               panel.symmetry_tab.permute_button, panel.symmetry_tab.flip_button, panel.symmetry_tab.rescale_button,
               panel.dead_filters_tab.find_button)
    assert not panel.spectra_tab.compare_button.isEnabled()  # no input A yet
    panel.show_inspection(run_inspection(engine, science.load_test_split(engine, 1).images))
    assert all(button.isEnabled() for button in buttons)
    panel.set_busy(True)
    assert not any(button.isEnabled() for button in buttons)
    panel.set_busy(False)
    assert all(button.isEnabled() for button in buttons)


def test_the_matrix_scale_and_the_verdict_on_the_report_claims(panel, requests, engine):
    view = panel.spectra_tab.matrix_view
    view.samples_spin.setValue(4)
    view.matrix_button.click()
    value = answer(panel, engine, *requests[-1])
    assert panel.spectra_tab.section_tabs.currentWidget() is view
    heatmap = view.heatmap
    assert view.scale_combo.currentText() == "fixed 0–1" and not heatmap.is_stretched()
    assert tuple(heatmap.levels()) == pytest.approx((0.0, 1.0))
    view.scale_combo.setCurrentText("stretch to the data")
    assert heatmap.is_stretched()
    assert tuple(heatmap.levels()) == pytest.approx((np.nanmin(value.matrix), np.nanmax(value.matrix)))
    view.scale_combo.setCurrentText("fixed 0–1")
    assert tuple(heatmap.levels()) == pytest.approx((0.0, 1.0))
    verdict = view.verdict_label.text()
    average = value.different_class_mean
    four_seven, eight_one = value.matrix[4, 7], value.matrix[8, 1]
    assert f"4 vs 7: {four_seven:.3f} — {'above' if four_seven > average else 'below'} the average" in verdict
    assert f"8 vs 1: {eight_one:.3f}" in verdict and f"({average:.3f})" in verdict
    look_alike = verdict.split("8 vs 1")[0]
    assert ("is supported" in look_alike) == (four_seven > average)
