"""Tests of the Evaluation tab as a whole: evaluating, cells and mistakes in the gallery, choosing an image."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnnviz.ui.evaluation.panel import MAX_GALLERY_IMAGES, EvaluationPanel
from tests.ui.evaluation.helpers import a_confusion, make_evaluation


def test_the_evaluate_button_asks_for_an_evaluation(qtbot):
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    assert not panel.mistakes_button.isEnabled()
    with qtbot.waitSignal(panel.sig_evaluate_requested, timeout=1000):
        qtbot.mouseClick(panel.evaluate_button, Qt.MouseButton.LeftButton)
    assert "Evaluating" in panel.accuracy_label.text()


def test_clicking_a_cell_shows_its_images(panel, evaluation, qtbot):
    true_class, predicted = a_confusion(evaluation)
    table = panel.confusion_table
    rect = table.visualItemRect(table.item(true_class, predicted))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    np.testing.assert_array_equal(panel.gallery_indices(), evaluation.cell(true_class, predicted))
    assert panel.selected_cell() == (true_class, predicted)
    assert panel.gallery.count() == evaluation.confusion[true_class, predicted]
    first = evaluation.cell(true_class, predicted)[0]
    confidence = evaluation.probabilities[first, predicted]
    assert panel.gallery_captions()[0] == f"true {true_class} → {predicted} ({confidence:.0%})"

    diagonal = int(evaluation.labels[0])
    table.cellClicked.emit(diagonal, diagonal)
    np.testing.assert_array_equal(panel.gallery_indices(), evaluation.cell(diagonal, diagonal))


def test_choosing_an_example_sends_its_image_and_label(panel, evaluation, qtbot):
    true_class, predicted = a_confusion(evaluation)
    panel.select_cell(true_class, predicted)
    index = int(panel.gallery_indices()[0])
    with qtbot.waitSignal(panel.sig_example_chosen, timeout=1000) as blocker:
        panel.choose_example(0)
    image, label = blocker.args
    assert image.shape == (1, 28, 28, 1) and image.dtype == np.float32
    np.testing.assert_array_equal(image[0], evaluation.images[index])
    assert label == int(evaluation.labels[index]) == true_class
    assert isinstance(label, int)

    panel.show_mistakes()
    gallery = panel.gallery
    second = gallery.item(1)
    with qtbot.waitSignal(panel.sig_example_chosen, timeout=1000) as blocker:
        qtbot.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton, pos=gallery.visualItemRect(second).center())
    index = int(evaluation.misclassified()[1])
    np.testing.assert_array_equal(blocker.args[0][0], evaluation.images[index])
    assert blocker.args[1] == int(evaluation.labels[index])


def test_all_mistakes_are_shown_most_confident_first(panel, evaluation, qtbot):
    np.testing.assert_array_equal(panel.gallery_indices(), evaluation.misclassified())  # the default view
    panel.select_cell(*a_confusion(evaluation))
    qtbot.mouseClick(panel.mistakes_button, Qt.MouseButton.LeftButton)
    mistakes = evaluation.misclassified()
    np.testing.assert_array_equal(panel.gallery_indices(), mistakes)
    assert panel.selected_cell() is None
    assert f"All mistakes: {len(mistakes)} images" in panel.gallery_label.text()
    confidences = evaluation.probabilities[mistakes, evaluation.predictions[mistakes]]
    assert np.all(np.diff(confidences) <= 0)


def test_the_gallery_shows_at_most_its_limit(qtbot):
    evaluation = make_evaluation(num_images=400, correct_fraction=0.1, seed=3)
    mistakes = evaluation.misclassified()
    assert len(mistakes) > MAX_GALLERY_IMAGES
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    panel.show_evaluation(evaluation)
    np.testing.assert_array_equal(panel.gallery_indices(), mistakes[:MAX_GALLERY_IMAGES])
    assert panel.gallery.count() == MAX_GALLERY_IMAGES
    assert f"{MAX_GALLERY_IMAGES} most confident of {len(mistakes)}" in panel.gallery_note.text()


def test_a_cell_outside_the_matrix_is_refused(panel):
    with pytest.raises(ValueError, match="0..9"):
        panel.select_cell(10, 0)
    with pytest.raises(ValueError, match="outside"):
        panel.choose_example(10_000)


def test_the_accuracy_has_its_own_wrapped_line(panel):
    assert panel.accuracy_label.wordWrap()
    assert panel.layout().indexOf(panel.accuracy_label) >= 0


def test_clicking_a_mistake_says_it_is_loaded_and_offers_the_viewers(panel, evaluation, qtbot):
    """Loading an image keeps the user here; going to the viewers is their own click."""
    button = panel.show_in_viewers_button
    assert not button.isEnabled()
    gallery = panel.gallery
    first = gallery.item(0)
    with qtbot.waitSignal(panel.sig_example_chosen, timeout=1000), \
            qtbot.assertNotEmitted(panel.sig_show_in_viewers_requested):
        qtbot.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton, pos=gallery.visualItemRect(first).center())
    index = int(evaluation.misclassified()[0])
    names = evaluation.class_names
    assert panel.chosen_label.full_text() == (
        f"In the canvas: test image {index}, true {names[int(evaluation.labels[index])]}, "
        f"predicted {names[int(evaluation.predictions[index])]}.")
    assert button.isEnabled()
    with qtbot.waitSignal(panel.sig_show_in_viewers_requested, timeout=1000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
