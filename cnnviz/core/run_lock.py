"""Owning a run folder while a run writes it: an exclusive lock held for the whole run.

A run folder is written by one process at a time. The writer holds an operating-system lock
(:mod:`filelock`, ``flock`` on Unix, ``LockFileEx`` on Windows) on ``<run>/.lock`` from the moment
it opens the folder until the run ends; the system releases it when the process dies, even by
``kill -9``. Beside it, ``<run>/.lock.pid`` names the holding process, so a second writer is
refused at once with a message saying who holds the run. A run whose ``run.json`` still says
``running`` while nobody holds its lock was interrupted (:mod:`cnnviz.core.run_status`).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import filelock

from cnnviz.core.safe_json import read_json_file

LOCK_NAME = ".lock"
"""The lock file inside a run folder."""
HOLDER_NAME = ".lock.pid"
"""Beside the lock: which process holds it (JSON: pid, host, command, since)."""
ACQUIRE_SECONDS = 0.5
"""How long a writer waits for the lock: long enough to outlast another process that only
checks whether the run is in use (the History panel, ``cnnviz runs``), short enough to refuse a
second writer at once."""


class RunInUseError(RuntimeError):
    """The run folder is being written by another process (or another run of this one)."""


class RunLock:
    """The exclusive lock on one run folder.

    Parameters
    ----------
    folder : Path
        The run folder (it must exist).
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._lock = filelock.FileLock(self.folder / LOCK_NAME, timeout=ACQUIRE_SECONDS, thread_local=False)

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._lock.is_locked

    def acquire(self, command: str = "cnnviz") -> None:
        """Take the lock and write who holds it.

        Raises
        ------
        RunInUseError
            When another process (or another writer in this one) holds it; the message names the run
            and the holder.
        OSError
            When the lock file cannot be created (the folder is read-only, the disk is full ...).
        """
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise RunInUseError(
                f"The run folder {self.folder} is in use by {describe_holder(self.folder)}. Wait for that run to "
                "finish (or stop it), or choose another folder.") from None
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                  "since": time.strftime("%Y-%m-%dT%H:%M:%S")}
        try:
            (self.folder / HOLDER_NAME).write_text(json.dumps(holder) + "\n", encoding="utf-8")
        except OSError:
            self._lock.release()
            raise

    def release(self) -> None:
        """Let go of the lock (nothing happens when it is not held)."""
        if not self._lock.is_locked:
            return
        try:
            (self.folder / HOLDER_NAME).unlink(missing_ok=True)
        except OSError:
            pass  # a read-only or vanished folder: the lock itself is what counts
        self._lock.release(force=True)


def read_holder(folder: str | Path) -> dict:
    """What ``.lock.pid`` says about the holder (empty when missing or unreadable)."""
    try:
        holder = read_json_file(Path(folder) / HOLDER_NAME, max_bytes=64 * 1024, what="run lock holder")
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def describe_holder(folder: str | Path) -> str:
    """``"process 1234 on host (cnnviz train, since …)"``, or ``"another process"`` when unknown."""
    holder = read_holder(folder)
    if "pid" not in holder:
        return "another process"
    where = f" on {holder['host']}" if holder.get("host") and holder.get("host") != socket.gethostname() else ""
    details = ", ".join(str(holder[key]) if key != "since" else f"since {holder[key]}"
                        for key in ("command", "since") if holder.get(key))
    return f"process {holder['pid']}{where}" + (f" ({details})" if details else "")


def is_locked(folder: str | Path) -> bool:
    """Whether some writer holds the run folder's lock now.

    A folder without a lock file was never locked (runs from before locks existed); one whose lock
    file cannot be opened (a read-only copy) is taken as free.
    """
    path = Path(folder) / LOCK_NAME
    if not path.is_file():
        return False
    probe = filelock.FileLock(path, timeout=0, thread_local=False)
    try:
        probe.acquire()
    except filelock.Timeout:
        return True
    except OSError:
        return False
    probe.release(force=True)
    return False
