"""The evaluation panel: accuracy, confusion matrix, per-class bars and the gallery of test images."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnnviz.core.datasets import MNIST_CLASSES
from cnnviz.science.evaluation import evaluate
from cnnviz.ui.evaluation.panel import MAX_GALLERY_IMAGES, EvaluationPanel


class FixedEngine:
    """An engine stand-in whose predictions are fixed in advance."""

    def __init__(self, probabilities):
        self.probabilities = np.asarray(probabilities, dtype=np.float32)

    def predict(self, images):
        assert len(images) == len(self.probabilities)
        return self.probabilities


def make_evaluation(num_images=40, correct_fraction=0.6, seed=0):
    """``num_images`` random 28×28 images; about ``correct_fraction`` of them predicted right."""
    rng = np.random.default_rng(seed)
    images = rng.random((num_images, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, num_images)
    predicted = np.where(rng.random(num_images) < correct_fraction, labels, rng.integers(0, 10, num_images))
    probabilities = rng.dirichlet(np.ones(10), num_images) * 0.5
    probabilities[np.arange(num_images), predicted] += 0.5 + rng.random(num_images) * 0.01
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return evaluate(FixedEngine(probabilities), images, labels, "mnist-sample", MNIST_CLASSES)


@pytest.fixture
def evaluation():
    return make_evaluation()


@pytest.fixture
def panel(qtbot, evaluation):
    widget = EvaluationPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 650)
    widget.show()
    widget.show_evaluation(evaluation)
    return widget


def a_confusion(evaluation):
    """A cell off the diagonal holding the most images."""
    off_diagonal = evaluation.confusion - np.diag(np.diag(evaluation.confusion))
    true_class, predicted = np.unravel_index(int(off_diagonal.argmax()), off_diagonal.shape)
    assert off_diagonal[true_class, predicted] > 0
    return int(true_class), int(predicted)


def test_the_evaluate_button_asks_for_an_evaluation(qtbot):
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    assert not panel.mistakes_button.isEnabled()
    with qtbot.waitSignal(panel.sig_evaluate_requested, timeout=1000):
        qtbot.mouseClick(panel.evaluate_button, Qt.MouseButton.LeftButton)
    assert "Evaluating" in panel.accuracy_label.text()


def test_the_table_counts_are_the_confusion_matrix(panel, evaluation):
    table = panel.confusion_table
    np.testing.assert_array_equal(panel.confusion_counts(), evaluation.confusion)
    texts = [[table.item(row, column).text() for column in range(10)] for row in range(10)]
    assert texts == [[str(count) for count in row] for row in evaluation.confusion]
    assert [table.horizontalHeaderItem(index).text() for index in range(10)] == list(MNIST_CLASSES)
    assert [table.verticalHeaderItem(index).text() for index in range(10)] == list(MNIST_CLASSES)
    true_class, predicted = a_confusion(evaluation)
    count = evaluation.confusion[true_class, predicted]
    assert table.item(true_class, predicted).toolTip().startswith(
        f"true {true_class} → predicted {predicted}: {count} image")
    assert f"{evaluation.accuracy:.2%}" in panel.accuracy_label.text()
    assert "40 test images" in panel.accuracy_label.text()


def test_cell_colours_grow_with_the_count(panel, evaluation):
    table = panel.confusion_table
    true_class, predicted = a_confusion(evaluation)
    busiest = table.item(true_class, predicted).background().color()
    empty_cells = np.argwhere(evaluation.confusion == 0)
    empty = table.item(*map(int, empty_cells[0])).background().color()
    assert empty.name() == "#ffffff"
    assert busiest.red() > busiest.green()  # red-ish off the diagonal
    diagonal = int(np.argmax(np.diag(evaluation.confusion)))
    colour = table.item(diagonal, diagonal).background().color()
    assert colour.green() > colour.red()    # green-ish on it


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


def test_per_class_bars(panel, evaluation):
    np.testing.assert_allclose(panel.bar_heights(), np.nan_to_num(evaluation.per_class_accuracy))
    assert panel.bar_widget.overall_accuracy() == pytest.approx(evaluation.accuracy)


def test_a_cell_outside_the_matrix_is_refused(panel):
    with pytest.raises(ValueError, match="0..9"):
        panel.select_cell(10, 0)
    with pytest.raises(ValueError, match="outside"):
        panel.choose_example(10_000)


def test_the_accuracy_axis_starts_just_below_the_lowest_bar(panel, evaluation):
    heights = panel.bar_heights()
    low, high = panel.bar_range()
    assert low == pytest.approx(max(0.0, min(heights.min(), evaluation.accuracy) - 0.05))
    assert high >= 1.0
    shown_low, shown_high = panel.bar_widget.shown_range()
    assert shown_low == pytest.approx(low) and shown_high == pytest.approx(high)
    assert shown_low < panel.bar_widget.overall_accuracy() < shown_high
    assert panel.bar_widget.value_texts() == [f"{100 * height:.0f}" for height in heights]
    correct = int(np.asarray(evaluation.confusion)[2, 2])
    assert panel.describe_bar(2).startswith(f"{evaluation.class_names[2]}: {heights[2]:.2%} ({correct:,} of")


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


def label_extents(panel):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QFontMetrics

    metrics = QFontMetrics(panel.bar_widget.font())
    view = panel.bar_widget.getPlotItem().getViewBox()
    extents = []
    for index, text in panel.bar_labels():
        centre = view.mapViewToScene(QPointF(index, 0.5)).x()
        extents.append((centre - metrics.horizontalAdvance(text) / 2, centre + metrics.horizontalAdvance(text) / 2))
    return extents


@pytest.mark.parametrize("width", [700, 1400])
def test_class_names_under_the_bars_never_overlap(qtbot, width):
    from PySide6.QtWidgets import QApplication

    from cnnviz.core.datasets import FASHION_MNIST_CLASSES

    base = make_evaluation()
    evaluation = evaluate(FixedEngine(base.probabilities), base.images, base.labels, "fashion-mnist",
                          FASHION_MNIST_CLASSES)
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    panel.resize(width, 650)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_evaluation(evaluation)
    QApplication.processEvents()
    labels = panel.bar_labels()
    assert [index for index, _ in labels] == list(range(10))
    texts = [text for _, text in labels]
    assert len(set(texts)) == 10
    extents = label_extents(panel)
    for (_, end), (start, _) in zip(extents, extents[1:]):
        assert end <= start
    if texts != list(FASHION_MNIST_CLASSES):
        assert "Classes: 0 T-shirt/top, 1 Trouser" in panel.bar_widget.toolTip()
    # The confusion matrix's headers hold the whole names (the header elides what does not fit).
    table = panel.confusion_table
    assert [table.horizontalHeaderItem(index).text() for index in range(10)] == list(FASHION_MNIST_CLASSES)
