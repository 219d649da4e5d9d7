"""Durations as people read them: ``"4:07"``, ``"1:02:09"`` (the terminal's progress bar and the
window's ETA both write them this way)."""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    """Write a duration as ``minutes:seconds``, or ``hours:minutes:seconds`` from an hour up.

    Parameters
    ----------
    seconds : float
        The duration; rounded to whole seconds, negative values read as 0.

    Returns
    -------
    str
        ``"0:05"``, ``"12:30"``, ``"2:00:01"``.
    """
    seconds = max(0, int(round(seconds)))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
