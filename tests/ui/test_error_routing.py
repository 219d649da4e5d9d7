"""Service errors reach the panel of the job they belong to (routed by the job's kind, not its title)."""

import pytest
from PySide6.QtCore import QSettings, Qt

from cnnviz.core.config import reference_config
from cnnviz.service import payloads as p
from cnnviz.service.model_service import ModelService
from cnnviz.ui.main_window import MainWindow
from tests.ui.person import build_discarding_weights

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


def start_training(qtbot, window):
    panel = window.config_panel
    panel.set_config(reference_config().with_training(batch_size=8, epochs=3))
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        build_discarding_weights(qtbot, window)
    qtbot.waitUntil(lambda: panel.train_button.isEnabled(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.service.sig_training_progress, timeout=TIMEOUT):
        qtbot.mouseClick(panel.train_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.stop_button.isEnabled(), timeout=TIMEOUT)


def stop_training(qtbot, window):
    with qtbot.waitSignal(window.service.sig_training_finished, timeout=TIMEOUT):
        qtbot.mouseClick(window.config_panel.stop_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.service.state == p.IDLE, timeout=TIMEOUT)


def test_jobs_refused_while_training_free_the_panel_that_asked(qtbot, window):
    """Run an experiment and evaluate while training runs: each panel says why, and is usable again."""
    start_training(qtbot, window)
    experiments = window.experiments_panel
    window.show_tab(experiments)
    with qtbot.waitSignal(window.service.sig_error_raised, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(experiments.run_button, Qt.LeftButton)
    assert blocker.args[0].kind is p.JobKind.EXPERIMENT
    qtbot.waitUntil(lambda: not experiments.is_busy(), timeout=TIMEOUT)
    assert experiments.status_is_error() and "Stop training first" in experiments.status_text()
    assert experiments.run_button.isEnabled()
    assert window.error_dialog.windowTitle() == "Training is running"
    window.error_dialog.close()

    evaluation = window.evaluation_panel
    window.show_tab(evaluation)
    with qtbot.waitSignal(window.service.sig_error_raised, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(evaluation.evaluate_button, Qt.LeftButton)
    assert blocker.args[0].kind is p.JobKind.EVALUATE
    qtbot.waitUntil(lambda: "Stop training first" in evaluation.accuracy_label.text(), timeout=TIMEOUT)
    window.error_dialog.close()
    stop_training(qtbot, window)
