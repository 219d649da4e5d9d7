"""The History tab's replay page: kernels and their spectra after each epoch, driven as a person does."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnnviz.core import config as cfg
from cnnviz.core.runs import RunDirectory, RunInfo
from cnnviz.core.spectra import magnitude_spectrum
from cnnviz.ui.history.replay_view import REPLAY_DELAY_MS, ReplayView
from tests.ui.history.run_folders import RUNS, replay_of
from tests.ui.person import choose, type_value

COLOUR_CONFIG = cfg.ModelConfig(
    input_shape=(20, 24, 3),
    layers=(cfg.Conv2D(filters=6, kernel_size=(3, 3), activation="relu"),
            cfg.Conv2D(filters=4, kernel_size=(5, 3), activation="relu"),
            cfg.Flatten(), cfg.Dense(units=3, activation="softmax")))
"""A colour, non-square model whose second convolution has six input channels and 5×3 kernels."""


@pytest.fixture
def view(qtbot):
    widget = ReplayView()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture(scope="module")
def colour_run(tmp_path_factory):
    """A run folder of :data:`COLOUR_CONFIG` with kernel snapshots before training and after two epochs
    (the checkpoints are only named: the replay page never loads weights itself)."""
    run = RunDirectory(tmp_path_factory.mktemp("colour") / "20250103-090000-numpy-colour")
    run.write_config(COLOUR_CONFIG)
    rng = np.random.default_rng(5)
    for epoch in (-1, 0, 1):
        run.save_kernels(epoch, {"conv2d": rng.normal(size=(3, 3, 3, 6)).astype(np.float32),
                                 "conv2d_1": rng.normal(size=(5, 3, 6, 4)).astype(np.float32)})
        (run.path / "checkpoints").mkdir(exist_ok=True)
        (run.path / "checkpoints" / f"epoch-{epoch + 1:04d}.npz").write_bytes(b"")
    return RunInfo(run.path)


def test_kernel_spectra_are_the_ones_the_worker_made(view, runs_root, monkeypatch):
    run = RunInfo(runs_root / RUNS[0][0])
    last = run.num_epochs - 1
    replay = replay_of(run, last)  # the worker transforms the epoch's kernels with its inspection
    transforms = []
    real_rfft2 = np.fft.rfft2

    def counted_rfft2(*args, **kwargs):
        transforms.append(args[0].shape)
        return real_rfft2(*args, **kwargs)

    monkeypatch.setattr(np.fft, "rfft2", counted_rfft2)
    view.set_run(run)  # shows the last epoch at once

    assert view.epoch() == last and view.spectrum_page.shows_grid()
    worker_spectra = replay.inspection.spectra.kernel_spectra("conv2d").spectra
    np.testing.assert_array_equal(view.spectrum_page.grid.images(), worker_spectra)
    assert transforms == []  # the view drew the worker's spectra; it transformed nothing itself


def test_the_arrow_keys_move_through_the_epochs_and_ask_for_maps_once_they_rest(view, runs_root, qtbot):
    run = RunInfo(runs_root / RUNS[1][0])
    requests = []
    view.sig_replay_requested.connect(lambda path, epoch: requests.append((path, epoch)))
    view.set_run(run)
    qtbot.waitUntil(lambda: requests == [(str(run.path), 2)], timeout=REPLAY_DELAY_MS + 2000)
    requests.clear()

    view.epoch_slider.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.keyClick(view.epoch_slider, Qt.Key.Key_Left)
    qtbot.keyClick(view.epoch_slider, Qt.Key.Key_Left)
    assert view.epoch() == 0 and view.epoch_label.text() == "epoch 1 of 3"
    np.testing.assert_array_equal(view.kernel_page.grid.images(),
                                  np.moveaxis(run.kernels_at(0)["conv2d"][:, :, 0, :], -1, 0))
    assert requests == []  # debounced: nothing asked while the keys are pressed
    qtbot.waitUntil(lambda: len(requests) == 1, timeout=REPLAY_DELAY_MS + 2000)
    assert requests == [(str(run.path), 0)]

    qtbot.keyClick(view.epoch_slider, Qt.Key.Key_Home)  # the first position: the weights before training
    assert view.epoch() == -1 and view.epoch_label.text() == "before training"


def test_a_colour_model_s_second_layer_shows_the_input_channel_typed(view, colour_run, qtbot):
    view.set_run(colour_run)
    assert view.layer() == "conv2d" and view.layer_combo.isEnabled()
    assert view.channel_spin.isVisible() and view.channel_spin.maximum() == 2  # three colour channels

    choose(qtbot, view.layer_combo, "conv2d_1")
    assert view.layer() == "conv2d_1" and view.channel_spin.maximum() == 5
    type_value(qtbot, view.channel_spin, "4")
    assert view.channel_spin.value() == 4

    kernel = colour_run.kernels_at(1)["conv2d_1"]
    np.testing.assert_array_equal(view.kernel_page.grid.images(), np.moveaxis(kernel[:, :, 4, :], -1, 0))
    assert view.kernel_page.grid.images().shape == (4, 5, 3)
    np.testing.assert_allclose(view.spectrum_page.grid.images(),
                               np.moveaxis(magnitude_spectrum(kernel[:, :, 4, :], size=32), -1, 0), rtol=1e-5)
    assert "input channel 4" in view.kernel_page.grid.title()
    assert "padded to 32×32, input channel 4" in view.spectrum_page.grid.title()
