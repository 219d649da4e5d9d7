"""History's watched folders and live runs: folders added and removed as a person does, a run that
another process writes appears and grows (with the file-system watcher, and by polling alone)."""

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from cnnviz.ui.history.panel import HistoryPanel
from tests.core.test_run_watch import write_run

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT = 20_000


def start_writer(run: Path, epochs: int = 4, interval: float = 0.4, delay: float = 0.0) -> subprocess.Popen:
    """Another process writing ``run`` one epoch every ``interval`` seconds."""
    return subprocess.Popen([sys.executable, "-m", "cnnviz.bench.live_writer", str(run), "--epochs", str(epochs),
                             "--interval", str(interval), "--batches", "3", "--steps-midway",
                             "--start-delay", str(delay)], cwd=ROOT, stdout=subprocess.PIPE, text=True)


def make_panel(qtbot, root: Path, **options) -> HistoryPanel:
    panel = HistoryPanel(**options)
    qtbot.addWidget(panel)
    panel.resize(1000, 650)
    panel.set_runs_root(root)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def add_folder_by_hand(qtbot, panel, folder, monkeypatch):
    """Click Add folder… and choose ``folder`` in the dialog."""
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(folder))
    qtbot.mouseClick(panel.add_folder_button, Qt.MouseButton.LeftButton)


def epochs_shown(panel, name):
    table = panel.run_table
    rows = [row for row in range(table.rowCount()) if name in table.item(row, 0).toolTip()]
    return int(table.item(rows[0], 4).text()) if rows else None


@pytest.fixture
def writer_cleanup():
    processes = []
    yield processes
    for process in processes:
        process.kill()
        process.wait()


def test_runs_of_an_added_folder_are_listed_and_go_with_it(qtbot, tmp_path, monkeypatch):
    own = write_run(tmp_path / "runs" / "20250101-100000-numpy-mnist", status="finished")
    other = write_run(tmp_path / "cluster" / "20250105-100000-keras-shapes", epochs=3, status="finished")
    panel = make_panel(qtbot, tmp_path / "runs")
    assert [run.path for run in panel.runs()] == [own] and panel.run_table.columnCount() == 6

    add_folder_by_hand(qtbot, panel, tmp_path / "cluster", monkeypatch)
    assert [run.path for run in panel.runs()] == [other, own]
    table = panel.run_table
    assert table.horizontalHeaderItem(6).text() == "folder"
    assert [table.item(row, 6).text() for row in range(2)] == ["cluster", "runs"]
    assert table.item(0, 4).text() == "3"
    assert "2 folders — 2 runs" in panel.root_label.text()
    assert panel.extra_folders() == [tmp_path / "cluster"]

    # Remove folder offers the added folders (never the runs folder itself); the person picks one.
    qtbot.mouseClick(panel.remove_folder_button, Qt.MouseButton.LeftButton)
    menu = panel.remove_folder_menu
    qtbot.waitUntil(menu.isVisible)
    assert [action.text() for action in menu.actions()] == [str(tmp_path / "cluster")]
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(menu.actions()[0]).center())
    assert not panel.remove_folder_button.isEnabled()
    assert [run.path for run in panel.runs()] == [own] and panel.extra_folders() == []
    assert table.columnCount() == 6 and other.is_dir()  # its files stay


@pytest.mark.parametrize("use_file_watcher", [True, False], ids=["watching", "polling-only"])
def test_a_run_another_process_writes_appears_and_grows(qtbot, tmp_path, monkeypatch, writer_cleanup,
                                                        use_file_watcher):
    (tmp_path / "runs").mkdir()
    (tmp_path / "shared").mkdir()
    # Watching: a poll too rare to matter, so what is seen comes from the watcher's reports.
    panel = make_panel(qtbot, tmp_path / "runs", use_file_watcher=use_file_watcher,
                       poll_ms=60_000 if use_file_watcher else 300)
    add_folder_by_hand(qtbot, panel, tmp_path / "shared", monkeypatch)
    assert panel.watcher.uses_file_watcher() is use_file_watcher and panel.watcher.polling()
    if use_file_watcher:
        qtbot.waitUntil(lambda: str(tmp_path / "shared") in panel.watcher.watched_paths(), timeout=TIMEOUT)
    run = tmp_path / "shared" / "20250110-120000-numpy-live"
    writer = start_writer(run, epochs=4, interval=0.5, delay=0.3)
    writer_cleanup.append(writer)

    qtbot.waitUntil(lambda: epochs_shown(panel, run.name) is not None, timeout=TIMEOUT)
    seen = {epochs_shown(panel, run.name)}
    qtbot.waitUntil(lambda: seen.add(epochs_shown(panel, run.name)) or epochs_shown(panel, run.name) == 4,
                    timeout=TIMEOUT)
    assert len(seen) >= 2  # it grew while written, not only once finished
    qtbot.waitUntil(lambda: panel.runs()[0].status == "finished", timeout=TIMEOUT)
    assert writer.wait(timeout=10) == 0


