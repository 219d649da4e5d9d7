"""The Embedding tab on its own, with a colour, non-square projection: one brush per class, the image
under the pointer, a click sending the image out, errors said in place."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnnviz.science.embedding import Embedding, pca
from cnnviz.ui.embedding.panel import EmbeddingPanel


@pytest.fixture
def embedding():
    rng = np.random.default_rng(1)
    labels = np.arange(45) % 3
    features = rng.standard_normal((45, 6)) + 4.0 * np.eye(6)[labels]  # three separated clusters
    points, basis = pca(features)
    predictions = labels.copy()
    predictions[[4, 10]] = [2, 0]
    images = rng.random((45, 9, 13, 3)).astype(np.float32)
    return Embedding("dense", "shapes-colour", ("square", "triangle", "circle"), points, labels, predictions,
                     images, basis)


@pytest.fixture
def panel(qtbot):
    panel = EmbeddingPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_classes_get_their_own_brush_and_mistakes_are_ringed(panel, embedding):
    panel.show_embedding(embedding)
    items = panel.plot.class_items
    assert [item.name() for item in items] == ["square", "triangle", "circle"]
    assert len({item.opts["brush"].color().name() for item in items}) == 3
    assert sorted(panel.plot.mistake_item.data["data"]) == [4, 10]
    assert "2 misclassified" in panel.status_label.text()


def test_hover_shows_the_colour_image_and_a_click_sends_it(qtbot, panel, embedding):
    panel.show_embedding(embedding)
    qtbot.wait(50)
    position = panel.plot.point_position(4)
    qtbot.mouseMove(panel.plot.viewport(), position)
    qtbot.waitUntil(lambda: panel.preview_caption.text().startswith("Test image 4:"), timeout=3000)
    assert "true 'triangle', predicted 'circle' (misclassified)" in panel.preview_caption.text()
    shown = panel.preview.pixmap().toImage()
    assert shown.width() > 13 and not shown.isGrayscale()
    with qtbot.waitSignal(panel.sig_example_chosen, timeout=3000) as chosen:
        qtbot.mouseClick(panel.plot.viewport(), Qt.LeftButton, pos=position)
    image, label = chosen.args
    np.testing.assert_array_equal(image, embedding.images[4:5])
    assert label == 1
    far = panel.plot.rect().topLeft()  # nowhere near a point: nothing is sent
    with qtbot.assertNotEmitted(panel.sig_example_chosen):
        qtbot.mouseClick(panel.plot.viewport(), Qt.LeftButton, pos=far)


def test_a_request_carries_the_layer_and_count_and_errors_are_said(qtbot, panel, embedding):
    panel.set_layers(("conv2d", "flatten", "dense", "dense_1"))
    assert [panel.layer_combo.itemText(index) for index in range(panel.layer_combo.count())] == [
        "The layer feeding the last", "conv2d", "flatten", "dense"]
    panel.layer_combo.setFocus()
    qtbot.keyClicks(panel.layer_combo, "flatten")
    panel.samples_spin.selectAll()
    qtbot.keyClicks(panel.samples_spin.lineEdit(), "250")
    with qtbot.waitSignal(panel.sig_embedding_requested, timeout=3000) as requested:
        qtbot.mouseClick(panel.project_button, Qt.LeftButton)
    assert requested.args[0] == {"layer": "flatten", "samples": 250}
    panel.set_pending(7)
    assert not panel.project_button.isEnabled()
    panel.show_error("The model has no layer 'x'.")
    assert panel.project_button.isEnabled() and panel.pending_job is None
    assert panel.status_label.text() == "The model has no layer 'x'."
