"""The Science panel driven as a person drives it, against a real model service.

Sub-tabs are clicked on their tab bars, numbers are typed into the spin boxes key by key, buttons
are clicked with the mouse, and each analysis runs on the model service's worker; the tests wait
for its answer (``sig_science_finished``) and read what the panel then shows.
"""

import csv
import dataclasses
import io
import re

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QScrollArea

from cnnviz import science
from cnnviz.core import config as cfg
from cnnviz.core.backprop import compare_flip
from cnnviz.core.resources import resource_path
from cnnviz.core.summary import summarize
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.engines.registry import load_engine
from cnnviz.service import payloads as p
from cnnviz.service.inspection import run_inspection
from cnnviz.service.model_service import ModelService
from cnnviz.service.payloads import ModelInfo
from cnnviz.ui.science.common import BROKEN_COLOUR, SYMMETRY_COLOUR
from cnnviz.ui.science.panel import SciencePanel
from tests.ui.person import choose, type_value

REFERENCE = resource_path("reference_model.npz")
TIMEOUT = 60_000
INTERVAL = r"\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]"
"""An estimate with its interval, as the verdicts write it: ``0.895 [0.887, 0.902]``."""


@pytest.fixture(scope="module")
def engine():
    return load_engine(REFERENCE)


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


class Wiring(QObject):
    """The panel and the service connected as the main window connects them."""

    def __init__(self, panel: SciencePanel, service: ModelService):
        super().__init__(panel)
        self.panel, self.service = panel, service
        service.sig_model_changed.connect(panel.set_model)
        service.sig_inspection_finished.connect(panel.show_inspection)
        service.sig_science_finished.connect(panel.show_science)
        service.sig_state_changed.connect(self._on_state_changed)
        panel.sig_science_requested.connect(self._on_science_requested)

    def _on_science_requested(self, kind: str, params) -> None:
        self.service.run_science(kind, **params)

    def _on_state_changed(self, state: str) -> None:
        self.panel.set_busy(state != p.IDLE)


@pytest.fixture
def service(qtbot):
    service = ModelService(run_root=False)
    yield service
    assert service.shutdown(timeout=10)


@pytest.fixture
def panel(qtbot, service, split):
    """The panel on screen, following the service's reference model and test digit 3 (a 4)."""
    widget = SciencePanel()
    qtbot.addWidget(widget)
    Wiring(widget, service)
    with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
        service.load(REFERENCE)
    with qtbot.waitSignal(service.sig_inspection_finished, timeout=TIMEOUT):
        service.inspect(split.images[3:4])
    widget.resize(1000, 720)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def requests(panel):
    """Every (kind, params) the panel asks for."""
    recorded = []
    panel.sig_science_requested.connect(lambda kind, params: recorded.append((kind, params)))
    return recorded


