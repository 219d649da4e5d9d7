"""A native crash leaves its trace in crash.log, and the next window offers the unsaved configuration."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtCore import QSettings, Qt

from cnnviz.core.crashlog import MAX_BYTES, crash_log_path, write_crash_log
from cnnviz.core.sessions import Session, ended_sessions
from cnnviz.service.model_service import ModelService
from cnnviz.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]

CRASHING_SESSION = textwrap.dedent("""
    import faulthandler
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit
    from cnnviz.core.crashlog import enable_native_crash_log
    from cnnviz.service.model_service import ModelService
    from cnnviz.ui.main_window import MainWindow

    app = QApplication([])
    enable_native_crash_log()
    window = MainWindow(ModelService(run_root=False), settings=QSettings({settings!r}, QSettings.IniFormat),
                        load_default_model=False)
    window.show()
    panel = window.config_panel
    panel.layer_list.setCurrentRow(0)
    QTest.qWait(100)
    field = panel.layer_editor.editor("filters").findChild(QLineEdit)
    field.selectAll()
    QTest.keyClicks(field, "12")
    QTest.keyClick(field, Qt.Key_Return)
    QTest.qWait(1500)  # the draft is written half a second after the last edit
    faulthandler._sigsegv()  # what a fault inside Qt or a numeric library does
""")


def test_a_segfault_is_logged_and_the_next_window_restores_the_draft(qtbot, tmp_path):
    home = tmp_path / "cnnviz-home"
    settings = str(tmp_path / "settings.ini")
    environment = {**os.environ, "CNNVIZ_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
                   "PYTHONPATH": str(ROOT)}
    crashed = subprocess.run([sys.executable, "-c", CRASHING_SESSION.format(settings=settings)], env=environment,
                             capture_output=True, text=True, timeout=120)
    assert crashed.returncode != 0, crashed.stderr
    log = (home / "crash.log").read_text()
    assert "Fatal Python error: Segmentation fault" in log and "_sigsegv" not in crashed.stdout
    assert "most recent call first" in log  # the Python stack of the crash, written by faulthandler
    [ended] = ended_sessions(home / "sessions")
    assert '"filters": 12' in ended.draft

    assert os.environ["CNNVIZ_HOME"] == str(home)  # this test's window reads the same user data (conftest)
    window = MainWindow(ModelService(run_root=False), settings=QSettings(settings, QSettings.IniFormat),
                        load_default_model=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: getattr(window, "restore_dialog", None) is not None
                    and window.restore_dialog.isVisible(), timeout=5000)
    dialog = window.restore_dialog
    assert "closed unexpectedly" in dialog.text() and "crash.log" in dialog.text()
    restore = next(button for button in dialog.buttons() if button.text() == "Restore the configuration")
    qtbot.mouseClick(restore, Qt.LeftButton)
    assert window.config_panel.config().layers[0].filters == 12
    assert ended_sessions(home / "sessions") == []
    assert "A session ended unexpectedly" in crash_log_path().read_text()
    window.close()
    assert not list((home / "sessions").glob("*.json"))  # a clean close leaves no session behind


def test_a_clean_close_is_not_reported_next_time(qtbot, tmp_path):
    first = MainWindow(ModelService(run_root=False), settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat),
                       load_default_model=False)
    qtbot.addWidget(first)
    first.show()
    first.close()
    second = MainWindow(ModelService(run_root=False), settings=QSettings(str(tmp_path / "s.ini"),
                                                                          QSettings.IniFormat),
                        load_default_model=False)
    qtbot.addWidget(second)
    second.show()
    qtbot.wait(200)
    assert getattr(second, "restore_dialog", None) is None
    second.close()


def test_an_ended_session_is_reported_once_even_if_its_question_is_never_answered(qtbot, tmp_path):
    """A window closed with the question still open left the crash to be reported, and logged, again at
    every later start."""
    from cnnviz.core.sessions import sessions_dir

    folder = sessions_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "999999998.json").write_text('{"pid": 999999998, "started": 1.0, "draft": null}')
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    first = MainWindow(ModelService(run_root=False), settings=settings, load_default_model=False)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(lambda: getattr(first, "restore_dialog", None) is not None, timeout=5000)
    first.close()   # the question left unanswered
    assert ended_sessions() == []
    logged = crash_log_path().read_text().count("process 999999998")
    second = MainWindow(ModelService(run_root=False), settings=settings, load_default_model=False)
    qtbot.addWidget(second)
    second.show()
    qtbot.wait(200)
    assert getattr(second, "restore_dialog", None) is None
    assert crash_log_path().read_text().count("process 999999998") == logged == 1
    second.close()


def test_a_session_of_a_live_process_is_not_taken_for_ended(tmp_path):
    session = Session(tmp_path)
    session.save_draft('{"x": 1}')
    assert ended_sessions(tmp_path) == []
    (tmp_path / "999999999.json").write_text('{"pid": 999999999, "started": 1.0, "draft": null}')
    (tmp_path / "broken.json").write_text("not json")
    assert [ended.pid for ended in ended_sessions(tmp_path)] == [999999999]
    session.close()
    assert not session.path.exists()


def test_the_crash_log_rotates_through_logging(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNVIZ_HOME", str(tmp_path))
    path = write_crash_log("first", "x" * (MAX_BYTES + 10))
    write_crash_log("second", "y")
    assert path == crash_log_path() and "second" in path.read_text() and "first" not in path.read_text()
    assert "first" in (tmp_path / "crash.log.1").read_text()
