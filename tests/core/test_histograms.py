"""Per-epoch histograms: exact counts, odd values handled, read back as written, and kept by the app's runs."""

import dataclasses

import numpy as np
import pytest

from cnnviz.core.config import ModelConfig, reference_config
from cnnviz.core.histograms import (
    ACTIVATION_SAMPLES,
    HISTOGRAM_BINS,
    activation_histograms,
    histogram,
    histograms_npz,
    parameter_histograms,
    probe_histograms,
    read_histograms,
)
from cnnviz.core.resources import resource_path
from cnnviz.core.run_info import RunInfo
from cnnviz.core.runs import RunDirectory
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.registry import create_engine, load_engine
from cnnviz.service.runner import train_run


def test_counts_match_a_direct_count():
    values = np.random.default_rng(0).normal(size=(7, 5, 3)).astype(np.float32)
    item = histogram(values, bins=8)
    assert item.counts.sum() == values.size and item.edges.shape == (9,)
    assert item.edges[0] == values.min() and item.edges[-1] == pytest.approx(values.max())
    inner = (values >= item.edges[2]) & (values < item.edges[3])
    assert item.counts[2] == np.count_nonzero(inner)


def test_odd_values_are_counted_apart_and_edges_always_increase():
    item = histogram(np.array([1.0, np.nan, np.inf, 1.0]))
    assert item.nonfinite == 2 and item.counts.sum() == 2 and item.total == 4
    assert np.all(np.diff(item.edges) > 0) and item.edges[0] < 1.0 < item.edges[-1]
    empty = histogram(np.array([np.nan]))
    assert empty.counts.sum() == 0 and empty.nonfinite == 1 and np.all(np.diff(empty.edges) > 0)
    with pytest.raises(ValueError, match="at least one bin"):
        histogram(np.ones(3), bins=0)


def test_a_file_reads_back_as_written(tmp_path):
    weights = {"conv2d": {"kernel": np.arange(24.0).reshape(2, 2, 2, 3), "bias": np.zeros(3)}, "flatten": {}}
    written = {**parameter_histograms(weights), **activation_histograms({"dense": np.linspace(-1, 1, 50)})}
    assert sorted(written) == ["conv2d/bias", "conv2d/kernel", "dense/activation"]
    path = tmp_path / "epoch-0001.npz"
    path.write_bytes(histograms_npz(written))
    read = read_histograms(path)
    assert sorted(read) == sorted(written)
    for key, item in written.items():
        np.testing.assert_array_equal(read[key].counts, item.counts)
        np.testing.assert_array_equal(read[key].edges, item.edges)


def test_a_file_whose_arrays_do_not_pair_up_is_refused(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, **{"dense/kernel/counts": np.ones(4, np.int64), "dense/kernel/edges": np.ones(4)})
    with pytest.raises(ValueError, match="4 counts|n \\+ 1 edges"):
        read_histograms(path)
    np.savez(path, **{"dense/kernel/counts": np.ones(4, np.int64)})
    with pytest.raises(ValueError, match="lacks"):
        read_histograms(path)


