"""A one-line progress bar for ``cnnviz train`` on a terminal (batch, loss, accuracy, ETA)."""

from __future__ import annotations

import sys
from typing import TextIO

from cnnviz.core.durations import format_duration
from cnnviz.core.results import EpochResult, StepResult


class ProgressBar:
    """Redraws one line per step on a terminal; prints one line per epoch elsewhere."""

    def __init__(self, total_epochs: int, stream: TextIO = sys.stderr, width: int = 24):
        self.total_epochs = total_epochs
        self.stream = stream
        self.width = width
        self.interactive = stream.isatty()

    def step(self, step: StepResult) -> None:
        if not self.interactive:
            return
        done = step.epoch * step.num_batches + step.batch + 1
        total = self.total_epochs * step.num_batches
        eta = step.elapsed / done * (total - done)
        filled = int(self.width * (step.batch + 1) / step.num_batches)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\repoch {step.epoch + 1}/{self.total_epochs} [{bar}] "
                          f"{step.batch + 1}/{step.num_batches} loss {step.loss:.4f} "
                          f"acc {step.accuracy:.3f} ETA {format_duration(eta)}  ")
        self.stream.flush()

    def epoch(self, epoch: EpochResult) -> None:
        validation = ""
        if epoch.val_loss is not None:
            validation = f" - val_loss {epoch.val_loss:.4f} - val_acc {epoch.val_accuracy:.4f}"
        prefix = "\r" if self.interactive else ""
        self.stream.write(f"{prefix}epoch {epoch.epoch + 1}/{self.total_epochs} - loss {epoch.loss:.4f} - "
                          f"acc {epoch.accuracy:.4f}{validation} - {format_duration(epoch.elapsed)}"
                          + (" " * 20 if self.interactive else "") + "\n")
        self.stream.flush()
