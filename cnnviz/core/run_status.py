"""A run's true status: what its ``run.json`` says, corrected by whether anyone still writes it.

A writer sets ``running`` when it starts and the end state (``finished``, ``stopped``,
``interrupted``, ``diverged``, ``failed``) when it ends. A process killed outright (``kill -9``, a
power cut) cannot write its end, so ``run.json`` keeps saying ``running``; but its lock
(:mod:`cnnviz.core.run_lock`) died with it. Whoever reads a run — the History panel, ``cnnviz
runs``, a resume — goes through :func:`effective_status`, which reports such a run as
``interrupted``.

A run written on another machine into a shared folder is the exception: a network share may not
pass the writer's lock on to this machine. When the holder file names another host, the run counts
as ``running`` while its files keep changing (within :data:`REMOTE_STALE_SECONDS`).
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from cnnviz.core.run_lock import HOLDER_NAME, is_locked, read_holder

RUNNING = "running"
INTERRUPTED = "interrupted"
STOPPED = "stopped"
FINISHED = "finished"
DIVERGED = "diverged"
FAILED = "failed"
UNFINISHED = "unfinished"
"""A folder without a status (written by an old cnnviz, or one that never got far)."""

ENDED = frozenset({INTERRUPTED, STOPPED, FINISHED, DIVERGED, FAILED})
"""Statuses of runs nobody writes any more."""
REMOTE_STALE_SECONDS = 600.0
"""How long a run held by another host may go without a change and still count as running."""


def effective_status(folder: str | Path, recorded: str | None) -> str:
    """The status of the run in ``folder`` whose ``run.json`` says ``recorded``.

    ``running`` stays ``running`` only while a writer holds the folder's lock; otherwise the run was
    interrupted (its process was killed or crashed).
    """
    if not recorded:
        return UNFINISHED
    if recorded == RUNNING and not is_locked(folder) and not _written_elsewhere_lately(Path(folder)):
        return INTERRUPTED
    return recorded


def _written_elsewhere_lately(folder: Path) -> bool:
    """Whether the folder's lock holder is a process on another host that wrote the run lately."""
    host = read_holder(folder).get("host")
    if not host or host == socket.gethostname():
        return False
    latest = 0.0
    for name in (HOLDER_NAME, "run.json", "history_steps.csv"):
        try:
            latest = max(latest, os.stat(folder / name).st_mtime)
        except OSError:
            continue
    return time.time() - latest < REMOTE_STALE_SECONDS