def test_the_apps_training_keeps_histograms_every_epoch(tmp_path):
    base = ModelConfig.load(resource_path("shapes_config.json"))
    config = dataclasses.replace(base, input_shape=(20, 24, 3)).with_training(
        dataset="shapes-colour", train_subset=48, validation_split=0.25, batch_size=16, epochs=2)
    data = prepare_training_data(config.training, input_shape=config.input_shape)
    run = RunDirectory(tmp_path / "run")
    list(train_run(create_engine("numpy", config), data, run, epochs=2, batch_size=16, seed=0))
    run.close(status="finished")
    info = RunInfo(run.path)
    files = sorted(path.name for path in (run.path / "histograms").iterdir())
    assert files == ["epoch-0000.npz", "epoch-0001.npz", "epoch-0002.npz"]
    engine = load_engine(info.checkpoint_at(1))
    histograms = read_histograms(run.path / "histograms" / "epoch-0002.npz")
    for layer, params in engine.get_weights().items():
        for name, array in params.items():
            assert histograms[f"{layer}/{name}"].total == array.size
            assert histograms[f"{layer}/{name}"].edges[-1] == pytest.approx(array.max())
    # Activations over the 12 validation images (fewer than the 32 kept at most).
    assert histograms["conv2d/activation"].total == 12 * 18 * 22 * 8
    assert histograms["conv2d/activation"].counts.size == HISTOGRAM_BINS
    # The gradients and activations are the engine's own, on the same fixed inputs and labels (12 here;
    # gathered in chunks of 16 when there are more, as the next test checks).
    probe, labels = data.val_images[:ACTIVATION_SAMPLES], data.val_labels[:ACTIVATION_SAMPLES]
    maps = engine.feature_maps(probe)
    gradients = engine.gradients(probe, labels).parameters
    for layer, params in gradients.items():
        for name, array in params.items():
            expected = histogram(array)
            kept = histograms[f"{layer}/{name}/gradient"]
            np.testing.assert_allclose(kept.edges, expected.edges, rtol=1e-5)
            assert kept.max_abs == pytest.approx(np.abs(array).max(), rel=1e-5)
            # Gathered 16 inputs at a time, so the last bits may differ: a value on a bin's edge may move.
            assert int(np.abs(kept.counts - expected.counts).sum()) <= max(2, array.size // 10_000)
            assert kept.total == array.size
    for layer, output in maps.items():
        kept = histograms[f"{layer}/activation"]
        assert kept.zero_fraction == pytest.approx(np.count_nonzero(output == 0) / output.size)
        np.testing.assert_array_equal(kept.counts, histogram(output).counts)


def test_zeros_and_largest_magnitudes_are_kept_and_older_files_still_read(tmp_path):
    values = np.array([0.0, 0.0, -3.0, 1.0, np.inf])
    item = histogram(values)
    assert item.zero_fraction == pytest.approx(2 / 5) and item.max_abs == 3.0 and item.nonfinite == 1
    path = tmp_path / "epoch-0001.npz"
    path.write_bytes(histograms_npz({"dense/activation": item}))
    read = read_histograms(path)["dense/activation"]
    assert read.zero_fraction == pytest.approx(0.4) and read.max_abs == 3.0
    # A file from before: only counts, edges and the non-finite count.
    np.savez(path, **{"dense/kernel/counts": item.counts, "dense/kernel/edges": item.edges,
                      "dense/kernel/nonfinite": np.asarray(1)})
    old = read_histograms(path)["dense/kernel"]
    assert old.zero_fraction is None and old.max_abs is None and old.largest_magnitude == 3.0


def test_a_layer_repeating_the_one_before_gets_its_histogram_without_counting_again():
    values = np.random.default_rng(1).normal(size=(4, 3, 3, 2)).astype(np.float32)
    found = activation_histograms({"pool": values, "flatten": values.reshape(4, -1), "dense": values[:, :1] * 2})
    assert found["flatten/activation"] is found["pool/activation"]
    np.testing.assert_array_equal(found["flatten/activation"].counts, histogram(values).counts)
    assert found["dense/activation"].total == values[:, :1].size


def test_probe_histograms_gather_chunks_into_the_whole_batchs_gradients_and_outputs():
    config = reference_config()
    engine = create_engine("numpy", config)
    rng = np.random.default_rng(2)
    images = rng.random((40, *config.input_shape), dtype=np.float32)
    labels = rng.integers(0, 10, 40)
    found = probe_histograms(engine, images, labels)
    whole = engine.gradients(images, labels).parameters
    for layer, params in whole.items():
        for name, array in params.items():
            kept = found[f"{layer}/{name}/gradient"]
            assert kept.max_abs == pytest.approx(np.abs(array).max(), rel=1e-4)
            assert int(np.abs(kept.counts - histogram(array).counts).sum()) <= max(2, array.size // 10_000)
    for layer, output in engine.feature_maps(images).items():
        np.testing.assert_array_equal(found[f"{layer}/activation"].counts, histogram(output).counts)


@pytest.mark.parametrize("values", [
    np.full(50, 1e20, np.float32),                                  # a diverged layer: one huge value
    np.array([1e8, 1e8 + 8, 1e8 + 16], np.float32),                 # a spread float32 cannot split in 32
    np.array([1e30, 1e30 * (1 + 1e-12)], np.float64),               # a spread float64 cannot split
    np.array([-3e38, 3e38], np.float32),                            # the widest float32 range
])
def test_histograms_of_extreme_weights_keep_every_value_in_increasing_bins(values):
    found = histogram(values)
    assert found.counts.sum() == values.size
    assert np.all(np.diff(found.edges) > 0)
    assert found.edges[0] <= float(values.min()) and found.edges[-1] >= float(values.max())
