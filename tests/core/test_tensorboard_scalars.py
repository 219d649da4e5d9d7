"""The TensorBoard scalar reader decodes event files by hand: TensorFlow 1 and 2 scalars, and stops at a
record cut short."""

import struct

import pytest

from cnnviz.core.tensorboard_scalars import read_tensorboard_scalars, tensorboard_history


def varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def field(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def event(step: int, tag: str, *, simple: float | None = None, tensor: bytes | None = None,
          plugin: str = "scalars") -> bytes:
    value = field(1, tag.encode())
    if simple is not None:
        value += varint(2 << 3 | 5) + struct.pack("<f", simple)
    if tensor is not None:
        value += field(8, tensor) + field(9, field(1, field(1, plugin.encode())))
    header = varint(1 << 3 | 1) + struct.pack("<d", 1.5e9 + step) + varint(2 << 3) + varint(step)
    return header + field(5, field(1, value))


def record(data: bytes) -> bytes:
    # The CRCs are not checked by the reader; zeros stand in for them.
    return struct.pack("<Q", len(data)) + b"\0" * 4 + data + b"\0" * 4


def float_tensor(value: float) -> bytes:
    return varint(1 << 3) + varint(1) + field(2, b"") + field(5, struct.pack("<f", value))  # packed float_val


def double_content(value: float) -> bytes:
    return varint(1 << 3) + varint(2) + field(4, struct.pack("<d", value))  # tensor_content


def write_log(folder, events) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "events.out.tfevents.1.host").write_bytes(b"".join(record(item) for item in events))


def test_tf1_and_tf2_scalars_are_read_by_run_and_tag(tmp_path):
    write_log(tmp_path / "train", [event(0, "epoch_loss", tensor=float_tensor(0.75)),
                                   event(1, "epoch_loss", tensor=double_content(0.5)),
                                   event(0, "epoch_accuracy", simple=0.25),
                                   event(1, "kernel", tensor=float_tensor(3.0), plugin="histograms")])
    write_log(tmp_path / "validation", [event(1, "epoch_loss", simple=0.625), event(0, "epoch_loss", simple=0.875)])
    scalars = read_tensorboard_scalars(tmp_path)
    assert scalars["train"]["epoch_loss"] == [(0, 1.5e9, 0.75), (1, 1.5e9 + 1, 0.5)]
    assert scalars["train"]["epoch_accuracy"] == [(0, 1.5e9, 0.25)]
    assert "kernel" not in scalars["train"]
    assert [value for _, _, value in scalars["validation"]["epoch_loss"]] == [0.875, 0.625]
    steps, epochs = tensorboard_history(scalars)
    assert steps == []
    assert [(row.epoch, row.loss, row.val_loss) for row in epochs] == [(0, 0.75, 0.875), (1, 0.5, 0.625)]
    assert epochs[0].accuracy == 0.25


def test_a_record_cut_short_is_not_read(tmp_path):
    events = [event(step, "epoch_loss", simple=float(step)) for step in range(3)]
    write_log(tmp_path, events)
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(path.read_bytes()[:-6])  # the last record is still being written
    assert [step for step, _, _ in read_tensorboard_scalars(tmp_path)[""]["epoch_loss"]] == [0, 1]


def test_a_folder_without_logs_is_refused_in_words(tmp_path):
    with pytest.raises(ValueError, match="no TensorBoard event file"):
        read_tensorboard_scalars(tmp_path)
    with pytest.raises(ValueError, match="no TensorBoard log folder"):
        read_tensorboard_scalars(tmp_path / "missing")
    (tmp_path / "events.out.tfevents.2.host").write_bytes(b"not a record file at all, just text")
    assert read_tensorboard_scalars(tmp_path) == {}
