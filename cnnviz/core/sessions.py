"""Sessions of the window: know when the last one ended unexpectedly, and keep its draft.

Each running window owns a session file ``<user data>/sessions/<pid>.json`` holding its
process id, start time and the configuration being edited (the *draft*), rewritten
atomically as the person edits. A clean close removes the file. A file whose process is
no longer alive therefore belongs to a session that crashed or was killed: the next
window offers to restore its draft, and removes the file once the person has answered.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from cnnviz.core.runs import user_data_dir, write_atomically
from cnnviz.core.safe_json import read_json_file


@dataclass(frozen=True)
class EndedSession:
    """A session that did not close cleanly."""

    path: Path
    pid: int
    started: float
    draft: str | None
    """The configuration (JSON) being edited when it ended, if any."""


def sessions_dir() -> Path:
    return user_data_dir() / "sessions"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    except OSError:
        return False
    return True


class Session:
    """This process's session file; see the module docstring. Writing never raises."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder or sessions_dir()
        self.path = self.folder / f"{os.getpid()}.json"
        self._started = time.time()
        self._draft: str | None = None
        self._write()

    def save_draft(self, config_json: str) -> None:
        """Remember the configuration being edited (kept if the session ends unexpectedly)."""
        if config_json != self._draft:
            self._draft = config_json
            self._write()

    def close(self) -> None:
        """A clean end: the session file goes away."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass

    def _write(self) -> None:
        record = {"pid": os.getpid(), "started": self._started, "draft": self._draft}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, json.dumps(record).encode("utf-8"))
        except OSError:
            pass


def ended_sessions(folder: Path | None = None) -> list[EndedSession]:
    """Sessions whose process is gone without closing cleanly, newest first (unreadable files skipped)."""
    folder = folder or sessions_dir()
    found = []
    for path in folder.glob("*.json") if folder.is_dir() else ():
        try:
            record = read_json_file(path, what="session file")
            pid = int(record["pid"])
            started = float(record.get("started", 0.0))
            draft = record.get("draft")
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not _alive(pid):
            found.append(EndedSession(path, pid, started, draft if isinstance(draft, str) else None))
    return sorted(found, key=lambda session: session.started, reverse=True)


def forget(sessions: list[EndedSession]) -> None:
    """Remove ended sessions' files once the person has answered the offer."""
    for session in sessions:
        try:
            session.path.unlink(missing_ok=True)
        except OSError:
            pass
