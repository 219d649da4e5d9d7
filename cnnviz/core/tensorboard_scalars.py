"""The scalars of a TensorBoard log folder, read without TensorFlow or TensorBoard, as cnnviz history.

An event file (``events.out.tfevents.*``) is a sequence of TFRecords, each an ``Event`` protocol buffer;
this module decodes the few fields scalars need (the wire format is stable and public):
``Event.wall_time`` (1), ``step`` (2), ``summary`` (5); ``Summary.value`` (1); ``Value.tag`` (1),
``simple_value`` (2, TensorFlow 1), ``tensor`` (8, TensorFlow 2) and ``metadata`` (9, whose plugin
name says ``scalars``); ``TensorProto.dtype`` (1), ``tensor_content`` (4), ``float_val`` (5),
``double_val`` (6), ``int_val`` (7) and ``int64_val`` (10). A record cut short (a file being
written) ends that file's reading: partially written data is never used.

:func:`tensorboard_history` turns Keras's layout (``train/`` and ``validation/`` with ``epoch_loss``,
``epoch_accuracy``, ``batch_loss`` ...; the layout ``cnnviz export tensorboard`` writes) into the rows
of a run's history, so a TensorBoard run can sit beside cnnviz runs in History.
"""

from __future__ import annotations

import math
import struct
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cnnviz.core.results import EpochResult, StepResult

Scalars = dict[str, dict[str, list[tuple[int, float, float]]]]
"""``{run (sub-folder, "" for the log folder itself): {tag: [(step, wall_time, value), ...]}}``, by step."""

MAX_RECORD_BYTES = 64 * 1024 * 1024
"""A record longer than this is not a scalar log's; reading the file stops there."""

