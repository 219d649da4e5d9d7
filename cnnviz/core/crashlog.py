"""The crash log: every unexpected error, with its details, appended to a file in the user data folder.

The log is ``<user data>/crash.log``, written through :mod:`logging`'s rotating handler: past
:data:`MAX_BYTES` the old log is kept as ``crash.log.1`` and a new one starts. A native crash (a
segmentation fault in a compiled library) cannot run Python code, so :func:`enable_native_crash_log`
points :mod:`faulthandler` at the same file: the fault and every thread's Python stack are written
there by the interpreter itself. Writing the log never raises: a log that cannot be written must not
turn one error into two.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path

from cnnviz import __version__
from cnnviz.core.runs import user_data_dir

MAX_BYTES = 1_000_000
_native_log = None  # the open file faulthandler writes to; kept open for the process's life


class _Handler(RotatingFileHandler):
    """A rotating handler that records a failure instead of printing it."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        self.failed = True


def crash_log_path() -> Path:
    return user_data_dir() / "crash.log"


def write_crash_log(title: str, message: str, details: str = "") -> Path | None:
    """Append one entry; returns the log's path, or None if it could not be written."""
    path = crash_log_path()
    entry = (f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} · cnnviz {__version__} · pid {os.getpid()}\n"
             f"{title}\n{message}\n{details.rstrip()}\n")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _Handler(path, maxBytes=MAX_BYTES, backupCount=1, encoding="utf-8")
    except OSError:
        return None
    try:
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.emit(logging.LogRecord("cnnviz.crash", logging.ERROR, __file__, 0, entry, None, None))
    finally:
        handler.close()
    return None if handler.failed else path


def enable_native_crash_log() -> Path | None:
    """Have a native crash write its fault and Python stacks into the crash log (once per process)."""
    global _native_log
    if _native_log is not None:
        return Path(_native_log.name)
    path = crash_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _native_log = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the process's life
    except OSError:
        return None
    faulthandler.enable(file=_native_log, all_threads=True)
    return path
