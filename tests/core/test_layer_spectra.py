"""The spectra of one inspection: every layer's feature maps, and the kernels at a chosen channel and padding."""

import numpy as np
import pytest

from cnnviz.core import layer_spectra
from cnnviz.core.layer_spectra import (
    DEFAULT_KERNEL_PADDING,
    MAX_KERNEL_PADDING,
    KernelSpectraCache,
    feature_map_spectra,
    inspection_spectra,
    kernel_spectra,
)
from cnnviz.core.spectra import magnitude_spectrum, spectrum_extent


def test_feature_map_spectra_are_the_magnitude_spectra_of_each_map_read_only():
    maps = np.random.default_rng(0).random((6, 9, 3)).astype(np.float32)
    stack = feature_map_spectra(maps)
    np.testing.assert_array_equal(stack.spectra, np.moveaxis(magnitude_spectrum(maps), -1, 0))
    assert stack.size == (6, 9) and stack.extent == spectrum_extent((6, 9))
    assert not stack.spectra.flags.writeable


def test_kernel_spectra_choose_a_channel_pad_and_never_crop():
    kernel = np.random.default_rng(1).normal(size=(5, 3, 2, 4))
    stack = kernel_spectra(kernel, channel=1, size=16)
    np.testing.assert_array_equal(stack.spectra, np.moveaxis(magnitude_spectrum(kernel[:, :, 1, :], size=16), -1, 0))
    assert stack.spectra.shape == (4, 16, 16) and stack.extent == spectrum_extent(16)
    assert kernel_spectra(kernel).size == (DEFAULT_KERNEL_PADDING, DEFAULT_KERNEL_PADDING)
    assert kernel_spectra(kernel, size=3).size == (5, 5)  # raised to the kernel's own size
    for call, match in ((lambda: kernel_spectra(kernel, channel=2), "numbered 0 to 1"),
                        (lambda: kernel_spectra(kernel, channel=True), "numbered 0 to 1"),
                        (lambda: kernel_spectra(kernel, size=0), "size must be"),
                        (lambda: kernel_spectra(kernel, size=MAX_KERNEL_PADDING + 1), "size must be"),
                        (lambda: kernel_spectra(kernel[..., 0]), "kh, kw, in, out")):
        with pytest.raises(ValueError, match=match):
            call()


def inspection_arrays():
    """One input's outputs of conv2d -> max pooling -> dropout -> flatten -> dense, and the kernels."""
    rng = np.random.default_rng(2)
    pooled = rng.random((1, 3, 3, 2)).astype(np.float32)
    feature_maps = {"conv2d": rng.random((1, 6, 6, 2)).astype(np.float32), "max_pooling2d": pooled,
                    "dropout": pooled.copy(), "flatten": pooled.reshape(1, 18), "dense": rng.random((1, 10))}
    kernels = {"conv2d": rng.normal(size=(3, 3, 1, 2)).astype(np.float32), "dense": rng.normal(size=(18, 10))}
    return feature_maps, kernels, tuple(feature_maps)


def test_every_layer_with_maps_has_spectra_and_a_repeated_layer_shares_them():
    feature_maps, kernels, names = inspection_arrays()
    spectra = inspection_spectra(feature_maps, kernels, names)
    assert list(spectra.feature_maps) == ["conv2d", "max_pooling2d", "dropout"]
    for name, stack in spectra.feature_maps.items():
        np.testing.assert_array_equal(stack.spectra, np.moveaxis(magnitude_spectrum(feature_maps[name][0]), -1, 0))
    assert spectra.feature_maps["dropout"] is spectra.feature_maps["max_pooling2d"]
    assert list(spectra.kernels) == ["conv2d"]
    with pytest.raises(ValueError, match="no kernels to transform; layers with kernels: conv2d"):
        spectra.kernel_spectra("dense")


@pytest.mark.parametrize("eager, ready", [(("max_pooling2d",), {"max_pooling2d", "dropout"}),
                                          (("dropout",), {"max_pooling2d", "dropout"}),
                                          ((), set()), (("conv2d", "dense"), {"conv2d"})])
