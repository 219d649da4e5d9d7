"""The Overview tab in the main window: reached from the tab bar, a click on a thumbnail opens that layer
and filter in Feature maps, and Export all writes the overview."""

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest

from cnnviz.service.model_service import ModelService
from cnnviz.ui.main_window import MainWindow

TIMEOUT = 30_000


@pytest.fixture
def window(qtbot, tmp_path):
    service = ModelService(run_root=tmp_path / "runs")
    window = MainWindow(service, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        pass
    yield window
    window.quit_now()
    assert not service.is_running


def open_overview(qtbot, window):
    bar = window.tabs.tabBar()
    index = window.tab_pages.index(window.overview_view)
    assert window.tabs.tabText(index) == "Overview"
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    view = window.overview_view
    qtbot.waitUntil(lambda: view.plan() is not None and view.isVisible(), timeout=TIMEOUT)
    return view


def click_thumbnail(qtbot, view, layer, channel):
    canvas = view.canvas
    canvas.ensureVisible(view.thumbnail_position(layer, channel).x(), view.thumbnail_position(layer, channel).y(),
                         1, 1)
    point = canvas.mapFromScene(view.thumbnail_position(layer, channel))
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(point.x(), point.y()))


def test_clicking_a_thumbnail_opens_that_filter_in_feature_maps(qtbot, window):
    view = open_overview(qtbot, window)
    assert view.plan().column("conv2d").label == "all 28"
    click_thumbnail(qtbot, view, "max_pooling2d", 17)
    maps = window.feature_maps_view
    assert window.current_view() is maps
    assert maps.current_layer() == "max_pooling2d"
    assert maps.grid().enlarged_index() == 17 and maps.grid().enlarged_map().isVisible()

    view = open_overview(qtbot, window)
    click_thumbnail(qtbot, view, "dense_1", 3)
    assert window.current_view() is maps
    assert maps.current_layer() == "dense_1" and maps.is_showing_units()
    assert maps.units().selected_index() == 3 and maps.selected_unit() == (3,)


def test_the_overview_follows_the_input_and_export_all_writes_it(qtbot, window, tmp_path):
    view = open_overview(qtbot, window)
    before = view.scene.pixel_image()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        window.canvas.stroke([(40, 40), (240, 240)])
    assert view.scene.pixel_image() != before
    index = window.export_all_to(str(tmp_path / "export"))
    overview = tmp_path / "export" / "overview.png"
    assert overview.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and overview.stat().st_size > 5_000
    assert 'href="overview.png"' in index.read_text(encoding="utf-8")
