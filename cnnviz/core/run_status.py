"""A run's true status: what its ``run.json`` says, corrected by whether anyone still writes it.

A writer sets ``running`` when it starts and the end state (``finished``, ``stopped``,
``interrupted``, ``diverged``, ``failed``) when it ends. A process killed outright (``kill -9``, a
power cut) cannot write its end, so ``run.json`` keeps saying ``running``; but its lock
(:mod:`cnnviz.core.run_lock`) died with it. Whoever reads a run — the History panel, ``cnnviz
runs``, a resume — goes through :func:`effective_status`, which reports such a run as
``interrupted``.
"""

from __future__ import annotations

from pathlib import Path

from cnnviz.core.run_lock import is_locked

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


def effective_status(folder: str | Path, recorded: str | None) -> str:
    """The status of the run in ``folder`` whose ``run.json`` says ``recorded``.

    ``running`` stays ``running`` only while a writer holds the folder's lock; otherwise the run was
    interrupted (its process was killed or crashed).
    """
    if not recorded:
        return UNFINISHED
    if recorded == RUNNING and not is_locked(folder):
        return INTERRUPTED
    return recorded