def test_the_selected_live_run_grows_in_place(qtbot, tmp_path, writer_cleanup):
    run = tmp_path / "runs" / "20250110-120000-numpy-live"
    writer = start_writer(run, epochs=3, interval=0.6)
    writer_cleanup.append(writer)
    qtbot.waitUntil(lambda: (run / "run.json").is_file(), timeout=TIMEOUT)
    panel = make_panel(qtbot, tmp_path / "runs", poll_ms=300)
    table = panel.run_table
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualItemRect(table.item(0, 0)).center())
    assert panel.selected_run().path == run
    assert panel.follow_button.isEnabled()
    qtbot.waitUntil(lambda: panel.selected_run().num_epochs == 3, timeout=TIMEOUT)
    assert table.currentRow() == 0 and table.item(0, 4).text() == "3"
    assert panel.epoch_slider.maximum() == 3  # the replay reaches the newest epoch
    assert "Last epoch (3)" in panel.details_label.text()


# -- in the window: following a run in the training monitor, opening its checkpoint, remembered folders --
OPENED = []


def window_opener_again(qtbot, tmp_path):
    """A window as the person opens it, with the settings file of ``tmp_path`` (closed after the test)."""
    from PySide6.QtCore import QSettings

    from cnnviz.service.model_service import ModelService
    from cnnviz.ui.main_window import MainWindow

    service = ModelService(run_root=tmp_path / "runs")
    window = MainWindow(service, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat),
                        load_default_model=False, track_session=False)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    OPENED.append(window)
    return window


@pytest.fixture
def window(qtbot, tmp_path):
    yield lambda: window_opener_again(qtbot, tmp_path)
    while OPENED:
        OPENED.pop().quit_now()


def select_row(qtbot, panel, name):
    table = panel.run_table
    row = next(row for row in range(table.rowCount()) if name in table.item(row, 0).toolTip())
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(table.item(row, 0)).center())
    assert panel.selected_run().name == name


def test_the_monitor_follows_a_run_another_process_writes(qtbot, tmp_path, window, monkeypatch, writer_cleanup):
    window = window()
    panel, monitor = window.history_panel, window.monitor
    window.show_tab(panel)
    run = tmp_path / "shared" / "20250110-120000-numpy-live"
    writer = start_writer(run, epochs=6, interval=0.8)
    writer_cleanup.append(writer)
    qtbot.waitUntil(lambda: (run / "run.json").is_file(), timeout=TIMEOUT)
    add_folder_by_hand(qtbot, panel, tmp_path / "shared", monkeypatch)
    select_row(qtbot, panel, run.name)
    qtbot.mouseClick(panel.follow_button, Qt.MouseButton.LeftButton)
    assert window.live_follow.followed() == run
    assert run.name in monitor.following_text()
    qtbot.waitUntil(lambda: monitor.num_points() > 0, timeout=TIMEOUT)
    counts = [monitor.num_points()]
    qtbot.waitUntil(lambda: counts.append(monitor.num_points()) or counts[-1] >= counts[0] + 3, timeout=TIMEOUT)
    assert len(set(counts)) >= 2  # the curve grew while the run was written
    assert "epochs complete" in monitor.following_text()

    qtbot.mouseClick(monitor.stop_following_button(), Qt.MouseButton.LeftButton)
    assert window.live_follow.followed() is None and monitor.following_text() == ""
    assert not panel.follow_button.isChecked()
    stopped_at = monitor.num_points()
    qtbot.wait(1200)
    assert monitor.num_points() == stopped_at  # no longer followed: the curves stay as they were

    # Followed again, to its end: every batch drawn once, and the ending said.
    qtbot.mouseClick(panel.follow_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.live_follow.followed() is None, timeout=TIMEOUT)
    assert writer.wait(timeout=10) == 0
    assert monitor.num_points() == 18
    assert "completed" in monitor.status_text()

    # The added folder is remembered for the next start.
    window.quit_now()
    assert window_opener_again(qtbot, tmp_path).history_panel.extra_folders() == [tmp_path / "shared"]


def test_the_newest_checkpoint_opens_in_the_viewers(qtbot, window, runs_root, monkeypatch):
    window = window()
    panel = window.history_panel
    window.show_tab(panel)
    add_folder_by_hand(qtbot, panel, runs_root, monkeypatch)
    newest = panel.runs()[0]
    select_row(qtbot, panel, newest.name)
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.open_checkpoint_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].source.endswith(f"{newest.name}/checkpoints/epoch-{newest.num_epochs:04d}.npz")
    qtbot.waitUntil(lambda: window.service.state == "idle", timeout=TIMEOUT)

    # Following with "each new epoch": a run that has ended opens its last checkpoint at once.
    older = panel.runs()[1]
    select_row(qtbot, panel, older.name)
    qtbot.mouseClick(panel.open_each_check, Qt.MouseButton.LeftButton)
    assert panel.open_each_check.isChecked()
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.follow_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].source.endswith(f"{older.name}/checkpoints/epoch-{older.num_epochs:04d}.npz")