def test_only_the_layers_asked_for_are_transformed_at_once_and_the_others_when_read(eager, ready):
    """The spectra viewer shows one layer: a stroke transforms that layer's maps (and a layer sharing
    them), the others' when first read, the same spectra either way."""
    feature_maps, kernels, names = inspection_arrays()
    spectra = inspection_spectra(feature_maps, kernels, names, eager_layers=eager)
    assert list(spectra.feature_maps) == ["conv2d", "max_pooling2d", "dropout"]
    assert {name for name in spectra.feature_maps if spectra.feature_maps.is_ready(name)} == ready
    for name in ("dropout", "conv2d", "max_pooling2d"):
        np.testing.assert_array_equal(spectra.feature_maps[name].spectra,
                                      np.moveaxis(magnitude_spectrum(feature_maps[name][0]), -1, 0))
        assert spectra.feature_maps.is_ready(name)
    assert spectra.feature_maps["dropout"] is spectra.feature_maps["max_pooling2d"]


def counting(monkeypatch) -> list:
    """Record every computation of kernel spectra."""
    calls = []
    original = layer_spectra.kernel_spectra
    monkeypatch.setattr(layer_spectra, "kernel_spectra", lambda *args: calls.append(args) or original(*args))
    return calls


def test_the_default_kernel_spectra_come_ready_and_other_choices_are_kept(monkeypatch):
    feature_maps, kernels, names = inspection_arrays()
    spectra = inspection_spectra(feature_maps, kernels, names)
    calls = counting(monkeypatch)
    default = spectra.kernel_spectra("conv2d")
    assert calls == [] and default.size == (DEFAULT_KERNEL_PADDING, DEFAULT_KERNEL_PADDING)
    np.testing.assert_array_equal(default.spectra, kernel_spectra(kernels["conv2d"]).spectra)
    calls.clear()
    padded = spectra.kernel_spectra("conv2d", 0, 64)
    assert len(calls) == 1 and padded.size == (64, 64)
    assert spectra.kernel_spectra("conv2d", 0, 64) is padded and len(calls) == 1
    assert spectra.kernel_spectra("conv2d", 0, 2) is spectra.kernel_spectra("conv2d", 0, 3)  # both 3x3


def test_inspections_with_the_same_kernels_share_their_spectra(monkeypatch):
    feature_maps, kernels, names = inspection_arrays()
    cache = KernelSpectraCache()
    first = inspection_spectra(feature_maps, kernels, names, cache)
    calls = counting(monkeypatch)
    again = inspection_spectra({name: maps + 1 for name, maps in feature_maps.items()},
                               {name: kernel.copy() for name, kernel in kernels.items()}, names, cache)
    assert calls == [] and again.kernel_spectra("conv2d") is first.kernel_spectra("conv2d")
    trained = {**kernels, "conv2d": kernels["conv2d"] * 2}
    changed = inspection_spectra(feature_maps, trained, names, cache)
    assert len(calls) == 1
    np.testing.assert_array_equal(changed.kernel_spectra("conv2d").spectra, kernel_spectra(trained["conv2d"]).spectra)


def test_the_cache_keeps_the_most_recent_spectra_within_its_size():
    rng = np.random.default_rng(3)
    kernels = [rng.normal(size=(3, 3, 1, 4)) for _ in range(3)]
    one = kernel_spectra(kernels[0]).spectra.nbytes
    cache = KernelSpectraCache(max_bytes=2 * one)
    stacks = [cache.spectra(kernel) for kernel in kernels]
    assert cache.spectra(kernels[2]) is stacks[2] and cache.spectra(kernels[1]) is stacks[1]
    assert cache.spectra(kernels[0]) is not stacks[0]  # dropped to make room, computed again
    np.testing.assert_array_equal(cache.spectra(kernels[0]).spectra, stacks[0].spectra)
