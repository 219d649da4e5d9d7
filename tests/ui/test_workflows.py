"""Experiments, evaluation and history driven through the window, with the data behind them checked."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from cnnviz.service import payloads as p
from cnnviz.service.model_service import ModelService
from cnnviz.ui.main_window import MainWindow
from tests.ui.person import build_discarding_weights

TIMEOUT = 60_000


@pytest.fixture
def window(qtbot, tmp_path):
    service = ModelService()  # runs go to $CNNVIZ_HOME/runs, which the tests point at a temporary folder
    window = MainWindow(service, settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        pass
    yield window
    window.quit_now()


def test_an_experiment_runs_from_the_panel_and_fills_its_table(qtbot, window):
    panel = window.experiments_panel
    window.show_tab(panel)
    panel.set_preset("learning rate")
    panel.set_engine("numpy")
    panel.epochs_spin.setValue(1)
    panel.subset_spin.setValue(256)
    with qtbot.waitSignal(window.service.sig_experiment_finished, timeout=TIMEOUT) as blocker:
        panel.run_experiment()
    finished = blocker.args[0]
    assert not finished.cancelled and len(finished.outcomes) == 3
    qtbot.waitUntil(lambda: len(panel.outcomes()) == 3, timeout=TIMEOUT)
    assert [outcome.run.settings["training.learning_rate"] for outcome in panel.outcomes()] == [0.005, 0.05, 0.7]
    rows = panel.table_rows()
    assert len(rows) == 3
    for index, outcome in enumerate(panel.outcomes()):
        x, y = panel.curve_data(index)
        finite = [loss for loss in outcome.losses if np.isfinite(loss)]
        assert len(y) == len(finite) and np.allclose(y, finite)


def test_a_confusion_matrix_click_browses_its_examples_and_loads_one(qtbot, window):
    panel = window.evaluation_panel
    window.show_tab(panel)
    with qtbot.waitSignal(window.service.sig_evaluation_finished, timeout=TIMEOUT) as blocker:
        panel.sig_evaluate_requested.emit()
    evaluation = blocker.args[0]
    assert evaluation.confusion.sum() == 2000
    true_class, predicted = np.unravel_index(np.argmax(evaluation.confusion - np.diag(np.diag(evaluation.confusion))),
                                             evaluation.confusion.shape)
    panel.select_cell(int(true_class), int(predicted))
    expected = evaluation.cell(int(true_class), int(predicted))
    assert list(panel.gallery_indices()) == list(expected[:200])
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT) as shown:
        panel.choose_example(0)
    result = shown.args[0]
    np.testing.assert_allclose(result.image, evaluation.images[expected[0]][None], atol=1e-6)
    assert int(np.argmax(result.probabilities)) == int(predicted)  # the model's mistake, shown in every view
    # The user stays on the Evaluation tab (issue 11, item 10); Show in viewers takes them to the viewers.
    assert window.current_view() is panel and window.inspection.label() == int(true_class)


def test_history_replays_a_run_epoch_by_epoch(qtbot, window):
    from cnnviz.core.config import reference_config

    panel = window.config_panel
    panel.set_config(reference_config().with_training(train_subset=256, batch_size=64, epochs=2,
                                                      validation_split=0.0))
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        build_discarding_weights(qtbot, window)
    qtbot.waitUntil(lambda: panel.train_button.isEnabled(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=TIMEOUT):
        panel.train_button.click()
    history = window.history_panel
    window.show_tab(history)
    qtbot.waitUntil(lambda: len(history.runs()) == 1, timeout=TIMEOUT)
    history.select_run(0)
    with qtbot.waitSignal(window.service.sig_replay_finished, timeout=TIMEOUT) as blocker:
        history.set_epoch(0)
    replay = blocker.args[0]
    assert replay.epoch == 0
    kernels = history.runs()[0].kernels_at(0)
    np.testing.assert_array_equal(replay.inspection.kernels["conv2d"], kernels["conv2d"])
    np.testing.assert_allclose(replay.inspection.image, window.canvas.current_input())
    qtbot.waitUntil(lambda: history.replay_shown() is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(window.service.sig_replay_finished, timeout=TIMEOUT) as blocker:
        history.set_epoch(1)
    assert blocker.args[0].epoch == 1
    assert not np.array_equal(blocker.args[0].inspection.kernels["conv2d"], kernels["conv2d"])
    assert window.service.state == p.IDLE or window.service.state == p.BUSY


def test_science_tab_symmetry_and_dead_filters_through_the_window(qtbot, window, tmp_path):
    science = window.science_panel
    window.show_tab(science)
    with qtbot.waitSignal(window.service.sig_science_finished, timeout=TIMEOUT) as blocker:
        science.sig_science_requested.emit("symmetry", {"layer": "dense", "transform": "sign_flip", "samples": 100})
    result = blocker.args[0]
    assert result.kind == "symmetry" and not result.value.is_symmetry  # relu: sign flips change the function
    marked = []
    science.sig_filters_marked.connect(lambda layer, indices: marked.append((layer, tuple(indices))))
    with qtbot.waitSignal(window.service.sig_science_finished, timeout=TIMEOUT) as blocker:
        science.sig_science_requested.emit("dead_filters", {"layer": "dense", "samples": 200})
    dead = blocker.args[0].value.report("dense").dead
    assert len(dead) > 0
    qtbot.waitUntil(lambda: any(layer == "dense" for layer, _ in marked), timeout=TIMEOUT)
    before = window.last_result().request_id
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT) as shown:
        science.sig_science_requested.emit("prune", {"filters": {"dense": list(dead)}, "keep": True})
    pruned = shown.args[0]
    assert pruned.request_id > before
    # The model the service holds now is pruned: save it and read its weights back.
    with qtbot.waitSignal(window.service.sig_model_saved, timeout=TIMEOUT) as saved:
        window.service.save(tmp_path / "pruned.npz")
    from cnnviz.engines.numpy_engine import NumpyEngine
    kernel = NumpyEngine.load(saved.args[0]).get_weights()["dense"]["kernel"]
    assert np.all(kernel[:, list(dead)] == 0) and np.any(kernel != 0)
