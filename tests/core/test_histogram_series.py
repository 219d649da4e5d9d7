"""A run's histograms over its epochs: read back in order, put on one grid, and read at a glance."""

import numpy as np
import pytest

from cnnviz.core.histogram_series import common_grid, glance_flags, read_run_histograms
from cnnviz.core.histograms import Histogram, histogram, histograms_npz

RNG = np.random.default_rng(0)


def write_run(folder, epochs):
    """One histogram file per entry of ``epochs`` ({key: values}), the first before training."""
    (folder / "histograms").mkdir(parents=True, exist_ok=True)
    for index, arrays in enumerate(epochs):
        found = {key: histogram(values) for key, values in arrays.items()}
        (folder / "histograms" / f"epoch-{index:04d}.npz").write_bytes(histograms_npz(found))
    return folder


def relu(values):
    return np.maximum(values, 0.0)


def healthy_epoch(epoch):
    return {"conv2d/kernel": RNG.normal(0, 0.1 * (1 + 0.1 * epoch), (3, 3, 1, 8)),
            "conv2d/bias": RNG.normal(0, 0.01 * epoch, 8) if epoch else np.zeros(8),
            "conv2d/kernel/gradient": RNG.normal(0, 0.05 / (1 + epoch), (3, 3, 1, 8)),
            "conv2d/activation": relu(RNG.normal(0, 1, (32, 6, 6, 8))),
            "dense/kernel": RNG.normal(0, 0.05, (288, 10)),
            "dense/activation": RNG.normal(0, 1, (32, 10))}


def test_a_healthy_run_raises_no_flag(tmp_path):
    run = read_run_histograms(write_run(tmp_path / "run", [healthy_epoch(epoch) for epoch in range(4)]))
    assert run.epochs == (-1, 0, 1, 2)
    assert run.layers() == ["conv2d", "dense"]
    assert list(run.quantities("conv2d")) == ["weights", "biases", "gradients", "activations"]
    assert glance_flags(run) == []


def test_dying_relus_are_flagged_once_and_only_where_they_die(tmp_path):
    epochs = []
    for epoch in range(4):
        arrays = healthy_epoch(epoch)
        shift = -0.5 * epoch  # the pre-activations drift below zero: more and more units stay at zero
        dying = relu(RNG.normal(shift, 0.5, (32, 6, 6, 8)))
        arrays.update({"conv2d/activation": dying, "flatten/activation": dying.reshape(32, -1)})
        epochs.append(arrays)
    run = read_run_histograms(write_run(tmp_path / "run", epochs))
    flags = glance_flags(run)
    assert [(flag.kind, flag.layer) for flag in flags] == [("dying", "conv2d")]  # the flatten repeats it
    assert "exactly zero at epoch 3" in flags[0].message and "dying ReLUs" in flags[0].message


def test_exploding_weights_and_non_finite_gradients_are_flagged(tmp_path):
    epochs = []
    for epoch in range(4):
        arrays = healthy_epoch(epoch)
        arrays["dense/kernel"] = RNG.normal(0, 0.05 * 20.0 ** epoch, (288, 10))  # 8,000 times larger at the end
        gradient = RNG.normal(0, 0.01, (3, 3, 1, 8))
        if epoch == 3:
            gradient[0, 0, 0, :3] = np.nan
        arrays["conv2d/kernel/gradient"] = gradient
        epochs.append(arrays)
    flags = glance_flags(read_run_histograms(write_run(tmp_path / "run", epochs)))
    kinds = {(flag.kind, flag.key) for flag in flags}
    assert kinds == {("exploding", "dense/kernel"), ("nonfinite", "conv2d/kernel/gradient")}
    exploding = next(flag for flag in flags if flag.kind == "exploding")
    assert "orders of magnitude up" in exploding.message and exploding.message.startswith("dense weights")


def test_vanishing_gradients_are_flagged(tmp_path):
    epochs = [healthy_epoch(epoch) for epoch in range(3)]
    for epoch, arrays in enumerate(epochs):
        arrays["dense/kernel/gradient"] = RNG.normal(0, 10.0 ** (-2 * epoch), (288, 10))
    flags = glance_flags(read_run_histograms(write_run(tmp_path / "run", epochs)))
    assert [(flag.kind, flag.key) for flag in flags] == [("vanishing", "dense/kernel/gradient")]


def test_a_folder_without_histograms_is_empty_and_a_broken_file_is_named(tmp_path):
    assert read_run_histograms(tmp_path).empty
    folder = write_run(tmp_path / "run", [healthy_epoch(0), healthy_epoch(1)])
    (folder / "histograms" / "epoch-0002.npz").write_bytes(b"not a zip")
    run = read_run_histograms(folder)
    assert run.epochs == (-1, 0) and len(run.problems) == 1 and "epoch-0002.npz" in run.problems[0]


def test_the_common_grid_keeps_every_count():
    same = [histogram(RNG.normal(size=100)) for _ in range(1)] * 2
    edges, rows = common_grid(same)
    np.testing.assert_array_equal(edges, same[0].edges)
    np.testing.assert_allclose(rows[0], same[0].counts)
    spread = [histogram(RNG.normal(0, scale, 500)) for scale in (0.1, 1.0, 10.0)]
    edges, rows = common_grid(spread)
    assert edges[0] == pytest.approx(min(item.edges[0] for item in spread))
    assert edges[-1] == pytest.approx(max(item.edges[-1] for item in spread))
    np.testing.assert_allclose(rows.sum(axis=1), [item.counts.sum() for item in spread])
    # The narrow histogram's counts all fall in the few bins its range covers.
    inside = (edges[1:] > spread[0].edges[0]) & (edges[:-1] < spread[0].edges[-1])
    assert rows[0][~inside].sum() == 0 and inside.sum() <= 3
    assert common_grid([Histogram(np.zeros(4, np.int64), np.linspace(0, 1, 5))])[1].sum() == 0
