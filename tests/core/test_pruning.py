"""Dead filters (report §5.2): near-zero kernels, never-active filters, and pruning them, on arrays made
here (tests/science/test_dead_filters.py runs them on models)."""

import numpy as np
import pytest

from cnnviz.core.pruning import dead_filters, max_abs_activation, prune_filters


def test_near_zero_is_relative_to_the_layer_and_never_active_is_absolute():
    rng = np.random.default_rng(1)
    kernels = rng.normal(size=(3, 3, 2, 4))
    kernels[..., 1] *= 1e-4
    for scale in (1e-6, 1.0, 1e6):
        assert dead_filters(kernels * scale).near_zero_kernels == (1,)
    assert dead_filters(kernels, kernel_tolerance=1e-5).near_zero_kernels == ()
    assert dead_filters(np.zeros((3, 3, 1, 3))).near_zero_kernels == (0, 1, 2)
    maps = np.abs(rng.normal(size=(5, 4, 4, 4)))
    maps[..., 3] = 1e-7
    maps[..., 0] = -maps[..., 0]  # a filter with only negative outputs (tanh) is active
    report = dead_filters(kernels, maps)
    assert report.never_active == (3,)
    assert dead_filters(kernels, maps, activity_tolerance=1e-8).never_active == ()
    np.testing.assert_allclose(report.max_activation, max_abs_activation(maps))


def test_without_feature_maps_there_is_no_activity_report():
    report = dead_filters(np.ones((2, 3)))
    assert report.never_active == () and report.max_activation is None
    # Activity gathered over batches: a unit counts as active if it was active in any batch.
    first, second = np.zeros((4, 3)), np.zeros((2, 3))
    second[1, 1] = -2.0
    gathered = np.maximum(max_abs_activation(first), max_abs_activation(second))
    report = dead_filters(np.ones((2, 3)), max_activation=gathered)
    assert report.never_active == (0, 2)
    np.testing.assert_array_equal(report.max_activation, [0, 2, 0])


@pytest.mark.parametrize("call, match", [
    (lambda: dead_filters(np.ones((3, 3, 1))), "kernels must have shape"),
    (lambda: dead_filters(np.ones((3, 3, 1, 4)), np.ones((2, 5, 5, 3))), "4 filters"),
    (lambda: dead_filters(np.ones((3, 3, 1, 4)), kernel_tolerance=-1), "kernel_tolerance"),
    (lambda: dead_filters(np.ones((3, 3, 1, 4)), activity_tolerance=float("nan")), "activity_tolerance"),
    (lambda: dead_filters(np.ones((2, 4)), np.ones((3, 4)), max_activation=np.ones(4)), "not both"),
    (lambda: max_abs_activation(np.ones(4)), "feature_maps"),
])
def test_bad_input_is_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_pruning_changes_exactly_the_chosen_filters():
    rng = np.random.default_rng(0)
    weights = {"conv2d": {"kernel": rng.normal(0.2, 0.3, (3, 3, 1, 8)), "bias": np.full(8, 0.05)},
               "dense": {"kernel": rng.normal(0, 0.05, (1352, 10)), "bias": np.zeros(10)}}
    names = ["conv2d", "max_pooling2d", "flatten", "dense"]
    pruned = prune_filters(weights, "conv2d", [1, 6], names)
    kernel, bias = pruned["conv2d"]["kernel"], pruned["conv2d"]["bias"]
    assert not kernel[..., [1, 6]].any() and not bias[[1, 6]].any()
    changed = kernel != weights["conv2d"]["kernel"]
    assert set(np.flatnonzero(changed.any(axis=(0, 1, 2)))) == {1, 6}
    assert set(np.flatnonzero(bias != weights["conv2d"]["bias"])) == {1, 6}
    for name in ("kernel", "bias"):  # the next layer's incoming weights are kept
        np.testing.assert_array_equal(pruned["dense"][name], weights["dense"][name])
    assert weights["conv2d"]["kernel"][..., 1].any()  # the input is not changed
    with pytest.raises(ValueError, match="0 to 7"):
        prune_filters(weights, "conv2d", [8])
    with pytest.raises(ValueError, match="no kernel and bias"):
        prune_filters(weights, "flatten", [0])
    with pytest.raises(ValueError, match="no layer"):
        prune_filters(weights, "conv", [0], names)
