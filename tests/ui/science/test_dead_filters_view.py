"""Dead filters (report §5.2): found with their thresholds, and pruned without changing a prediction."""

from PySide6.QtCore import QPoint

from cnnviz.ui.window.layout import scrolling
from tests.ui.person import choose, type_value
from tests.ui.science.helpers import click_tab, run_by_click


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
    assert tab.table.item(0, 3).text().startswith(f"{len(dead)} units (#{dead[0]}, #{dead[1]}, ")
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


def test_pruning_scrolls_its_result_into_view_on_a_laptop_sized_page(qtbot, panel, service):
    page = scrolling(panel)   # as the window holds the Science tab
    try:
        _prune_in(qtbot, page, panel, service)
    finally:
        page.takeWidget()     # the panel fixture closes the panel itself
        page.deleteLater()


def _prune_in(qtbot, page, panel, service):
    page.resize(672, 420)     # about the Science tab in a 1366 × 768 window
    page.show()
    qtbot.waitExposed(page)
    click_tab(qtbot, panel.tabs, "Dead filters")
    tab = panel.dead_filters_tab
    choose(qtbot, tab.layer_combo, "dense (128 units)")
    type_value(qtbot, tab.samples_spin, "2000")
    run_by_click(qtbot, service, tab.find_button)
    page.verticalScrollBar().setValue(0)   # reading the table at the top of the page
    run_by_click(qtbot, service, tab.prune_button)
    qtbot.wait(50)
    viewport = page.viewport()
    for label in (tab.accuracy_label, tab.prune_note):
        top = label.mapTo(viewport, QPoint(0, 0)).y()
        assert 0 <= top and top + label.height() <= viewport.height(), label.text()


def test_never_active_filters_are_counted_and_numbered_in_words(qtbot, panel, service):
    click_tab(qtbot, panel.tabs, "Dead filters")
    tab = panel.dead_filters_tab
    choose(qtbot, tab.layer_combo, "dense (128 units)")
    type_value(qtbot, tab.samples_spin, "2000")
    found = run_by_click(qtbot, service, tab.find_button)
    dead = found.report("dense").never_active
    text = tab.table.item(0, 3).text()
    assert text.startswith(f"{len(dead)} units (#{dead[0]}, ") and ": " not in text
