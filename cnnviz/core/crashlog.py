"""The crash log: every unexpected error, with its details, appended to a file in the user data folder.

The log is ``<user data>/crash.log``; when it grows past :data:`MAX_BYTES` the old one is kept as
``crash.log.1`` and a new one starts. Writing the log never raises: a log that cannot be written
must not turn one error into two.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from cnnviz import __version__
from cnnviz.core.runs import user_data_dir

MAX_BYTES = 1_000_000


def crash_log_path() -> Path:
    return user_data_dir() / "crash.log"


def write_crash_log(title: str, message: str, details: str = "") -> Path | None:
    """Append one entry; returns the log's path, or None if it could not be written."""
    path = crash_log_path()
    entry = (f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} · cnnviz {__version__} · pid {os.getpid()}\n"
             f"{title}\n{message}\n{details.rstrip()}\n\n")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.stat().st_size > MAX_BYTES:
            path.replace(path.with_name(path.name + ".1"))
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(entry)
    except OSError:
        return None
    return path
