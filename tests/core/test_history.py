"""The history tables: one CSV form for a run folder and for the monitor's export."""

import csv
import io
import math

import numpy as np
import pytest

from cnnviz.core.history import EPOCH_FIELDS, STEP_FIELDS, epoch_history_csv, read_history, step_history_csv
from cnnviz.core.results import EpochResult, StepResult

STEPS = [StepResult(0, 0, 2, 2.302585092994046, 0.125, 32, 0.0123456789, 1e-3),
         StepResult(0, 1, 2, float("nan"), 0.25, 64, 0.5, 1e-3),
         StepResult(1, 0, 2, float("inf"), 1 / 3, 96, 1.75, 5e-4)]


def test_step_columns_follow_the_step_result():
    assert STEP_FIELDS == ("epoch", "batch", "num_batches", "loss", "accuracy", "samples_seen", "elapsed",
                           "learning_rate")
    assert step_history_csv([]) == ",".join(STEP_FIELDS) + "\n"


def test_float_rows_write_like_step_results():
    # The monitor keeps every column as float64; whole-number columns must still read as integers.
    columns = np.array([[float(value) for value in (step.epoch, step.batch, step.num_batches, step.loss,
                                                   step.accuracy, step.samples_seen, step.elapsed,
                                                   step.learning_rate)] for step in STEPS])
    assert step_history_csv(columns.tolist()) == step_history_csv(STEPS)


def test_values_keep_full_precision(tmp_path):
    text = step_history_csv(STEPS)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["0", "0", "2", "2.302585092994046", "0.125", "32", "0.0123456789", "0.001"]
    assert rows[2][3] == "nan" and rows[3][3] == "inf"
    path = tmp_path / "history_steps.csv"
    path.write_text(text, encoding="utf-8")
    read = read_history(path)
    assert read[2]["accuracy"] == 1 / 3 and math.isnan(read[1]["loss"])


def test_epochs_without_validation_leave_empty_cells(tmp_path):
    epochs = [EpochResult(0, 2, 0.5, 0.75, None, None, 64, 1.0), EpochResult(1, 2, 0.25, 0.875, 0.3, 0.9, 128, 2.0)]
    text = epoch_history_csv(epochs)
    assert text.splitlines()[0] == ",".join(EPOCH_FIELDS)
    assert text.splitlines()[1] == "0,2,0.5,0.75,,,64,1.0"
    path = tmp_path / "history_epochs.csv"
    path.write_text(text, encoding="utf-8")
    assert read_history(path)[0]["val_loss"] is None and read_history(path)[1]["val_accuracy"] == 0.9


def test_rows_of_the_wrong_kind_or_length_are_refused():
    with pytest.raises(TypeError, match="holds StepResult rows, not EpochResult"):
        step_history_csv([EpochResult(0, 1, 0.5, 0.5, None, None, 1, 1.0)])
    with pytest.raises(ValueError, match="has 8 values .* received 3"):
        step_history_csv([(0, 1, 2)])
