"""The Embedding tab in the window, driven as a person does: type how many test images, press
Project, hover over a point to see its image, click it to load it into the canvas."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QToolButton

from cnnviz.service.model_service import ModelService
from cnnviz.ui.main_window import MainWindow

TIMEOUT = 60_000


@pytest.fixture
def window(qtbot, tmp_path):
    service = ModelService(run_root=False)
    window = MainWindow(service, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat),
                        track_session=False)
    qtbot.addWidget(window)
    window.resize(1600, 900)
    window.show()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        pass
    yield window
    window.quit_now()


def open_tab(qtbot, window, title):
    bar = window.tabs.tabBar()
    index = next(index for index in range(window.tabs.count()) if window.tabs.tabText(index) == title)
    scroll_right = next((button for button in bar.findChildren(QToolButton)
                         if button.arrowType() == Qt.RightArrow), None)
    for _ in range(window.tabs.count()):
        if bar.rect().contains(bar.tabRect(index)) or scroll_right is None or not scroll_right.isVisible():
            break
        qtbot.mouseClick(scroll_right, Qt.LeftButton)
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(index).center())


def isolated_point(points):
    """The index of the point farthest from its nearest neighbour (a click there hits only it)."""
    distances = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(distances, np.inf)
    return int(np.argmax(distances.min(axis=1)))


def test_project_hover_and_click_a_point_into_the_canvas(qtbot, window):
    open_tab(qtbot, window, "Embedding")
    panel = window.embedding_panel
    assert window.current_view() is panel
    assert [panel.layer_combo.itemData(index) for index in range(panel.layer_combo.count())] == [
        None, "conv2d", "max_pooling2d", "dropout", "flatten", "dense", "dropout_1"]
    panel.samples_spin.selectAll()
    qtbot.keyClicks(panel.samples_spin.lineEdit(), "300")
    with qtbot.waitSignal(window.service.sig_science_finished, timeout=TIMEOUT):
        qtbot.mouseClick(panel.project_button, Qt.LeftButton)
    embedding = panel.embedding()
    assert embedding is not None and embedding.layer == "dropout_1" and embedding.points.shape == (300, 2)
    assert "Layer dropout_1: 300 test images" in panel.status_label.text()
    # One scatter item, with its own brush, per class present; the mistakes ringed on top.
    plot = panel.plot
    assert len(plot.class_items) == len(np.unique(embedding.labels))
    assert len({item.opts["brush"].color().name() for item in plot.class_items}) == len(plot.class_items)
    if len(embedding.misclassified):
        np.testing.assert_array_equal(np.sort(plot.mistake_item.data["data"]), embedding.misclassified)
    qtbot.wait(200)  # the plot settles its range in the page's final layout, as a person waits to see it
    index = isolated_point(np.asarray(embedding.points))
    position = plot.point_position(index)
    qtbot.mouseMove(plot.viewport(), position)
    qtbot.waitUntil(lambda: panel.preview_caption.text().startswith(f"Test image {index}:"), timeout=5000)
    assert not panel.preview.pixmap().isNull()
    qtbot.mouseClick(plot.viewport(), Qt.LeftButton, pos=position)
    np.testing.assert_allclose(window.canvas.current_input(), embedding.images[index:index + 1], atol=1e-6)
    assert window.canvas.label() == int(embedding.labels[index])
    assert window.current_view() is panel  # the person stays here, to go through more points


def test_another_layer_is_chosen_in_the_combo(qtbot, window):
    open_tab(qtbot, window, "Embedding")
    panel = window.embedding_panel
    panel.samples_spin.selectAll()
    qtbot.keyClicks(panel.samples_spin.lineEdit(), "50")
    panel.layer_combo.setFocus()
    qtbot.keyClicks(panel.layer_combo, "flatten")  # typing a name selects it, as in any combo box
    assert panel.layer_combo.currentData() == "flatten"
    with qtbot.waitSignal(window.service.sig_science_finished, timeout=TIMEOUT):
        qtbot.mouseClick(panel.project_button, Qt.LeftButton)
    assert panel.embedding().layer == "flatten" and len(panel.embedding().labels) == 50
