"""Tests of the input panel: drawing, undo, samples, image files, debouncing, the bar chart."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication

from cnnviz.core.datasets import load_dataset
from cnnviz.core.datasets.shapes import SHAPE_CLASSES
from cnnviz.ui.drawing.canvas_input import MAX_WAIT_MS
from cnnviz.ui.drawing.modes import EMPTY_MESSAGE
from cnnviz.ui.drawing.panel import DrawingCanvas
from cnnviz.ui.drawing.probability_chart import VERTICAL
from cnnviz.ui.drawing.surface import CANVAS_SIZE

SEVEN = [(80, 70), (200, 70), (170, 150), (140, 220)]
SIGNAL_TIMEOUT_MS = 2000


@pytest.fixture
def canvas(qtbot):
    widget = DrawingCanvas()
    qtbot.addWidget(widget)
    # A surface exactly CANVAS_SIZE square maps widget pixels 1:1 to canvas pixels.
    widget.surface.setFixedSize(CANVAS_SIZE, CANVAS_SIZE)
    widget.resize(380, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def draw(qtbot, canvas, points):
    """Draw a stroke and wait for the debounced input."""
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        canvas.stroke(points)
    return blocker.args[0]


def centre_of_mass(model_input):
    plane = np.asarray(model_input)[0, :, :, 0].astype(np.float64)
    rows, columns = np.indices(plane.shape)
    total = plane.sum()
    return (rows * plane).sum() / total, (columns * plane).sum() / total


def send_mouse(widget, kind, position, button, buttons):
    event = QMouseEvent(kind, QPointF(position), widget.mapToGlobal(QPointF(position)),
                        button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def send_tablet(widget, kind, position, pressure):
    device = QPointingDevice.primaryPointingDevice()
    event = QTabletEvent(kind, device, QPointF(position), widget.mapToGlobal(QPointF(position)),
                         pressure, 0.0, 0.0, 0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier,
                         Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton)
    QApplication.sendEvent(widget, event)
    return event


# --- drawing ---------------------------------------------------------------------------


def test_starts_empty_with_a_hint(canvas):
    assert canvas.current_input() is None
    assert canvas.message() == EMPTY_MESSAGE
    assert canvas.caption.full_text() == EMPTY_MESSAGE
    assert not canvas.canvas_image().any()
    assert canvas.canvas_image().shape == (CANVAS_SIZE, CANVAS_SIZE)
    assert not canvas.undo_button.isEnabled()


def test_mouse_drawing_emits_an_input_with_ink(qtbot, canvas):
    surface = canvas.surface
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        qtbot.mousePress(surface, Qt.MouseButton.LeftButton, pos=QPoint(60, 60))
        for x in range(70, 221, 10):
            qtbot.mouseMove(surface, QPoint(x, 60 + (x - 60) // 2))
        qtbot.mouseRelease(surface, Qt.MouseButton.LeftButton, pos=QPoint(220, 140))
    model_input = blocker.args[0]
    assert isinstance(model_input, np.ndarray)
    assert model_input.shape == (1, 28, 28, 1)
    assert model_input.dtype == np.float32
    assert model_input.max() == pytest.approx(1.0)
    assert np.count_nonzero(model_input > 0.5) > 20
    assert not model_input.flags.writeable
    assert canvas.current_input() is model_input
    image = canvas.canvas_image()
    assert image[60, 60] == 255 and image[140, 220] == 255 and image[100, 140] == 255
    assert image[200, 60] == 0


def test_mouse_events_sent_directly_draw_a_line(qtbot, canvas):
    surface = canvas.surface
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        send_mouse(surface, QEvent.Type.MouseButtonPress, QPointF(40, 200), left, left)
        send_mouse(surface, QEvent.Type.MouseMove, QPointF(140, 200), none, left)
        send_mouse(surface, QEvent.Type.MouseButtonRelease, QPointF(240, 200), left, none)
    row = canvas.canvas_image()[200]
    assert np.all(row[40:241] == 255)
    assert not surface.is_drawing


def test_right_button_does_not_draw(qtbot, canvas):
    surface = canvas.surface
    right, none = Qt.MouseButton.RightButton, Qt.MouseButton.NoButton
    send_mouse(surface, QEvent.Type.MouseButtonPress, QPointF(40, 40), right, right)
    send_mouse(surface, QEvent.Type.MouseMove, QPointF(200, 200), none, right)
    send_mouse(surface, QEvent.Type.MouseButtonRelease, QPointF(200, 200), right, none)
    assert not canvas.canvas_image().any()


def test_pen_pressure_sets_stroke_width(qtbot, canvas):
    surface = canvas.surface

    def pen_stroke(pressure):
        canvas.clear()
        with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
            accepted = send_tablet(surface, QEvent.Type.TabletPress, QPointF(60, 140), pressure)
            send_tablet(surface, QEvent.Type.TabletMove, QPointF(220, 140), pressure)
            send_tablet(surface, QEvent.Type.TabletRelease, QPointF(220, 140), pressure)
        assert accepted.isAccepted()
        return np.count_nonzero(canvas.canvas_image() > 127)

    assert pen_stroke(0.1) < 0.6 * pen_stroke(1.0)


def test_strokes_in_either_half_give_centred_inputs(qtbot, canvas):
    left = draw(qtbot, canvas, [(40, 60), (60, 140), (40, 220)])
    canvas.clear()
    right = draw(qtbot, canvas, [(230, 60), (250, 140), (230, 220)])
    assert canvas.canvas_image()[:, :140].sum() == 0
    for model_input in (left, right):
        row, column = centre_of_mass(model_input)
        assert abs(row - 14) <= 1.0 and abs(column - 14) <= 1.0
    np.testing.assert_allclose(left, right, atol=0.05)


def test_ink_touching_every_edge_is_still_ink(qtbot, canvas):
    canvas.brush_size = 30
    last = CANVAS_SIZE - 1
    model_input = draw(qtbot, canvas, [(0, 0), (last, 0), (last, last), (0, last), (0, 0)])
    plane = model_input[0, :, :, 0]
    assert plane[14, 14] == 0.0
    assert plane[14, 4:24].max() == pytest.approx(1.0)


def test_single_point_paints_a_round_dot(qtbot, canvas):
    canvas.brush_size = 20
    draw(qtbot, canvas, [(140, 140)])
    ink = canvas.canvas_image() > 127
    rows, columns = np.nonzero(ink)
    assert 16 <= rows.max() - rows.min() + 1 <= 22
    assert 16 <= columns.max() - columns.min() + 1 <= 22
    assert not ink[130, 130 - 10]


def test_brush_size_changes_stroke_thickness(qtbot, canvas):
    counts = []
    for size in (6, 20, 40):
        canvas.clear()
        canvas.brush_size = size
        draw(qtbot, canvas, [(50, 140), (230, 140)])
        counts.append(np.count_nonzero(canvas.canvas_image() > 127))
    assert counts[0] < counts[1] < counts[2]
    assert canvas.brush_size == 40
    assert canvas.brush.slider.value() == 40
    assert canvas.brush.size_text() == "40 px"


def test_brush_slider_sets_brush_size(canvas):
    canvas.brush.slider.setValue(33)
    assert canvas.brush_size == 33


@pytest.mark.parametrize("size", [0, 1000, 2.5, True])
def test_bad_brush_size_is_refused(canvas, size):
    with pytest.raises(ValueError, match="brush_size"):
        canvas.brush_size = size


def test_stroke_needs_a_point(canvas):
    with pytest.raises(ValueError, match="at least one"):
        canvas.stroke([])


# --- clear and undo -----------------------------------------------------------------------


def test_clear_emits_cleared_and_drops_the_input(qtbot, canvas):
    draw(qtbot, canvas, SEVEN)
    canvas.show_probabilities(np.full(10, 0.1))
    with qtbot.assertNotEmitted(canvas.sig_input_changed), \
            qtbot.waitSignal(canvas.sig_input_cleared, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(canvas.clear_button, Qt.MouseButton.LeftButton)
    assert canvas.current_input() is None
    assert not canvas.canvas_image().any()
    assert canvas.message() == EMPTY_MESSAGE
    assert not canvas.prediction_view.preview_pixels().any()
    assert canvas.probabilities() is None
    assert not canvas.chart.bar_heights().any()


def test_undo_restores_the_previous_stroke(qtbot, canvas):
    first = draw(qtbot, canvas, SEVEN)
    before = canvas.canvas_image()
    draw(qtbot, canvas, [(100, 150), (200, 150)])
    assert not np.array_equal(canvas.canvas_image(), before)
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(canvas.undo_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(canvas.canvas_image(), before)
    np.testing.assert_array_equal(blocker.args[0], first)
    with qtbot.waitSignal(canvas.sig_input_cleared, timeout=SIGNAL_TIMEOUT_MS):
        canvas.undo()
    assert not canvas.canvas_image().any()
    assert canvas.current_input() is None
    assert not canvas.undo_button.isEnabled()
    canvas.undo()  # nothing left to undo: no error
    assert not canvas.canvas_image().any()


def test_undo_brings_back_a_cleared_drawing(qtbot, canvas):
    draw(qtbot, canvas, SEVEN)
    before = canvas.canvas_image()
    canvas.clear()
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        canvas.undo()
    np.testing.assert_array_equal(canvas.canvas_image(), before)
    assert canvas.current_input() is not None


def test_undo_keeps_at_most_fifty_steps(qtbot, canvas):
    canvas.brush_size = 2
    for index in range(60):
        canvas.stroke([(10 + 4 * index, 20)])
    assert canvas.canvas_input.undo_steps() == 50


def test_ctrl_z_undoes(qtbot, canvas):
    draw(qtbot, canvas, SEVEN)
    before = canvas.canvas_image()
    draw(qtbot, canvas, [(40, 250), (240, 250)])
    canvas.activateWindow()
    canvas.surface.setFocus()
    qtbot.waitUntil(canvas.surface.hasFocus)
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(canvas.surface, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(canvas.canvas_image(), before)


# --- debouncing ---------------------------------------------------------------------------


def test_rapid_strokes_are_debounced(qtbot, canvas):
    emitted = []
    canvas.sig_input_changed.connect(emitted.append)
    num_strokes = 20
    for index in range(num_strokes):
        canvas.stroke([(30 + 10 * index, 100), (30 + 10 * index, 180)])
        QApplication.processEvents()
    qtbot.waitUntil(lambda: not canvas.canvas_input.update_pending(), timeout=SIGNAL_TIMEOUT_MS)
    assert 1 <= len(emitted) <= num_strokes // 4
    # The last emission reflects the finished drawing.
    expected = canvas.current_input()
    assert emitted[-1] is expected


def test_a_long_stroke_updates_while_it_goes_on(qtbot, canvas):
    emitted = []
    canvas.sig_input_changed.connect(emitted.append)
    surface = canvas.surface
    surface.begin_stroke(QPointF(20, 140), canvas.brush_size)
    for step in range(40):
        surface.extend_stroke(QPointF(20 + 6 * step, 140 + (step % 5)), canvas.brush_size)
        qtbot.wait(10)
    emitted_while_drawing = len(emitted)
    surface.end_stroke()
    # About 400 ms of changes, each well within the debounce delay of the last: only
    # the MAX_WAIT_MS deadline can have produced these updates.
    assert emitted_while_drawing >= 2
    assert emitted_while_drawing >= 400 // MAX_WAIT_MS // 2


# --- dataset samples --------------------------------------------------------------------


def test_load_sample_emits_the_dataset_image_and_label(qtbot, canvas):
    dataset = load_dataset("mnist-sample", "test")
    index = 7
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as inputs, \
            qtbot.waitSignal(canvas.sig_label_changed, timeout=SIGNAL_TIMEOUT_MS) as labels:
        canvas.load_sample(index)
    model_input = inputs.args[0]
    assert model_input.shape == (1, 28, 28, 1) and model_input.dtype == np.float32
    np.testing.assert_allclose(model_input[0, :, :, 0], dataset.images[index] / 255.0, atol=1e-6)
    assert labels.args[0] == int(dataset.labels[index])
    assert isinstance(labels.args[0], int)
    assert canvas.canvas_image().any()
    assert canvas.samples.sample_spin.value() == index
    assert f"#{index}" in canvas.message()
    np.testing.assert_array_equal(canvas.prediction_view.preview_pixels(), dataset.images[index])


def test_same_label_is_emitted_for_each_loaded_sample(qtbot, canvas):
    dataset = load_dataset("mnist-sample", "test")
    label = dataset.labels[0]
    twin = int(np.flatnonzero(dataset.labels == label)[1])
    canvas.load_sample(0)
    with qtbot.waitSignal(canvas.sig_label_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        canvas.load_sample(twin)
    assert blocker.args[0] == label


def test_drawing_over_a_sample_drops_its_label(qtbot, canvas):
    canvas.load_sample(3)
    sample_input = canvas.current_input()
    with qtbot.waitSignal(canvas.sig_label_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        new_input = draw(qtbot, canvas, [(20, 260), (260, 260)])
    assert blocker.args[0] is None
    assert not np.array_equal(new_input, sample_input)
    with qtbot.waitSignal(canvas.sig_label_changed, timeout=SIGNAL_TIMEOUT_MS) as restored:
        canvas.undo()
    assert restored.args[0] is not None
    np.testing.assert_array_equal(canvas.current_input(), sample_input)


def test_random_sample_button_loads_a_sample(qtbot, canvas):
    dataset = load_dataset("mnist-sample", "test")
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(canvas.samples.random_button, Qt.MouseButton.LeftButton)
    index = canvas.samples.sample_spin.value()
    np.testing.assert_allclose(blocker.args[0][0, :, :, 0], dataset.images[index] / 255.0,
                               atol=1e-6)


def test_load_button_uses_the_spin_box(qtbot, canvas):
    dataset = load_dataset("mnist-sample", "test")
    canvas.samples.sample_spin.setValue(11)
    with qtbot.waitSignal(canvas.sig_label_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(canvas.samples.load_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == int(dataset.labels[11])
    assert canvas.samples.sample_spin.maximum() == len(dataset) - 1


def test_load_button_reports_an_index_past_the_end(qtbot, canvas):
    canvas.samples.sample_spin.setValue(9999)
    with qtbot.assertNotEmitted(canvas.sig_input_changed):
        qtbot.mouseClick(canvas.samples.load_button, Qt.MouseButton.LeftButton)
    assert "9999" in canvas.message() and "does not exist" in canvas.message()


def test_load_sample_refuses_a_bad_index(canvas):
    with pytest.raises(ValueError, match="Sample index"):
        canvas.load_sample(10**6)
    with pytest.raises(ValueError, match="Sample index"):
        canvas.load_sample(-1)


def test_shapes_mode_samples_the_shapes_dataset(qtbot, canvas):
    with qtbot.waitSignal(canvas.sig_mode_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        canvas.mode_combo.setCurrentIndex(1)
    assert blocker.args[0] == "shapes"
    assert canvas.mode() == "shapes"
    assert canvas.class_names() == tuple(SHAPE_CLASSES)
    assert len(canvas.class_names()) == 3
    dataset = load_dataset("shapes", "test")
    with qtbot.waitSignal(canvas.sig_label_changed, timeout=SIGNAL_TIMEOUT_MS) as labels:
        canvas.load_sample(4)
    np.testing.assert_allclose(canvas.current_input()[0, :, :, 0], dataset.images[4] / 255.0,
                               atol=1e-6)
    assert labels.args[0] == int(dataset.labels[4])
    assert canvas.chart.class_names() == tuple(SHAPE_CLASSES)


def test_set_mode_validates_and_updates_the_combo(canvas):
    canvas.set_mode("shapes")
    assert canvas.mode_combo.currentData() == "shapes"
    canvas.set_mode("digits")
    assert canvas.class_names() == tuple(str(digit) for digit in range(10))
    with pytest.raises(ValueError, match="mode"):
        canvas.set_mode("letters")


def test_dataset_failure_is_a_message(canvas, monkeypatch):
    from cnnviz.core.datasets import DatasetUnavailableError
    from cnnviz.ui.drawing import sample_picker

    def unavailable(name, split):
        raise DatasetUnavailableError(f"{name} is missing")

    monkeypatch.setattr(sample_picker, "load_dataset", unavailable)
    canvas.load_sample(None)
    assert "mnist-sample is missing" in canvas.message()
    assert canvas.current_input() is None


# --- pictures and files ----------------------------------------------------------------------


def write_digit_png(path, size=(200, 150)):
    """A dark '1'-like bar with a foot, on a white background, off centre."""
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(20, 20, 20), 9, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.drawLine(40, 20, 40, 120)
    painter.drawLine(40, 20, 25, 40)
    painter.drawLine(25, 120, 55, 120)
    painter.end()
    assert image.save(str(path))


def test_load_image_file_emits_an_input(qtbot, canvas, tmp_path):
    path = tmp_path / "digit.png"
    write_digit_png(path)
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        assert canvas.load_image_file(str(path)) is True
    model_input = blocker.args[0]
    assert model_input.shape == (1, 28, 28, 1)
    row, column = centre_of_mass(model_input)
    assert abs(row - 14) <= 1.0 and abs(column - 14) <= 1.0
    # Dark ink on white is shown the MNIST way: light ink on a black canvas.
    image = canvas.canvas_image()
    assert image[0, 0] == 0 and image.max() == 255
    assert "digit.png" in canvas.message()


def test_corrupt_file_is_a_message_not_an_exception(qtbot, canvas, tmp_path):
    draw(qtbot, canvas, SEVEN)
    before = canvas.current_input()
    path = tmp_path / "broken-scan.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a picture")
    with qtbot.assertNotEmitted(canvas.sig_input_changed):
        assert canvas.load_image_file(str(path)) is False
    assert "broken-scan.png" in canvas.message()
    assert "broken-scan.png" in canvas.caption.text()
    assert canvas.current_input() is before


def test_missing_file_is_a_message(canvas, tmp_path):
    assert canvas.load_image_file(str(tmp_path / "nowhere.png")) is False
    assert "nowhere.png" in canvas.message()


def test_blank_file_loads_but_says_it_is_blank(qtbot, canvas, tmp_path):
    path = tmp_path / "blank.png"
    image = QImage(50, 50, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    image.save(str(path))
    with qtbot.waitSignal(canvas.sig_input_cleared, timeout=SIGNAL_TIMEOUT_MS):
        assert canvas.load_image_file(str(path)) is True
    assert "blank" in canvas.message()
    assert canvas.current_input() is None


def test_set_image_accepts_rgba_with_a_transparent_background(qtbot, canvas):
    picture = np.zeros((60, 90, 4), np.uint8)
    picture[10:50, 40:48] = (0, 0, 0, 255)  # black ink, transparent elsewhere
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        canvas.set_image(picture, label=1)
    row, column = centre_of_mass(blocker.args[0])
    assert abs(row - 14) <= 1.0 and abs(column - 14) <= 1.0
    assert canvas.label() == 1


def test_set_image_preprocessed_skips_recentring(qtbot, canvas):
    picture = np.zeros((28, 28), np.uint8)
    picture[2:8, 2:8] = 200
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        canvas.set_image(picture, preprocessed=True)
    np.testing.assert_allclose(blocker.args[0][0, :, :, 0], picture / 255.0, atol=1e-6)


def test_set_image_validates(canvas):
    with pytest.raises(ValueError, match="28 x 28"):
        canvas.set_image(np.zeros((30, 30)), preprocessed=True)
    with pytest.raises(ValueError):
        canvas.set_image(np.zeros((5, 5, 2)))
    with pytest.raises(ValueError, match="label"):
        canvas.set_image(np.ones((28, 28)), label=-3)


# --- probabilities --------------------------------------------------------------------------


def test_show_probabilities_sets_bars_and_highlights_the_top_class(canvas):
    probabilities = np.array([0.01, 0.02, 0.05, 0.6, 0.1, 0.02, 0.05, 0.1, 0.03, 0.02])
    canvas.show_probabilities(probabilities)
    np.testing.assert_allclose(canvas.chart.bar_heights(), probabilities)
    colours = canvas.chart.bar_colours()
    assert len(set(colours)) == 2
    assert colours.count(colours[3]) == 1
    assert "3" in canvas.prediction_text() and "60.0 %" in canvas.prediction_text()
    canvas.show_probabilities(probabilities[::-1])
    colours = canvas.chart.bar_colours()
    assert colours.count(colours[6]) == 1 and colours[3] == colours[0]


def test_show_probabilities_with_class_names(canvas):
    canvas.show_probabilities(np.array([[0.2, 0.3, 0.5]]), class_names=SHAPE_CLASSES)
    assert [name for _, name in canvas.chart.tick_labels()] == list(SHAPE_CLASSES)
    assert "circle" in canvas.prediction_text()
    value_axis = 1 if canvas.chart.orientation() == VERTICAL else 0
    low, high = canvas.chart.plot_widget().getPlotItem().vb.viewRange()[value_axis]
    assert low <= 0.0 and 1.0 <= high < 1.2


def test_show_probabilities_validates(canvas):
    with pytest.raises(ValueError, match="class names"):
        canvas.show_probabilities(np.array([0.5, 0.5]), class_names=("a", "b", "c"))
    with pytest.raises(ValueError, match="finite"):
        canvas.show_probabilities(np.array([np.nan, 0.5]))
    with pytest.raises(ValueError):
        canvas.show_probabilities(np.zeros((2, 3)))


def test_open_button_loads_the_chosen_file(qtbot, canvas, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    path = tmp_path / "chosen.png"
    write_digit_png(path)
    offered = {}

    def choose(parent, caption, directory, filters):
        offered["filters"] = filters
        return str(path), filters.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(choose))
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(canvas.open_button, Qt.MouseButton.LeftButton)
    assert "*.png" in offered["filters"] and "*.jpg" in offered["filters"]
    assert "chosen.png" in canvas.message()


# --- the model the panel serves (issue 11, items 6, 9 and 10) ----------------------------------


def choose_mode_with_keys(qtbot, canvas, mode):
    """Give the mode combo the focus and press Down or Up until it shows ``mode``."""
    combo = canvas.mode_combo
    combo.setFocus()
    target = combo.findData(mode)
    assert target >= 0
    while combo.currentIndex() != target:
        key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)
    assert canvas.mode() == mode


def drag(qtbot, widget, points):
    """Press the left button at the first point, move through the rest, release at the last."""
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(*points[0]))
    for point in points[1:]:
        qtbot.mouseMove(widget, QPoint(*point))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(*points[-1]))


def circle_points(centre=(140, 140), radius=90, count=40):
    angles = np.linspace(0.0, 2.0 * np.pi, count)
    return [(int(centre[0] + radius * np.cos(angle)), int(centre[1] + radius * np.sin(angle)))
            for angle in angles]


def test_shapes_drawn_for_a_digit_model_are_flagged_and_the_shapes_model_offered(qtbot, canvas):
    from cnnviz.core.resources import resource_path

    canvas.set_model("mnist-sample", (28, 28, 1))
    assert canvas.notice() == ""
    choose_mode_with_keys(qtbot, canvas, "shapes")
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        drag(qtbot, canvas.surface, circle_points())
    # The digit model's answer, shown as it is, and beside it why it means nothing.
    canvas.show_probabilities(np.eye(10)[0] * 0.99 + 0.001)
    assert canvas.prediction_text().startswith("Prediction: 0")
    notice = canvas.notice()
    assert "trained on digits (mnist-sample)" in notice and "means nothing" in notice
    assert canvas.prediction_view.notice.isVisible()
    button = canvas.notice_button
    assert button.isVisible() and button.text() == "Use the shapes model"
    with qtbot.waitSignal(canvas.sig_model_requested, timeout=SIGNAL_TIMEOUT_MS) as requested:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert requested.args[0] == str(resource_path("shapes_model.npz"))
    assert "shapes_model.npz" in canvas.message()

    canvas.set_model("shapes", (28, 28, 1))  # what the window does once the model is open
    assert canvas.notice() == "" and not canvas.prediction_view.notice.isVisible()
    assert canvas.mode() == "shapes" and canvas.class_names() == tuple(SHAPE_CLASSES)
    assert "shapes_model.npz" not in canvas.message()  # "Opening …" does not outlive the opening


def test_digits_drawn_for_a_shapes_model_offer_the_digits_model(qtbot, canvas):
    from cnnviz.core.resources import resource_path

    canvas.set_model("shapes", (28, 28, 1))
    assert canvas.mode() == "shapes" and canvas.mode_combo.currentData() == "shapes"
    assert canvas.notice() == ""
    choose_mode_with_keys(qtbot, canvas, "digits")
    assert "trained on shapes" in canvas.notice() and "a digit means nothing" in canvas.notice()
    assert canvas.notice_button.text() == "Use the digits model"
    with qtbot.waitSignal(canvas.sig_model_requested, timeout=SIGNAL_TIMEOUT_MS) as requested:
        qtbot.mouseClick(canvas.notice_button, Qt.MouseButton.LeftButton)
    assert requested.args[0] == str(resource_path("reference_model.npz"))
    choose_mode_with_keys(qtbot, canvas, "shapes")  # back to what the model knows
    assert canvas.notice() == ""


def test_a_model_of_unknown_training_data_is_said_to_be_unknown(qtbot, canvas):
    canvas.set_model(None, (28, 28, 1))
    assert "does not say what it was trained on" in canvas.notice()
    assert canvas.notice_button.isVisible() and canvas.notice_button.text() == "Use the digits model"
    choose_mode_with_keys(qtbot, canvas, "shapes")
    assert "a shape may mean nothing" in canvas.notice()
    assert canvas.notice_button.text() == "Use the shapes model"


def test_captions_and_class_names_follow_a_fashion_model(qtbot, canvas):
    from cnnviz.core.datasets import FASHION_MNIST_CLASSES

    canvas.clear()
    with qtbot.waitSignal(canvas.sig_mode_changed, timeout=SIGNAL_TIMEOUT_MS) as changed:
        canvas.set_model("fashion-mnist", (28, 28, 1))
    assert changed.args[0] == "clothing" and canvas.mode_combo.currentText() == "Clothing"
    assert canvas.class_names() == FASHION_MNIST_CLASSES
    assert canvas.chart.class_names() == FASHION_MNIST_CLASSES
    assert "clothing" in canvas.message() and "digit" not in canvas.message()
    assert canvas.notice() == ""
    draw(qtbot, canvas, SEVEN)
    assert "Fashion-MNIST" in canvas.message()
    choose_mode_with_keys(qtbot, canvas, "digits")
    assert "trained on clothing (fashion-mnist)" in canvas.notice()
    choose_mode_with_keys(qtbot, canvas, "shapes")
    assert "trained on clothing (fashion-mnist)" in canvas.notice()


def test_the_input_takes_the_models_shape(qtbot, canvas):
    """A colour, non-square model gets colour, non-square inputs from drawings and samples."""
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        drag(qtbot, canvas.surface, [(140, 40), (140, 240)])
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as reshaped:
        canvas.set_model(None, (32, 24, 3))
    assert reshaped.args[0].shape == (1, 32, 24, 3)
    canvas.clear()
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as drawn:
        drag(qtbot, canvas.surface, [(60, 140), (220, 140)])  # a horizontal bar
    model_input = drawn.args[0]
    assert model_input.shape == (1, 32, 24, 3) and model_input.dtype == np.float32
    np.testing.assert_array_equal(model_input[..., 0], model_input[..., 2])
    rows, columns = np.nonzero(model_input[0, :, :, 0] > 0.5)
    assert columns.max() - columns.min() > rows.max() - rows.min()  # still a horizontal bar
    assert abs(rows.mean() - 15.5) <= 1.5 and abs(columns.mean() - 11.5) <= 1.5
    assert canvas.input_shape() == (32, 24, 3)
    assert canvas.prediction_view.preview_title() == "Input 32×24×3"
    assert canvas.prediction_view.preview_pixels().shape == (32, 24)
    assert "32×24×3" in canvas.message()
    canvas.samples.sample_spin.setFocus()
    canvas.samples.sample_spin.selectAll()
    qtbot.keyClicks(canvas.samples.sample_spin, "5")
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as sampled:
        qtbot.mouseClick(canvas.samples.load_button, Qt.MouseButton.LeftButton)
    assert sampled.args[0].shape == (1, 32, 24, 3)
    assert "scaled from 28×28 to 32×24" in canvas.message()
    with pytest.raises(ValueError, match="32 x 24"):
        canvas.set_image(np.zeros((28, 28)), preprocessed=True)
    with pytest.raises(ValueError, match="input_shape"):
        canvas.set_model("mnist", (28, 0, 1))


@pytest.fixture
def free_canvas(qtbot):
    """A canvas whose surface takes what the layout gives it, in a panel of fixed size."""
    widget = DrawingCanvas()
    qtbot.addWidget(widget)
    widget.setFixedSize(330, 640)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_long_caption_moves_nothing(qtbot, free_canvas, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    canvas = free_canvas
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        drag(qtbot, canvas.surface, SEVEN)
    QApplication.processEvents()
    surface_before = canvas.surface_size()
    minimum_before = canvas.minimumSizeHint()
    path = tmp_path / ("a-scan-of-my-handwritten-seven-from-the-evening-class-on-convolutional-"
                       "networks-second-attempt-with-a-thicker-pen.png")
    write_digit_png(path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *args: (str(path), "")))
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(canvas.open_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert path.name in canvas.message()
    assert canvas.message_is_elided()
    assert canvas.caption.toolTip() == canvas.message()
    assert canvas.surface_size() == surface_before
    # A long prediction (a Fashion-MNIST class) does not widen the panel either.
    canvas.show_probabilities(np.linspace(0.0, 1.0, 10), class_names=("T-shirt/top",) * 9 + (
        "Ankle boot of a remarkably long and descriptive class name",))
    QApplication.processEvents()
    assert canvas.minimumSizeHint().width() == minimum_before.width()
    assert canvas.surface_size() == surface_before


def test_the_notice_moves_nothing(qtbot, free_canvas):
    canvas = free_canvas
    canvas.set_model("mnist-sample", (28, 28, 1))
    QApplication.processEvents()
    surface_before, chart_before = canvas.surface_size(), canvas.chart.size()
    choose_mode_with_keys(qtbot, canvas, "shapes")
    QApplication.processEvents()
    assert canvas.notice()
    assert canvas.surface_size() == surface_before and canvas.chart.size() == chart_before
    assert not canvas.prediction_view.notice.is_elided()  # the whole notice is readable


def label_extents(chart):
    """Pixel extents of the class labels along the class axis, in axis order."""
    from PySide6.QtGui import QFontMetrics

    metrics = QFontMetrics(chart.label_font())
    view = chart.plot_widget().getPlotItem().getViewBox()
    extents = []
    for index, text in chart.tick_labels():
        if chart.orientation() == VERTICAL:
            centre = view.mapViewToScene(QPointF(index, 0.5)).x()
            half = metrics.horizontalAdvance(text) / 2
        else:
            centre = view.mapViewToScene(QPointF(0.5, index)).y()
            half = metrics.height() / 2
        extents.append((centre - half, centre + half))
    return sorted(extents)


@pytest.mark.parametrize("names", [
    tuple(str(digit) for digit in range(10)),
    tuple(SHAPE_CLASSES),
    ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
     "Ankle boot"),
    tuple(f"category number {index}" for index in range(40)),
], ids=["digits", "shapes", "fashion", "forty-long-names"])
def test_class_labels_never_overlap(qtbot, free_canvas, names):
    canvas = free_canvas
    values = np.linspace(0.1, 0.9, len(names))
    canvas.show_probabilities(values / values.sum(), class_names=names)
    QApplication.processEvents()
    labels = canvas.chart.tick_labels()
    assert labels
    extents = label_extents(canvas.chart)
    for (_, end), (start, _) in zip(extents, extents[1:]):
        assert end <= start
    texts = [text for _, text in labels]
    assert len(set(texts)) == len(texts)  # no two classes look alike
    if len(names) <= 10:
        assert [index for index, _ in labels] == list(range(len(names)))  # a handful: every one labelled
    if texts != list(names):
        assert "Classes: 0 " in canvas.chart.tooltip_text()  # which label is which class
    # Whatever is elided or left out, hovering tells the whole name.
    assert canvas.chart.describe_bar(len(names) - 1).startswith(names[-1] + ":")


def test_hovering_a_bar_tells_its_class_and_probability(qtbot, free_canvas):
    canvas = free_canvas
    canvas.show_probabilities(np.array([0.1, 0.2, 0.7]), class_names=tuple(SHAPE_CLASSES))
    QApplication.processEvents()
    plot = canvas.chart.plot_widget()
    view = plot.getPlotItem().getViewBox()
    point = QPointF(0.35, 2) if canvas.chart.orientation() != VERTICAL else QPointF(2, 0.35)
    position = plot.mapFromScene(view.mapViewToScene(point))
    qtbot.mouseMove(plot.viewport(), position)
    qtbot.waitUntil(lambda: canvas.chart.tooltip_text() == "circle: 70.0 %", timeout=SIGNAL_TIMEOUT_MS)
