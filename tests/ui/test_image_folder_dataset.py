"""Dataset ▸ Image folder…: a folder of pictures read off the interface thread becomes the training dataset,
and its class names reach the window and evaluation; a folder that cannot be used says why."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog

import cnnviz.imaging
from cnnviz.core.config import Dense
from cnnviz.core.datasets import image_decoding
from cnnviz.service.model_service import ModelService
from cnnviz.ui.main_window import MainWindow
from tests.core.datasets.image_folders import write_image_folder

TIMEOUT = 60_000


@pytest.fixture
def window(qtbot, tmp_path):
    service = ModelService()
    window = MainWindow(service, settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        pass
    yield window
    window.quit_now()
    image_decoding.register_image_decoder(None)


def choose_folder_from_the_menu(window, monkeypatch, path) -> None:
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *args, **kwargs: str(path)))
    menu = next(action.menu() for action in window.menuBar().actions() if action.text() == "&Dataset")
    action = next(action for action in menu.actions() if action.text() == "Image &folder…")
    action.trigger()


def test_a_chosen_folder_is_read_off_the_interface_thread_and_becomes_the_dataset(qtbot, window, monkeypatch,
                                                                                 tmp_path):
    folder = write_image_folder(tmp_path / "pictures")
    threads = []

    def watching_decoder(path, fit_within):
        threads.append(threading.current_thread())
        return decode(path, fit_within)

    decode = cnnviz.imaging.decode_picture
    monkeypatch.setattr(cnnviz.imaging, "decode_picture", watching_decoder)
    choose_folder_from_the_menu(window, monkeypatch, folder)
    qtbot.waitUntil(lambda: window.image_folders.last_summary is not None, timeout=TIMEOUT)
    assert threads and threading.main_thread() not in threads

    panel = window.config_panel
    assert panel.config().training.dataset == str(folder)
    assert panel.dataset_combo.currentText() == f"folder: {folder}"
    status = window.statusBar().currentMessage()
    assert "3 classes, 18 pictures: circles (6), squares (5), triangles (7)" in status
    assert "Read at 28x28 grey (the model's input shape), scaled to fit preserving aspect ratio" in status
    assert "2 file(s) could not be read and are skipped" in status
    assert "The output layer has 10 units: set it to 3" in status

    # A model with one output per class: its classes are named after the sub-folders, in evaluation too.
    config = panel.config()
    last = config.layers[-1]
    panel.set_config(config.with_layers([*config.layers[:-1], Dense(units=3, activation=last.activation)]))
    assert panel.problems() == []
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        window.service.build(panel.config(), "numpy")  # the button would first ask to discard the trained model
    qtbot.waitUntil(lambda: window.class_names() == ("circles", "squares", "triangles"), timeout=TIMEOUT)
    with qtbot.waitSignal(window.service.sig_evaluation_finished, timeout=TIMEOUT) as blocker:
        window.service.evaluate()
    evaluation = blocker.args[0]
    assert tuple(evaluation.class_names) == ("circles", "squares", "triangles")
    assert np.asarray(evaluation.confusion).sum() == 3  # one test picture per class


def test_a_folder_with_one_class_is_refused_with_the_reason(qtbot, window, monkeypatch, tmp_path):
    folder = write_image_folder(tmp_path / "one", {"circles": 3}, junk=False)
    before = window.config_panel.config().training.dataset
    choose_folder_from_the_menu(window, monkeypatch, folder)
    qtbot.waitUntil(lambda: getattr(window, "error_dialog", None) is not None and window.error_dialog.isVisible(),
                    timeout=TIMEOUT)
    assert window.error_dialog.windowTitle() == "Cannot use this image folder"
    assert "a dataset needs at least two" in window.error_dialog.text()
    assert window.config_panel.config().training.dataset == before
    window.error_dialog.close()
