"""Tests of opening picture files: the dialog, pictures centred, corrupt, missing and blank files."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFileDialog

from tests.ui.drawing.helpers import SEVEN, SIGNAL_TIMEOUT_MS, centre_of_mass, draw, write_digit_png


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


def test_open_button_loads_the_chosen_file(qtbot, canvas, tmp_path, monkeypatch):
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


def test_a_picture_declaring_a_gigantic_size_is_refused_before_it_is_decoded(canvas, tmp_path):
    from tests.bombs import PEAK_LIMIT_MB, png_header, python_measured

    path = tmp_path / "huge.png"
    path.write_bytes(png_header(100_000, 100_000))
    assert canvas.load_image_file(str(path)) is False
    assert "declares a picture of 100,000×100,000 pixels" in canvas.message()
    status, stdout, stderr, peak = python_measured(
        "import sys\nfrom cnnviz.ui.images import read_image_file\n"
        "try:\n    read_image_file(sys.argv[1])\nexcept ValueError as error:\n    print(error)\n", str(path))
    assert status == 0 and "100,000×100,000" in stdout, stderr
    assert peak < PEAK_LIMIT_MB


def test_an_opened_picture_says_how_its_colours_reached_the_model(qtbot, canvas, tmp_path):
    path = tmp_path / "red-digit.png"
    image = QImage(60, 60, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    for row in range(10, 50):
        for column in range(25, 35):
            image.setPixelColor(column, row, QColor("red"))
    image.save(str(path))
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS):
        assert canvas.load_image_file(str(path)) is True
    assert "converted from colour to grey (ITU-R BT.601 luminance" in canvas.message()
    canvas.set_model("mnist-sample", (32, 24, 3))
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        assert canvas.load_image_file(str(path)) is True
    model_input = blocker.args[0]
    assert model_input.shape == (1, 32, 24, 3)
    assert "colours kept" in canvas.message() and "to grey" not in canvas.message()
    # The red bar on white reaches the colour model red on white, not as a grey repeated three times.
    red = model_input[0, 16, 12]
    assert red[0] > 0.8 and red[1] < 0.2 and red[2] < 0.2
    white = model_input[0, 16, 8]
    assert white.min() > 0.8
