"""Every save dialog of the window starts in the last folder the person saved into (home at first)."""

import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit
from shiboken6 import isValid

from cnnviz.core.experiments import RunOutcome
from cnnviz.service.model_service import ModelService
from cnnviz.service.payloads import ExperimentFinished
from cnnviz.ui.experiments.panel import ExperimentsPanel
from cnnviz.ui.main_window import MainWindow
from cnnviz.ui.save_folder import last_save_folder, remember_save_folder

TIMEOUT = 30_000
DIALOG_WAIT_S = 60.0
"""How long a test waits for a save dialog to appear (a loaded machine takes seconds to open one)."""


def answer_save_dialog(qtbot, open_dialog, file_path: Path | None = None) -> dict:
    """Do what opens a save dialog (``open_dialog()``), then, in the dialog, type ``file_path`` and press
    Enter (``None``: press Escape). Returns the folder the dialog opened in and the name it suggested."""
    seen: dict = {}

    deadline = time.monotonic() + DIALOG_WAIT_S

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            if time.monotonic() < deadline:
                QTimer.singleShot(20, answer)
            elif dialog is not None:
                dialog.close()  # some other modal window: close it so the test fails instead of hanging
            return
        seen["folder"] = Path(dialog.directory().absolutePath())
        seen["title"] = dialog.windowTitle()
        name_edit = dialog.findChild(QLineEdit, "fileNameEdit")
        seen["name"] = name_edit.text()
        if file_path is None:
            QTest.keyClick(dialog, Qt.Key_Escape)
            return
        QTest.keyClick(name_edit, Qt.Key_A, Qt.ControlModifier)
        QTest.keyClicks(name_edit, str(file_path))
        popup = name_edit.completer().popup() if name_edit.completer() is not None else None
        if popup is not None and popup.isVisible():
            QTest.keyClick(popup, Qt.Key_Escape)  # the folder's completions, shown while typing
        QTest.keyClick(name_edit, Qt.Key_Return)
        QTimer.singleShot(300, lambda: press_return_again(dialog, name_edit))

    def press_return_again(dialog, name_edit, tries_left: int = 20) -> None:
        # A completion list that opened late can take the first Return: a person presses it again.
        if not isValid(dialog) or not dialog.isVisible():
            return
        popup = name_edit.completer().popup() if name_edit.completer() is not None else None
        if popup is not None and popup.isVisible():
            QTest.keyClick(popup, Qt.Key_Escape)
        if tries_left:
            QTest.keyClick(name_edit, Qt.Key_Return)
            QTimer.singleShot(300, lambda: press_return_again(dialog, name_edit, tries_left - 1))
        else:
            dialog.reject()  # the test then fails on the missing file instead of hanging

    QTimer.singleShot(0, answer)
    open_dialog()
    assert "folder" in seen, "no save dialog opened"
    return seen


def outcome(run):
    return RunOutcome(run, 0.9, 0.85, 0.3, 1.5, False, "", (1.0, 0.5))


@pytest.fixture
def experiments(qtbot):
    """The Experiments tab after a finished experiment, its exports enabled."""
    panel = ExperimentsPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_preset("learning rate")
    with qtbot.waitSignal(panel.sig_run_requested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    outcomes = tuple(outcome(run) for run in blocker.args[0])
    panel.finish(ExperimentFinished(outcomes, cancelled=False))
    assert panel.export_csv_button.isEnabled()
    return panel


def test_the_experiments_exports_start_in_the_last_folder_saved_into(qtbot, experiments, tmp_path):
    panel = experiments
    (tmp_path / "results").mkdir()
    first = answer_save_dialog(qtbot, lambda: qtbot.mouseClick(panel.export_csv_button, Qt.LeftButton),
                               tmp_path / "results" / "sweep.csv")
    assert first["folder"] == Path.home() and first["name"] == "experiment_results.csv"
    assert first["title"] == "Export table"
    assert (tmp_path / "results" / "sweep.csv").is_file()

    figure = answer_save_dialog(qtbot, lambda: qtbot.mouseClick(panel.export_figure_button, Qt.LeftButton))
    assert figure["folder"] == tmp_path / "results" and figure["name"] == "experiment_loss-curves.png"
    assert figure["title"] == "Export figure"   # short, never cut off; the file name carries the detail
    (tmp_path / "reports").mkdir()
    answer_save_dialog(qtbot, lambda: qtbot.mouseClick(panel.save_report_button, Qt.LeftButton),
                       tmp_path / "reports" / "sweep.md")
    assert (tmp_path / "reports" / "sweep.md").is_file()
    again = answer_save_dialog(qtbot, lambda: qtbot.mouseClick(panel.export_csv_button, Qt.LeftButton))
    assert again["folder"] == tmp_path / "reports"


def test_the_windows_save_dialogs_share_the_folder_and_remember_it(qtbot, experiments, tmp_path):
    folder = tmp_path / "figures"
    folder.mkdir()
    answer_save_dialog(qtbot, lambda: qtbot.mouseClick(experiments.export_csv_button, Qt.LeftButton),
                       folder / "sweep.csv")
    service = ModelService(run_root=tmp_path / "runs")
    window = MainWindow(service, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        pass
    try:
        # File ▸ Export figure opens where the Experiments tab last saved, not in the home folder.
        export = next(action for action in window.menuBar().actions()[0].menu().actions()
                      if action.text().replace("&", "").startswith("Export figure"))
        seen = answer_save_dialog(qtbot, export.trigger)
        assert seen["folder"] == folder and seen["name"] == "feature-maps_conv2d.png"
        assert seen["title"] == "Export figure"
        assert window.files.export_folder == str(folder)
    finally:
        window.quit_now()


def test_the_folder_is_home_at_first_and_outlasts_the_session(tmp_path):
    assert last_save_folder() == Path.home()
    remember_save_folder(tmp_path / "a file.csv")
    assert last_save_folder() == tmp_path
    # Kept in the person's settings file ($CNNVIZ_HOME/settings.ini), read afresh by the next session.
    settings = QSettings(os.path.join(os.environ["CNNVIZ_HOME"], "settings.ini"), QSettings.IniFormat)
    assert settings.value("export/folder") == str(tmp_path)
    remember_save_folder(tmp_path / "gone")
    assert last_save_folder() == tmp_path  # a file's folder; "gone" itself is not a folder
    (tmp_path / "sub").mkdir()
    remember_save_folder(tmp_path / "sub")
    assert last_save_folder() == tmp_path / "sub"
    (tmp_path / "sub").rmdir()
    assert last_save_folder() == Path.home()  # a folder deleted since: home again
