"""Two inputs compared (report §5.1): both images sent, the pair judged against pairs of test images."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnnviz.ui.science.pair_view import STALE_NOTE
from tests.ui.person import choose, type_value
from tests.ui.science.helpers import click, click_tab, run_by_click


def test_compare_sends_both_images_and_shows_the_pair_judged_against_test_pairs(qtbot, panel, service, requests,
                                                                               inspection, split):
    click_tab(qtbot, panel.tabs, "Spectra comparison")
    tab = panel.spectra_tab
    view = tab.pair_view
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
    assert tab.section_tabs.currentWidget() is view
    text = view.similarity_label.text()
    rank = value.rank
    assert f"Similarity of the spectra: {value.similarity:.3f}" in text
    assert f"the middle 95% of 4,950 pairs of the first 100 mnist-sample test images ({rank.low:.3f}–" in text
    assert ("not distinguishable from a pair of random test images" in text) == (rank.outcome == "typical")
    for curve, profile in zip(view.profile_curves, (value.profile_a, value.profile_b)):
        np.testing.assert_allclose(curve.getData()[1], profile)
    np.testing.assert_array_equal(view.maps[0].image(), value.map_a)
    np.testing.assert_array_equal(view.spectra[1].image(), value.spectrum_b)
    fractions = view.low_frequency_label.text()
    assert f"A (current, predicted 4): {100 * value.low_frequency_a:.3g}% below 0.25" in fractions
    qtbot.mouseClick(view.log_check, Qt.LeftButton)
    assert view.log_check.isChecked()
    np.testing.assert_allclose(view.profile_curves[0].yData, np.where(value.profile_a > 0, value.profile_a, np.nan))


def test_the_current_input_compared_with_itself_is_more_alike_than_usual(qtbot, panel, service, requests,
                                                                          inspection):
    click_tab(qtbot, panel.tabs, "Spectra comparison")
    tab = panel.spectra_tab
    view = tab.pair_view
    click(qtbot, tab.pin_button)
    assert "pinned" in tab.b_label.text()
    value = run_by_click(qtbot, service, tab.compare_button)
    np.testing.assert_array_equal(requests[-1][1]["image_b"], inspection.image)
    assert value.similarity == pytest.approx(1.0) and value.rank.outcome == "more alike"
    assert "more alike than usual: above the middle 95%" in view.similarity_label.text()
    type_value(qtbot, tab.sample_spin, "2")  # choosing a test image again unpins
    assert "pinned" not in tab.b_label.text()


def test_the_test_images_to_compare_are_fitted_to_a_colour_model_as_training_fits_them():
    import numpy as np

    from cnnviz.ui.science.comparison_inputs import DatasetTestSplits

    splits = DatasetTestSplits()
    (grey, labels, _), first = splits.read("mnist-sample", 0, None)
    (colour, colour_labels, _), _ = splits.read("mnist-sample", 0, None, (32, 32, 3))
    assert first and grey.shape[1:] == (28, 28, 1) and colour.shape[1:] == (32, 32, 3)
    np.testing.assert_array_equal(labels, colour_labels)
    np.testing.assert_array_equal(colour[..., 0], colour[..., 1])


def test_pinning_a_new_b_marks_the_comparison_shown_out_of_date_until_compared_again(qtbot, panel, service):
    click_tab(qtbot, panel.tabs, "Spectra comparison")
    tab = panel.spectra_tab
    view = tab.pair_view
    choose(qtbot, tab.class_combo, "7")
    value = run_by_click(qtbot, service, tab.compare_button)
    assert view.similarity_label.text() == value.verdict_text() and not view.is_stale()
    click(qtbot, tab.pin_button)            # B is now a copy of A: the 4 against the 7 no longer holds
    assert view.is_stale()
    assert view.similarity_label.text().startswith(STALE_NOTE)
    assert "#777" in view.similarity_label.styleSheet() and "#777" in view.low_frequency_label.styleSheet()
    value = run_by_click(qtbot, service, tab.compare_button)
    assert not view.is_stale() and view.similarity_label.text() == value.verdict_text()
    assert "#777" not in view.similarity_label.styleSheet()
    type_value(qtbot, tab.sample_spin, "1")  # another test image as B: out of date again
    assert view.is_stale()
