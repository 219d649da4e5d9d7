"""History's Resume: offered for runs that can continue, asked for with the total epochs typed in;
a run whose writer died shows as interrupted."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cnnviz.core.config import reference_config
from cnnviz.core.runs import RunDirectory
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.registry import create_engine
from cnnviz.service.runner import train_run
from cnnviz.ui.history.panel import HistoryPanel


@pytest.fixture
def runs(tmp_path):
    """Three runs of one epoch: ended, killed (says running, lock free), and one still being written."""
    config = reference_config().with_training(train_subset=64, batch_size=32, epochs=1, validation_split=0.0)
    data = prepare_training_data(config.training)
    folders = {}
    for name in ("20250101-100000-numpy-mnist-sample", "20250101-110000-numpy-mnist-sample",
                 "20250101-120000-numpy-mnist-sample"):
        run = RunDirectory(tmp_path / name)
        list(train_run(create_engine("numpy", config), data, run, epochs=1, batch_size=32, seed=0))
        folders[name] = run
    ended, killed, writing = folders.values()
    ended.close(status="stopped")
    killed.lock.release()  # what the system does to a killed process's lock; run.json says running
    yield tmp_path, ended, killed, writing
    writing.close()


def click_row(qtbot, panel, row):
    table = panel.run_table
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(table.item(row, 0)).center())
    QApplication.processEvents()


def test_resume_is_offered_for_ended_and_killed_runs_only_and_asks_for_the_typed_total(qtbot, runs):
    root, ended, killed, writing = runs
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 650)
    panel.set_runs_root(root)
    statuses = [panel.run_table.item(row, 3).text() for row in range(3)]
    assert statuses == ["running", "interrupted", "stopped"]  # newest first

    click_row(qtbot, panel, 0)
    assert not panel.resume_button.isEnabled() and "being written now" in panel.resume_button.toolTip()

    click_row(qtbot, panel, 1)
    assert panel.resume_button.isEnabled() and panel.resume_epochs_spin.value() == 2
    spin = panel.resume_epochs_spin
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "5")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Enter)
    assert spin.value() == 5
    with qtbot.waitSignal(panel.sig_resume_requested, timeout=2000) as requested:
        qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    assert requested.args == [str(killed.path), 5]

    click_row(qtbot, panel, 2)
    assert panel.resume_button.isEnabled() and "stopped, 1 epoch" in panel.resume_button.toolTip()


def test_a_diverged_run_is_not_offered_for_resume_and_the_reason_says_what_to_do(qtbot, tmp_path):
    config = reference_config().with_training(train_subset=64, batch_size=32, epochs=1, validation_split=0.0)
    run = RunDirectory(tmp_path / "20250101-100000-numpy-mnist-sample")
    list(train_run(create_engine("numpy", config), prepare_training_data(config.training), run, epochs=1,
                   batch_size=32, seed=0))
    run.close(status="diverged")
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 650)
    panel.set_runs_root(tmp_path)
    click_row(qtbot, panel, 0)
    assert panel.run_table.item(0, 3).text() == "diverged"
    assert not panel.resume_button.isEnabled() and not panel.resume_epochs_spin.isEnabled()
    assert "diverged" in panel.resume_button.toolTip() and "smaller learning rate" in panel.resume_button.toolTip()
