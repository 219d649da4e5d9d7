"""The folder every save dialog of the window starts in: the last folder the person saved into.

One remembered folder for the whole window (File ▸ Export, Save model, the Experiments tab's
exports, ...), kept in the person's settings so it outlasts the session; the home folder until
the first save. :func:`ask_save_path` is the save dialog that starts there and remembers where the
person chose to save.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

SETTINGS_KEY = "export/folder"
"""Where the folder is kept in the settings (the key the window has always used for it)."""


def _settings() -> QSettings:
    """The person's settings: the same file as :func:`cnnviz.ui.main_window.default_settings`
    (``$CNNVIZ_HOME/settings.ini`` when that is set)."""
    home = os.environ.get("CNNVIZ_HOME")
    if home:
        return QSettings(str(Path(home) / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings("cnnviz", "cnnviz")


def last_save_folder() -> Path:
    """The folder the person last saved into, or their home folder (also when that folder is gone)."""
    value = _settings().value(SETTINGS_KEY)
    if isinstance(value, str) and value and Path(value).is_dir():
        return Path(value)
    return Path.home()


def remember_save_folder(path: str | Path) -> None:
    """Remember where the person saved: ``path``'s folder (``path`` itself when it is a folder)."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    settings = _settings()
    settings.setValue(SETTINGS_KEY, str(folder.resolve()))
    settings.sync()


def ask_save_path(parent: QWidget | None, caption: str, file_name: str, filters: str) -> str:
    """Ask where to save ``file_name`` (e.g. ``"experiment.csv"``), starting in :func:`last_save_folder`.

    Parameters
    ----------
    parent : QWidget or None
        The dialog's parent.
    caption : str
        The dialog's title, e.g. "Export the results table".
    file_name : str
        The file name suggested.
    filters : str
        Qt's file filters, e.g. ``"CSV files (*.csv)"``.

    Returns
    -------
    str
        The path chosen (its folder is remembered for the next dialog), or ``""`` when the person
        cancelled.
    """
    path, _ = QFileDialog.getSaveFileName(parent, caption, str(last_save_folder() / file_name), filters)
    if path:
        remember_save_folder(path)
    return path


def ask_save_folder(parent: QWidget | None, caption: str) -> str:
    """Ask for a folder to save into, starting in :func:`last_save_folder`; the folder chosen is
    remembered. Returns ``""`` when the person cancelled."""
    folder = QFileDialog.getExistingDirectory(parent, caption, str(last_save_folder()))
    if folder:
        remember_save_folder(folder)
    return folder