def click_tab(qtbot, tabs, title: str) -> None:
    """Click the tab reading ``title`` on a tab widget's bar."""
    titles = [tabs.tabText(index) for index in range(tabs.count())]
    index = titles.index(title)
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def click(qtbot, button) -> None:
    """Click ``button`` once it is enabled (as a person waits for the service to finish the last job)."""
    qtbot.waitUntil(button.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(button, Qt.LeftButton)


def run_by_click(qtbot, service, button):
    """Click ``button`` and wait for the service's answer; returns the analysis result."""
    with qtbot.waitSignal(service.sig_science_finished, timeout=TIMEOUT) as finished:
        click(qtbot, button)
    return finished.args[0].value


def number_after(text, label):
    return float(re.search(re.escape(label) + r"\s*([-+0-9.e]+)", text).group(1))


# -- the class similarity matrix: verdicts with their uncertainty ----------------------------------

def open_matrix_page(qtbot, panel):
    click_tab(qtbot, panel.tabs, "Spectra comparison")
    tab = panel.spectra_tab
    click_tab(qtbot, tab.section_tabs, "Every pair of classes")
    return tab, tab.matrix_view


def test_few_images_per_class_are_not_distinguishable_whatever_the_means(qtbot, panel, service):
    tab, view = open_matrix_page(qtbot, panel)
    type_value(qtbot, view.samples_spin, "2")
    result = run_by_click(qtbot, service, view.matrix_button)
    assert result.samples_per_class == 2 and result.filter_index == 0
    verdict = view.verdict_label.text()
    # Both claims, each with its estimate, the comparison value and the difference, all with intervals.
    assert len(re.findall(r"4 vs 7: " + INTERVAL + r" against the mean between different classes, " + INTERVAL,
                          verdict)) == 1
    assert re.search(r"difference [-+]\d\.\d{3} \[[-+]\d\.\d{3}, [-+]\d\.\d{3}\]", verdict)
    assert verdict.count("not distinguishable with 2 samples per class — use more samples") == 2
    assert "supported" not in verdict and "contradicted" not in verdict


def test_the_issues_example_is_not_distinguishable_and_a_clear_difference_is_supported(qtbot, panel, service):
    """Filter 0, 20 images per class: 4 vs 7 is 0.895 against a mean of 0.890 (the old window called
    that "supported"); 8 vs 1 lies clearly below the mean."""
    tab, view = open_matrix_page(qtbot, panel)
    type_value(qtbot, tab.filter_spin, "0")
    type_value(qtbot, view.samples_spin, "20")
    result = run_by_click(qtbot, service, view.matrix_button)
    four_seven, eight_one = result.claim_verdicts()
    verdict = view.verdict_label.text()
    first, second = verdict.split("\n")
    assert first.startswith(f"4 vs 7: {result.matrix[4, 7]:.3f} [{four_seven.pair.low:.3f}, "
                            f"{four_seven.pair.high:.3f}] against the mean between different classes, "
                            f"{result.different_class_mean:.3f} [")
    assert first.endswith("not distinguishable with 20 samples per class — use more samples.")
    assert four_seven.difference.low < 0 < four_seven.difference.high
    assert second.startswith("8 vs 1: ") and re.search(INTERVAL, second)
    assert second.endswith("wholly below 0: the report's claim that 8 and 1 do not look alike is supported for "
                           "this filter.")
    summary = view.summary_label.text()
    assert re.search(r"different classes mean " + INTERVAL, summary)
    assert "95% bootstrap percentile intervals, 1,000 resamples" in summary
    # Hovering a cell reads its interval and the spread of its single image pairs.
    low, high = result.statistics.low[4, 7], result.statistics.high[4, 7]
    assert f"95% interval {low:.4f}–{high:.4f}" in view.heatmap.describe_cell(4, 7)


def test_a_filter_typed_in_gives_a_contradicted_claim(qtbot, panel, service):
    tab, view = open_matrix_page(qtbot, panel)
    type_value(qtbot, tab.filter_spin, "5")
    result = run_by_click(qtbot, service, view.matrix_button)
    assert result.filter_index == 5 and result.samples_per_class == 20
    assert result.claim_verdicts()[0].difference.high < 0
    assert "the report's claim that 4 and 7 look alike is contradicted for this filter" in view.verdict_label.text()


def test_the_matrix_is_shown_scaled_and_exported(qtbot, panel, service, tmp_path):
    tab, view = open_matrix_page(qtbot, panel)
    with pytest.raises(ValueError, match="no similarity matrix"):
        panel.export_matrix_csv(tmp_path / "none.csv")
    assert not view.export_csv_button.isEnabled()
    type_value(qtbot, view.samples_spin, "4")
    value = run_by_click(qtbot, service, view.matrix_button)
    assert value.samples_per_class == 4 and value.layer == "conv2d"
    heatmap = view.heatmap
    np.testing.assert_allclose(heatmap.image_item().image, value.matrix, rtol=1e-6)
    assert heatmap.class_names() == tuple("0123456789")
    assert heatmap.cell_texts()[:2] == [f"{value.matrix[0, 0]:.2f}", f"{value.matrix[0, 1]:.2f}"]
    assert f"{value.matrix[4, 7]:.4f}" in heatmap.describe_cell(4, 7)
    assert tuple(heatmap.levels()) == pytest.approx((0.0, 1.0))
    choose(qtbot, view.scale_combo, "stretch to the data")
    assert heatmap.is_stretched()
    assert tuple(heatmap.levels()) == pytest.approx((np.nanmin(value.matrix), np.nanmax(value.matrix)))
    choose(qtbot, view.scale_combo, "fixed 0–1")
    assert tuple(heatmap.levels()) == pytest.approx((0.0, 1.0))
    assert view.export_csv_button.isEnabled()
    written = panel.export_matrix_csv(tmp_path / "matrix.csv")
    table = list(csv.reader(io.StringIO(written.read_text(encoding="utf-8"))))
    np.testing.assert_allclose(np.array([row[1:] for row in table[1:]], dtype=float), value.matrix, atol=1e-6)
    picture = QImage(str(panel.export_matrix_figure(tmp_path / "matrix.png")))
    assert not picture.isNull() and picture.width() > 100


# -- two inputs ------------------------------------------------------------------------------------

def test_compare_sends_both_images_and_shows_the_pair_judged_against_test_pairs(qtbot, panel, service, requests,
                                                                               inspection, split):
    click_tab(qtbot, panel.tabs, "Spectra comparison")
    tab = panel.spectra_tab
    assert tab.layer_combo.currentData() == "conv2d" and tab.filter_spin.maximum() == 27
    choose(qtbot, tab.class_combo, "7")
    type_value(qtbot, tab.sample_spin, "1")
    type_value(qtbot, tab.filter_spin, "3")
    second_seven = int(np.flatnonzero(split.labels == 7)[1])
    assert f"#{second_seven}" in tab.b_label.text()
    value = run_by_click(qtbot, service, tab.compare_button)
    kind, params = requests[-1]
    assert kind == "compare_pair" and params["filter_index"] == 3 and params["exclude_dc"] is False
    np.testing.assert_array_equal(params["image_a"], inspection.image)
    np.testing.assert_array_equal(params["image_b"], split.images[second_seven:second_seven + 1])
    assert tab.section_tabs.currentWidget() is not tab.matrix_view
    text = tab.similarity_label.text()
    rank = value.rank
    assert f"Similarity of the spectra: {value.similarity:.3f}" in text
    assert f"the middle 95% of 4,950 pairs of the first 100 mnist-sample test images ({rank.low:.3f}–" in text
    assert ("not distinguishable from a pair of random test images" in text) == (rank.outcome == "typical")
    for curve, profile in zip(tab.profile_curves, (value.profile_a, value.profile_b)):
        np.testing.assert_allclose(curve.getData()[1], profile)
    np.testing.assert_array_equal(tab.maps[0].image(), value.map_a)
    np.testing.assert_array_equal(tab.spectra[1].image(), value.spectrum_b)
    fractions = tab.low_frequency_label.text()
    assert f"A (current, predicted 4): {100 * value.low_frequency_a:.3g}% below 0.25" in fractions
    qtbot.mouseClick(tab.log_check, Qt.LeftButton)
    assert tab.log_check.isChecked()
    np.testing.assert_allclose(tab.profile_curves[0].yData, np.where(value.profile_a > 0, value.profile_a, np.nan))


def test_the_current_input_compared_with_itself_is_more_alike_than_usual(qtbot, panel, service, requests,
                                                                          inspection):
    click_tab(qtbot, panel.tabs, "Spectra comparison")
    tab = panel.spectra_tab
    click(qtbot, tab.pin_button)
    assert "pinned" in tab.b_label.text()
    value = run_by_click(qtbot, service, tab.compare_button)
    np.testing.assert_array_equal(requests[-1][1]["image_b"], inspection.image)
    assert value.similarity == pytest.approx(1.0) and value.rank.outcome == "more alike"
    assert "more alike than usual: above the middle 95%" in tab.similarity_label.text()
    type_value(qtbot, tab.sample_spin, "2")  # choosing a test image again unpins
    assert "pinned" not in tab.b_label.text()


# -- backprop = flipped convolution ----------------------------------------------------------------

def test_flip_tab_shows_three_equal_images_on_one_shared_scale(qtbot, panel, inspection):
    click_tab(qtbot, panel.tabs, "Backprop = flipped convolution")
    tab = panel.flip_tab
    qtbot.waitUntil(lambda: tab.engine_plot.image() is not None, timeout=5000)
    expected = compare_flip(inspection.gradients.input, inspection.gradients.layers["conv2d"],
                            inspection.feature_maps["conv2d"], "relu", inspection.kernels["conv2d"], (28, 28))
    np.testing.assert_allclose(tab.engine_plot.image(), expected.engine_gradient[0, :, :, 0])
    np.testing.assert_allclose(tab.computed_plot.image(), expected.computed_gradient[0, :, :, 0], rtol=1e-6)
    np.testing.assert_allclose(tab.difference_plot.image(),
                               expected.computed_gradient[0, :, :, 0] - expected.engine_gradient[0, :, :, 0],
                               atol=1e-12)
    np.testing.assert_array_equal(tab.kernels_grid.images(), np.moveaxis(expected.flipped_kernel[:, :, 0, :], -1, 0))
    # The verdict names the observed values and the tolerance.
    text = tab.result_label.text()
    assert number_after(text, "max |difference| =") == pytest.approx(expected.max_abs_difference, rel=0.05)
    assert "≤ 1e-04 (float rounding): equal to float precision" in text
    # The engine's and the recomputed gradient share one symmetric colour range; the difference has its own.
    engine_levels = tuple(tab.engine_plot.item.levels)
    assert engine_levels == tuple(tab.computed_plot.item.levels)
    assert engine_levels[0] == -engine_levels[1] > -np.inf
    difference_levels = tuple(tab.difference_plot.item.levels)
    assert difference_levels[0] == -difference_levels[1] and difference_levels[1] < engine_levels[1]
    assert "share one symmetric scale" in tab.scale_caption.text()
    assert "own symmetric scale" in tab.scale_caption.text()

    def sizes():
        return [(round(plot.plot.getViewBox().width()), round(plot.plot.getViewBox().height()))
                for plot in (tab.engine_plot, tab.computed_plot, tab.difference_plot)]

    for width in (1000, 640):
        panel.resize(width, 720)
        qtbot.waitUntil(lambda: len(set(sizes())) == 1, timeout=5000)
        assert sizes()[0][0] > 100


def test_flip_tab_dilates_for_strides_and_follows_the_chosen_layer_and_channel(qtbot):
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
    panel.show()
    qtbot.waitExposed(panel)
    click_tab(qtbot, panel.tabs, "Backprop = flipped convolution")
    tab = panel.flip_tab
    choose(qtbot, tab.layer_combo, tab.layer_combo.itemText(tab.layer_combo.findData("conv2d_1")))
    type_value(qtbot, tab.channel_spin, "2")
    assert tab.channel_spin.value() == 2
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


def test_flip_tab_shows_the_check_the_service_attached_to_the_inspection(qtbot, engine, inspection):
    """The tab computes nothing: a check marked as failing is shown as failing, whatever the arrays say."""
    check = inspection.flip_checks.result("conv2d")
    failing = dataclasses.replace(check, comparison=dataclasses.replace(
        check.comparison, max_abs_difference=0.02, relative_difference=0.3))
    panel = SciencePanel()
    qtbot.addWidget(panel)
    panel.set_model(model_info(engine))
    panel.show_inspection(dataclasses.replace(inspection, flip_checks=science.FlipChecks({"conv2d": failing}, {})))
    panel.show()
    qtbot.waitExposed(panel)
    click_tab(qtbot, panel.tabs, "Backprop = flipped convolution")
    tab = panel.flip_tab
    assert tab.flip_result() is failing
    assert "0.3 > 1e-04: they differ by more than float rounding" in tab.result_label.text()
    assert "#c62828" in tab.result_label.styleSheet()
    np.testing.assert_allclose(tab.difference_plot.image(), check.comparison.difference[0, :, :, 0], rtol=1e-6)
    unchecked = science.FlipChecks({}, {"conv2d": "there is no gradient for 'conv2d'."})
    panel.show_inspection(dataclasses.replace(inspection, flip_checks=unchecked))
    assert tab.comparison() is None
    assert tab.problem() == ("The flipped-kernel gradient cannot be computed for this layer: there is no gradient "
                             "for 'conv2d'.")
    assert tab.problem() in tab.hint_text()


# -- weight-space symmetries -----------------------------------------------------------------------

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


# -- dead filters ----------------------------------------------------------------------------------

def test_dead_units_are_found_with_their_thresholds_and_pruning_changes_no_prediction(qtbot, panel, service):
    click_tab(qtbot, panel.tabs, "Dead filters")
    tab = panel.dead_filters_tab
    marks = []
    panel.sig_filters_marked.connect(lambda layer, indices: marks.append((layer, indices)))
    assert not tab.prune_button.isEnabled()
    choose(qtbot, tab.layer_combo, "dense (128 units)")
    type_value(qtbot, tab.samples_spin, "2000")
    found = run_by_click(qtbot, service, tab.find_button)
    dead = found.report("dense").dead
    assert found.num_images == 2000 and len(dead) >= 5 and marks == [("dense", dead)]
    summary = tab.summary_label.text()
    assert summary.startswith(f"dense: {len(dead)} dead units: never active")
    assert "largest |output| ≤ 1e-06 on all 2,000 test images" in summary and "95% upper bound" in summary
    assert tab.table.item(0, 3).text().startswith(f"{len(dead)}: ")
    pruned = run_by_click(qtbot, service, tab.prune_button)
    assert pruned.kept and pruned.num_worse == pruned.num_better == 0
    assert tab.accuracy_label.text() == ("Test accuracy 0.9680 → 0.9680 on 2,000 mnist-sample test images: no "
                                         "prediction changed.")


def test_no_dead_filter_is_reported_with_the_values_that_cleared_the_thresholds(qtbot, panel, service):
    click_tab(qtbot, panel.tabs, "Dead filters")
    tab = panel.dead_filters_tab
    type_value(qtbot, tab.samples_spin, "200")
    found = run_by_click(qtbot, service, tab.find_button)
    norms = found.report("conv2d").kernel_norms
    summary = tab.summary_label.text()
    assert summary.startswith("conv2d: no dead filters.")
    assert f"{norms.min():.3g} (filter {int(norms.argmin())}), is above {1e-3 * norms.max():.3g}" in summary
    assert "on 200 test images" in summary
    assert not tab.prune_button.isEnabled()


# -- busy, and the page fits a laptop --------------------------------------------------------------

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


def test_no_page_scrolls_sideways_at_the_width_a_laptop_gives_it(qtbot, panel, service):
    """At 1366x768 the Science tab gets about 650 pixels in the window's scroll area: no sub-page may
    need more, results shown, whichever sub-page is on screen when the window narrows."""
    click_tab(qtbot, panel.tabs, "Spectra comparison")
    run_by_click(qtbot, service, panel.spectra_tab.compare_button)
    assert panel.spectra_tab.plots_side_by_side()
    click_tab(qtbot, panel.tabs, "Backprop = flipped convolution")
    scroll = QScrollArea()  # as the main window holds every tab
    qtbot.addWidget(scroll)
    scroll.setWidgetResizable(True)
    scroll.setWidget(panel)
    try:
        scroll.resize(1000, 600)
        scroll.show()
        qtbot.waitExposed(scroll)
        scroll.resize(660, 600)
        sideways = scroll.horizontalScrollBar()
        qtbot.waitUntil(lambda: panel.width() <= scroll.viewport().width(), timeout=5000)
        assert sideways.maximum() == 0
        for title in ("Weight-space symmetries", "Dead filters", "Spectra comparison"):
            click_tab(qtbot, panel.tabs, title)
            assert panel.tabs.currentWidget().minimumSizeHint().width() <= scroll.viewport().width()
            assert sideways.maximum() == 0
        assert not panel.spectra_tab.plots_side_by_side()
        scroll.resize(1200, 700)  # wide again: the profile goes back beside the maps
        qtbot.waitUntil(panel.spectra_tab.plots_side_by_side, timeout=5000)
    finally:
        scroll.takeWidget()  # the panel fixture owns the panel
