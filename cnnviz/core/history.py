"""The training history as CSV: one writer for the per-batch and per-epoch tables, and a reader.

A run folder keeps ``history_steps.csv`` and ``history_epochs.csv`` (:mod:`cnnviz.core.runs`)
and the training monitor exports the current run's steps in the same form, so a table saved
from the window and one written by ``cnnviz train`` read alike. The columns are the fields of
:class:`~cnnviz.core.results.StepResult` and :class:`~cnnviz.core.results.EpochResult`, in
order; whole-number fields are written as integers, floats at full precision (``nan`` and
``inf`` as such) and missing values as empty cells.
"""

from __future__ import annotations

import csv
import io
import math
import os
import typing
from collections.abc import Iterable, Sequence
from dataclasses import astuple, fields
from pathlib import Path

from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.safe_json import MAX_HISTORY_BYTES, FileTooLargeError
from cnnviz.core.safe_zip import format_bytes

STEP_FIELDS: tuple[str, ...] = tuple(item.name for item in fields(StepResult))
"""The per-batch table's columns: epoch, batch, num_batches, loss, accuracy, samples_seen, elapsed,
learning_rate."""

EPOCH_FIELDS: tuple[str, ...] = tuple(item.name for item in fields(EpochResult))
"""The per-epoch table's columns: epoch, num_epochs, loss, accuracy, val_loss, val_accuracy,
samples_seen, elapsed."""


HistoryRow = StepResult | EpochResult | Sequence[float | None]
"""A result, or its values in field order."""


def _integer_fields(result_type: type) -> frozenset[str]:
    return frozenset(name for name, kind in typing.get_type_hints(result_type).items() if kind is int)


_INTEGER_FIELDS = {StepResult: _integer_fields(StepResult), EpochResult: _integer_fields(EpochResult)}


def _table_csv(result_type: type[StepResult] | type[EpochResult], rows: Iterable[HistoryRow]) -> str:
    names = tuple(item.name for item in fields(result_type))
    integers = [name in _INTEGER_FIELDS[result_type] for name in names]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        if isinstance(row, (StepResult, EpochResult)):
            if not isinstance(row, result_type):
                raise TypeError(f"This history holds {result_type.__name__} rows, not {type(row).__name__}.")
            values = astuple(row)
        else:
            values = tuple(row)
        if len(values) != len(names):
            raise ValueError(f"A {result_type.__name__} history row has {len(names)} values "
                             f"({', '.join(names)}), received {len(values)}.")
        writer.writerow(["" if value is None else int(value) if integer and math.isfinite(value) else value
                         for value, integer in zip(values, integers)])
    return buffer.getvalue()


def step_history_csv(steps: Iterable[StepResult | Sequence[float]]) -> str:
    """The per-batch history as CSV text: a header of :data:`STEP_FIELDS`, then one row per step.

    Parameters
    ----------
    steps : iterable of StepResult, or of rows of values in :data:`STEP_FIELDS` order
        Rows may hold floats for the whole-number fields (as the monitor's float buffers do);
        they are written as integers.
    """
    return _table_csv(StepResult, steps)


def epoch_history_csv(epochs: Iterable[EpochResult | Sequence[float | None]]) -> str:
    """The per-epoch history as CSV text: a header of :data:`EPOCH_FIELDS`, then one row per epoch
    (validation metrics left empty without a validation set)."""
    return _table_csv(EpochResult, epochs)


def read_history(path: str | Path) -> list[dict[str, float | None]]:
    """Rows of a history CSV with numbers parsed (empty cells become None)."""
    rows = []
    size = os.stat(path).st_size
    if size > MAX_HISTORY_BYTES:
        raise FileTooLargeError(f"{Path(path).name} is {format_bytes(size)}, more than the "
                                f"{format_bytes(MAX_HISTORY_BYTES)} cnnviz reads for a training history.")
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append({key: (None if value in ("", "None") else float(value)) for key, value in row.items()})
    return rows
