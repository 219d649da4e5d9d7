"""The Science panel as a whole: its request buttons follow the service, and no page scrolls sideways."""

from PySide6.QtWidgets import QScrollArea

from cnnviz import science
from cnnviz.service.inspection import run_inspection
from cnnviz.ui.science.panel import SciencePanel
from tests.ui.science.helpers import click_tab, model_info, run_by_click


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
