"""The window's session: the configuration being edited is kept, and a crashed session's is offered.

See :mod:`cnnviz.core.sessions` for the files. The draft is written half a second after the last
edit; a clean close removes the session. When the last session ended without closing (a crash, a
kill), the next window says so, names the crash log and offers to restore its configuration.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox

from cnnviz.core.config import ConfigError, ModelConfig
from cnnviz.core.crashlog import crash_log_path, write_crash_log
from cnnviz.core.sessions import Session, ended_sessions, forget

if TYPE_CHECKING:
    from cnnviz.ui.main_window import MainWindow

# The configuration being edited is written to the session file this long after the last edit.
DRAFT_INTERVAL_MS = 500


class SessionKeeper(QObject):
    """Keeps ``window``'s session file and makes the offer; see the module docstring."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self._session = Session()
        self._draft_timer = QTimer(self, interval=DRAFT_INTERVAL_MS, singleShot=True)
        self._draft_timer.timeout.connect(self._save_draft)
        window.config_panel.sig_config_changed.connect(self._on_config_edited)
        QTimer.singleShot(0, self._offer_ended_session)

    def close(self) -> None:
        """A clean end: the session file goes away."""
        self._draft_timer.stop()
        self._session.close()

    def _on_config_edited(self, _config: ModelConfig) -> None:
        self._draft_timer.start()

    def _save_draft(self) -> None:
        self._session.save_draft(self.window.config_panel.config().to_json())

    def _offer_ended_session(self) -> None:
        """The last session ended without closing (a crash, a kill): say so, offer its configuration."""
        ended = ended_sessions()
        if not ended:
            return
        window = self.window
        latest = ended[0]
        # Told once: a window closed before the question is answered does not leave the same crash to
        # be reported (and logged) again at every later start. The draft is kept for the answer.
        forget(ended)
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(latest.started))
        write_crash_log("A session ended unexpectedly", f"The window started at {started} (process {latest.pid}) "
                        "closed without saving; a native crash, if any, is written above.")
        text = (f"cnnviz closed unexpectedly last time (the session started at {started}). What happened is "
                f"written in {crash_log_path()}.")
        draft = None
        if latest.draft:
            try:
                draft = ModelConfig.from_json(latest.draft)
            except (ConfigError, ValueError):
                draft = None
        box = QMessageBox(QMessageBox.Warning, "cnnviz closed unexpectedly", text, QMessageBox.NoButton, window)
        box.setObjectName("restore_dialog")
        restore = None
        if draft is not None and draft != window.config_panel.config():
            box.setInformativeText("Restore the model configuration you were editing?")
            restore = box.addButton("Restore the configuration", QMessageBox.AcceptRole)
            box.addButton("Discard it", QMessageBox.RejectRole)
        else:
            box.addButton(QMessageBox.Ok)

        def answered(_result: int) -> None:
            if restore is not None and draft is not None and box.clickedButton() is restore:
                window.config_panel.set_config(draft)
                window.statusBar().showMessage("The configuration of the last session was restored.", 8000)

        box.finished.connect(answered)
        window.restore_dialog = box
        box.open()
