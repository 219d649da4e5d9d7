"""Runs that another tool wrote (a TensorBoard log read by cnnviz import tensorboard: history only, no
configuration or checkpoint) are listed by History and can be selected and compared."""

from PySide6.QtCore import Qt

from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.runs import RunDirectory
from cnnviz.ui.history.panel import HistoryPanel


def write_history_only_run(path) -> None:
    run = RunDirectory(path, command="test")
    run.steps = [StepResult(0, batch, 4, 1.0 - 0.1 * batch, 0.5, batch + 1, 0.0, 0.001) for batch in range(4)]
    run.epochs = [EpochResult(epoch, 2, 0.9 - 0.2 * epoch, 0.6, 0.95, 0.55, 0, 0.0) for epoch in range(2)]
    run.flush()
    run.update_info(engine="tensorboard", dataset="logs", status="finished", epochs_completed=2)
    run.close()


def test_a_history_only_run_is_listed_and_selectable(qtbot, tmp_path):
    write_history_only_run(tmp_path / "runs" / "20250101-090000-tensorboard-logs")
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 650)
    panel.set_runs_root(tmp_path / "runs")
    panel.show()
    qtbot.waitExposed(panel)
    assert [run.name for run in panel.runs()] == ["20250101-090000-tensorboard-logs"]
    table = panel.run_table
    assert table.item(0, 1).text() == "tensorboard"
    rect = table.visualItemRect(table.item(0, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.wait(50)
    assert table.currentRow() == 0
    details = panel.details_label.text()
    assert "tensorboard engine" in details and "Last epoch (2): loss 0.7000" in details
