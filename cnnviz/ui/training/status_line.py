"""The line of text under the training monitor's plots: where the current run is and how it ended."""

from __future__ import annotations

import math

from cnnviz.ui.training.run_curves import RunCurves

STATUS_TOOLTIP = "The latest training step and epoch of the current run, and how it ended."

IDLE_TEXT = ("No training yet. Press Train (Ctrl+T) or Step batch: the loss and the accuracy are plotted here "
             "as the model learns.")


def status_line(run: RunCurves | None, scale_note: str = "") -> tuple[str, str]:
    """The status line for ``run`` (the current one, if any) and its tooltip.

    Parameters
    ----------
    run : RunCurves or None
        The current run.
    scale_note : str
        Why the loss axis is logarithmic, appended to the line (empty: nothing to say).

    Returns
    -------
    (str, str)
        The line, with the first sentence of the run's ending message, and the tooltip, with the
        whole message (a divergence's cause and its fix, say).
    """
    if run is None:
        return IDLE_TEXT, STATUS_TOOLTIP
    if run.is_empty():
        return f"{run.label}: no training steps yet.", STATUS_TOOLTIP
    parts = []
    history = run.history
    if history.size:
        epoch = int(history.last(0))
        batch = int(history.last(1))
        num_batches = int(history.last(2))
        total = f"/{run.total_epochs}" if run.total_epochs else ""
        parts.append(f"epoch {epoch + 1}{total}, batch {batch + 1}/{num_batches}")
        parts.append(f"batch loss {history.last(3):.4g}")
        parts.append(f"batch accuracy {_percent(history.last(4))}")
    if run.epochs:
        last_epoch = run.epochs[max(run.epochs)]
        if last_epoch.val_accuracy is not None:
            parts.append(f"val accuracy {_percent(last_epoch.val_accuracy)} (epoch {last_epoch.epoch + 1})")
    ending, message = None, ""
    if run.finished is not None:
        ending = run.finished.reason
        if run.finished.test_accuracy is not None:
            ending += f", test accuracy {_percent(run.finished.test_accuracy)}"
        message = run.finished.message

    def line(message_text: str) -> str:
        pieces = list(parts)
        if ending is not None:
            pieces.append(f"{ending}: {message_text}" if message_text else ending)
        if scale_note:
            pieces.append(scale_note)
        return f"{run.label}: " + " · ".join(pieces)

    # The ending's first sentence keeps the line short enough for a low dock.
    return line(_first_sentence(message)), line(message)


def _first_sentence(text: str) -> str:
    """The first sentence of ``text`` (all of it when it has one)."""
    head, separator, rest = text.partition(". ")
    return f"{head}." if separator and rest else text


def _percent(value: float) -> str:
    """``value`` (a fraction) as a percentage with one decimal, or ``nan``."""
    return f"{100.0 * value:.1f}%" if math.isfinite(value) else str(value)