_DTYPES = {1: ("<f", 4), 2: ("<d", 8), 3: ("<i", 4), 9: ("<q", 8)}  # DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data):
            raise ValueError("truncated varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _fields(data: bytes) -> Iterator[tuple[int, int, Any]]:
    """``(field number, wire type, value)`` of a protocol buffer message; ints for varints and fixed
    numbers (as raw little-endian bytes for fixed ones), bytes for length-delimited fields."""
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, position = _varint(data, position)
        elif wire == 1:
            value, position = data[position:position + 8], position + 8
        elif wire == 5:
            value, position = data[position:position + 4], position + 4
        elif wire == 2:
            length, position = _varint(data, position)
            value, position = data[position:position + length], position + length
        else:
            raise ValueError(f"unsupported wire type {wire}")
        if position > len(data):
            raise ValueError("truncated field")
        yield number, wire, value


def _tensor_value(data: bytes) -> float | None:
    """The single number of a ``TensorProto``, or None when it holds another kind or several."""
    dtype = 0
    values: list[tuple[Any, ...]] = []
    for number, wire, value in _fields(data):
        if number == 1 and wire == 0:
            dtype = int(value)
        elif number == 4 and wire == 2:
            values.append(("content", value))
        elif number in (5, 6, 7, 10):
            values.append((number, wire, value))
    if dtype not in _DTYPES:
        return None
    code, size = _DTYPES[dtype]
    numbers: list[float] = []
    for item in values:
        if item[0] == "content":
            raw = bytes(item[1])
            numbers += [found[0] for found in struct.iter_unpack(code, raw[:len(raw) // size * size])]
        else:
            number, wire, value = item
            if wire == 2:  # packed
                raw = bytes(value)
                if number in (7, 10):
                    position = 0
                    while position < len(raw):
                        parsed, position = _varint(raw, position)
                        numbers.append(parsed)
                else:
                    element = "<f" if number == 5 else "<d"
                    width = 4 if number == 5 else 8
                    numbers += [found[0] for found in struct.iter_unpack(element, raw[:len(raw) // width * width])]
            elif wire == 5:
                numbers.append(struct.unpack("<f", value)[0])
            elif wire == 1:
                numbers.append(struct.unpack("<d", value)[0])
            else:
                numbers.append(int(value))
    return float(numbers[0]) if len(numbers) == 1 else None


def _plugin_name(metadata: bytes) -> str:
    for number, wire, value in _fields(metadata):
        if number == 1 and wire == 2:
            for inner, inner_wire, name in _fields(bytes(value)):
                if inner == 1 and inner_wire == 2:
                    return bytes(name).decode("utf-8", "replace")
    return ""


def _records(path: Path) -> Iterator[bytes]:
    """The records of a TFRecord file; stops at a record cut short."""
    with open(path, "rb") as handle:
        while True:
            header = handle.read(12)
            if len(header) < 12:
                return
            (length,) = struct.unpack("<Q", header[:8])
            if length > MAX_RECORD_BYTES:
                return
            data = handle.read(length)
            footer = handle.read(4)
            if len(data) < length or len(footer) < 4:
                return
            yield data


def _event_scalars(event: bytes) -> Iterator[tuple[int, float, str, float]]:
    wall_time, step, summaries = 0.0, 0, []
    for number, wire, value in _fields(event):
        if number == 1 and wire == 1:
            wall_time = struct.unpack("<d", value)[0]
        elif number == 2 and wire == 0:
            step = int(value)
        elif number == 5 and wire == 2:
            summaries.append(bytes(value))
    for summary in summaries:
        for number, wire, value in _fields(summary):
            if number != 1 or wire != 2:
                continue
            tag, simple, tensor, plugin = "", None, None, ""
            for field_number, field_wire, field in _fields(bytes(value)):
                if field_number == 1 and field_wire == 2:
                    tag = bytes(field).decode("utf-8", "replace")
                elif field_number == 2 and field_wire == 5:
                    simple = struct.unpack("<f", field)[0]
                elif field_number == 8 and field_wire == 2:
                    tensor = bytes(field)
                elif field_number == 9 and field_wire == 2:
                    plugin = _plugin_name(bytes(field))
            if simple is None and tensor is not None and plugin in ("scalars", ""):
                simple = _tensor_value(tensor)
            if tag and simple is not None:
                yield step, wall_time, tag, float(simple)


def read_tensorboard_scalars(logdir: str | Path) -> Scalars:
    """Every scalar of every event file under ``logdir``, by run (sub-folder) and tag.

    Raises
    ------
    ValueError
        If ``logdir`` is not a folder or holds no event file.
    """
    logdir = Path(logdir)
    if not logdir.is_dir():
        raise ValueError(f"There is no TensorBoard log folder {logdir}. Give the folder you pass to "
                         "tensorboard --logdir.")
    files = sorted(path for path in logdir.rglob("events.out.tfevents.*") if path.is_file())
    if not files:
        raise ValueError(f"{logdir} holds no TensorBoard event file (events.out.tfevents.*). Give the folder you "
                         "pass to tensorboard --logdir.")
    found: dict[str, dict[str, list[tuple[int, float, float]]]] = defaultdict(lambda: defaultdict(list))
    for path in files:
        run = path.parent.relative_to(logdir).as_posix()
        run = "" if run == "." else run
        try:
            for record in _records(path):
                for step, wall_time, tag, value in _event_scalars(record):
                    found[run][tag].append((step, wall_time, value))
        except (ValueError, struct.error):
            continue  # a file that is not a TensorBoard log (or is damaged past its valid records)
    return {run: {tag: sorted(values, key=lambda item: (item[0], item[1])) for tag, values in tags.items()}
            for run, tags in found.items()}


def _series(scalars: Scalars, run: str, names: tuple[str, ...]) -> dict[int, float]:
    tags = scalars.get(run, {})
    for name in names:
        if name in tags:
            return {step: value for step, _, value in tags[name]}
    return {}


def tensorboard_history(scalars: Scalars) -> tuple[list[StepResult], list[EpochResult]]:
    """Per-batch and per-epoch history rows from Keras's TensorBoard layout (``train/`` and
    ``validation/``, or scalars at the log folder's top); epochs count from their first step."""
    train = "train" if "train" in scalars else ""
    epoch_loss = _series(scalars, train, ("epoch_loss", "loss"))
    epoch_accuracy = _series(scalars, train, ("epoch_accuracy", "accuracy", "epoch_acc"))
    val_loss = _series(scalars, "validation", ("epoch_loss",)) or _series(scalars, train, ("val_loss",))
    val_accuracy = (_series(scalars, "validation", ("epoch_accuracy", "epoch_acc"))
                    or _series(scalars, train, ("val_accuracy",)))
    batch_loss = _series(scalars, train, ("batch_loss",))
    batch_accuracy = _series(scalars, train, ("batch_accuracy",))
    learning_rate = _series(scalars, train, ("learning_rate", "epoch_learning_rate"))
    epoch_steps = sorted(epoch_loss)
    first = epoch_steps[0] if epoch_steps else 0
    epochs = [EpochResult(step - first, len(epoch_steps), epoch_loss[step], epoch_accuracy.get(step, math.nan),
                          val_loss.get(step), val_accuracy.get(step), 0, 0.0) for step in epoch_steps]
    rate = next(iter(learning_rate.values()), math.nan)
    steps = [StepResult(0, index, len(batch_loss), batch_loss[step], batch_accuracy.get(step, math.nan), step, 0.0,
                        learning_rate.get(step, rate)) for index, step in enumerate(sorted(batch_loss))]
    return steps, epochs
