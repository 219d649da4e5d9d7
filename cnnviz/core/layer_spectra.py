"""The Fourier spectra the viewers show for one inspection: every layer's feature maps, and kernels.

The model service's worker calls :func:`inspection_spectra` for every inspection, so the
spectra viewer and the export display spectra they did not compute. Feature-map spectra depend
on the input and are computed for every layer with maps (in a large network, those past
:data:`EAGER_MAP_ELEMENTS` on first request, :class:`LazySpectra`; when the caller names the layers it
shows, only those at once); a kernel's spectrum depends on the
input channel and the size it is zero-padded to, both the viewer's settings, so the kernels'
spectra are computed for input channel 0 at :data:`DEFAULT_KERNEL_PADDING` (what the viewer
shows first and the export writes) and any other choice on first request
(:meth:`InspectionSpectra.kernel_spectra`; past :data:`EAGER_KERNEL_BYTES`, the defaults too).
Kernels change only when the weights do, so their
spectra are kept by content in a :class:`KernelSpectraCache`: while a person draws, every
inspection has the same kernels and one computation serves them all. Pure NumPy on arrays;
read-only results.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from cnnviz.core.checks import is_int
from cnnviz.core.results import frozen
from cnnviz.core.spectra import magnitude_spectrum, magnitude_spectrum_stack, spectrum_extent

DEFAULT_KERNEL_PADDING = 32
"""Kernels are zero-padded to this size unless the viewer asks for another."""
MAX_KERNEL_PADDING = 128
"""The largest size a kernel may be zero-padded to."""
CACHE_BYTES = 64 * 2**20
"""Kernel spectra a :class:`KernelSpectraCache` keeps by default, in bytes (the oldest go first)."""
EAGER_MAP_ELEMENTS = 1_000_000
"""Feature-map values whose spectra an inspection computes at once, in network order; the spectra
of the layers after them (a network of a hundred large layers) are computed on first request."""
EAGER_KERNEL_BYTES = 8 * 2**20
"""Kernel spectra (at the defaults) an inspection computes at once, in bytes; the rest on first request."""


@dataclass(frozen=True, eq=False)
class SpectrumStack:
    """Centred log-magnitude spectra of ``n`` maps, ready to draw.

    Attributes
    ----------
    spectra : ndarray, shape (n, H, W), float32, read-only
        ``log(1 + |F|)`` of each map, zero frequency at ``(H // 2, W // 2)``
        (:func:`cnnviz.core.spectra.magnitude_spectrum`).
    extent : (float, float, float, float)
        Where the pixels lie in frequency (:func:`cnnviz.core.spectra.spectrum_extent`).
    """

    spectra: np.ndarray
    extent: tuple[float, float, float, float]

    @property
    def size(self) -> tuple[int, int]:
        """``(H, W)``, the size the maps were transformed at."""
        return int(self.spectra.shape[1]), int(self.spectra.shape[2])


def _stack(maps: np.ndarray, size: int | None = None) -> SpectrumStack:
    """Spectra of ``(h, w, n)`` maps as an ``(n, H, W)`` stack."""
    if maps.ndim != 3 or 0 in maps.shape or not np.issubdtype(maps.dtype, np.floating):
        # Anything unusual goes through the public function's checks (and its messages).
        spectra = np.ascontiguousarray(np.moveaxis(magnitude_spectrum(maps, size=size), -1, 0))
    else:
        spectra = magnitude_spectrum_stack(maps, size)
    return SpectrumStack(frozen(spectra), spectrum_extent(spectra.shape[1:]))


def feature_map_spectra(maps: np.ndarray) -> SpectrumStack:
    """Spectra of one layer's feature maps for one input, at the maps' own size.

    Parameters
    ----------
    maps : ndarray, shape (h, w, c)

    Returns
    -------
    SpectrumStack
        ``c`` spectra of shape ``(h, w)``.
    """
    return _stack(np.asarray(maps))


def kernel_spectra(kernel: np.ndarray, channel: int = 0, size: int = DEFAULT_KERNEL_PADDING) -> SpectrumStack:
    """Spectra of one input channel of a convolution's kernels, zero-padded to ``size × size``.

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw, in, out)
    channel : int, default 0
        The input channel, in ``[0, in)``.
    size : int, default :data:`DEFAULT_KERNEL_PADDING`
        Raised to the kernel's own size when smaller (a spectrum cannot be cropped by padding).

    Returns
    -------
    SpectrumStack
        ``out`` spectra of shape ``(size, size)``.
    """
    kernel = np.asarray(kernel)
    channel, size = _kernel_choice(kernel, channel, size)
    return _stack(kernel[:, :, channel, :], size)


def _kernel_choice(kernel: np.ndarray, channel, size) -> tuple[int, int]:
    """``(channel, padded size)`` checked against ``kernel``; the size raised to the kernel's own."""
    if kernel.ndim != 4 or 0 in kernel.shape:
        raise ValueError(f"kernel must have shape (kh, kw, in, out), received an array of shape {kernel.shape}.")
    if not is_int(channel) or not 0 <= channel < kernel.shape[2]:
        raise ValueError(f"The kernels have {kernel.shape[2]} input channels, numbered 0 to {kernel.shape[2] - 1}; "
                         f"received channel {channel!r}.")
    if not is_int(size) or not 0 < size <= MAX_KERNEL_PADDING:
        raise ValueError(f"size must be an integer from 1 to {MAX_KERNEL_PADDING}, received {size!r}.")
    return int(channel), max(int(size), kernel.shape[0], kernel.shape[1])


class KernelSpectraCache:
    """Kernel spectra already computed, found again by the kernel's content, channel and padding.

    Thread-safe: the model service's worker fills it with every inspection, and the interface
    thread may ask for another channel or padding. Keeps the most recently used spectra up to
    ``max_bytes``.

    Parameters
    ----------
    max_bytes : int, default :data:`CACHE_BYTES`
    """

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self._max_bytes = int(max_bytes)
        self._entries: OrderedDict[tuple, SpectrumStack] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def fingerprint(kernel: np.ndarray) -> tuple:
        """What identifies a kernel's content: its shape, type and a digest of its values."""
        kernel = np.ascontiguousarray(kernel)
        return kernel.shape, kernel.dtype.str, hashlib.blake2b(kernel.data, digest_size=16).digest()

    def spectra(self, kernel: np.ndarray, channel: int = 0, size: int = DEFAULT_KERNEL_PADDING,
                fingerprint: tuple | None = None) -> SpectrumStack:
        """:func:`kernel_spectra` of ``kernel``, computed only if these were never asked for (or were
        dropped to make room). ``fingerprint`` saves hashing a kernel asked about repeatedly."""
        kernel = np.asarray(kernel)
        key = (fingerprint or self.fingerprint(kernel), *_kernel_choice(kernel, channel, size))
        with self._lock:
            stack = self._entries.get(key)
            if stack is not None:
                self._entries.move_to_end(key)
                return stack
        stack = kernel_spectra(kernel, channel, size)
        with self._lock:
            if key not in self._entries:
                self._entries[key] = stack
                self._bytes += stack.spectra.nbytes
            while self._bytes > self._max_bytes and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.spectra.nbytes
            return self._entries.get(key, stack)


class LazySpectra(Mapping):
    """Feature-map spectra by layer: those given ready, the others computed on first request and kept.

    Thread-safe (the worker makes it, the interface thread reads it). ``sources`` maps each layer to
    the layer whose maps it shares (a layer that passes its input on unchanged) and ``maps`` holds
    the ``(h, w, c)`` maps of every source.
    """

    def __init__(self, ready: dict[str, SpectrumStack], sources: dict[str, str], maps: dict[str, np.ndarray]):
        self._ready = dict(ready)
        self._sources = dict(sources)
        self._maps = maps
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> SpectrumStack:
        source = self._sources[name]
        with self._lock:
            stack = self._ready.get(source)
        if stack is None:
            stack = feature_map_spectra(self._maps[source])
            with self._lock:
                stack = self._ready.setdefault(source, stack)
        return stack

    def __iter__(self):
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def is_ready(self, name: str) -> bool:
        """Whether ``name``'s spectra are computed already."""
        with self._lock:
            return self._sources[name] in self._ready


@dataclass(frozen=True, eq=False)
class InspectionSpectra:
    """The spectra of one inspection's feature maps and kernels.

    Attributes
    ----------
    feature_maps : mapping {layer: SpectrumStack}
        Every layer with feature maps ``(1, h, w, c)``, in network order.
    kernels : mapping {layer: ndarray of shape (kh, kw, in, out)}
        The convolutions' kernels the kernel spectra are taken of (read-only).
    cache : KernelSpectraCache
        Where the kernel spectra are kept (shared between inspections by the model service).
    """

    feature_maps: Mapping[str, SpectrumStack]
    kernels: Mapping[str, np.ndarray]
    cache: KernelSpectraCache = field(default_factory=KernelSpectraCache, repr=False)
    _fingerprints: dict = field(default_factory=dict, init=False, repr=False)

    def kernel_spectra(self, layer: str, channel: int = 0, size: int = DEFAULT_KERNEL_PADDING) -> SpectrumStack:
        """The spectra of ``layer``'s kernels for one input channel, zero-padded to ``size × size``.

        Input channel 0 at :data:`DEFAULT_KERNEL_PADDING` was made with the inspection; any
        other choice is made now, once for these kernels (a kernel has no input-dependent part).

        Raises
        ------
        ValueError
            For a layer without kernels, a channel it does not have, or a size out of range.
        """
        if layer not in self.kernels:
            raise ValueError(f"Layer {layer!r} has no kernels to transform; layers with kernels: "
                             f"{', '.join(self.kernels) or 'none'}.")
        kernel = self.kernels[layer]
        fingerprint = self._fingerprints.get(layer)
        if fingerprint is None:
            fingerprint = self._fingerprints.setdefault(layer, KernelSpectraCache.fingerprint(kernel))
        return self.cache.spectra(kernel, channel, size, fingerprint)


def inspection_spectra(feature_maps: Mapping[str, np.ndarray], kernels: Mapping[str, np.ndarray],
                       layer_names: Iterable[str], cache: KernelSpectraCache | None = None,
                       eager_layers: Iterable[str] | None = None) -> InspectionSpectra:
    """Every layer's feature-map spectra, and each convolution's kernel spectra at the defaults.

    Parameters
    ----------
    feature_maps : mapping {layer: ndarray}
        One input's output of every layer; only ``(1, h, w, c)`` maps have spectra.
    kernels : mapping {layer: ndarray}
        The kernels; only ``(kh, kw, in, out)`` ones have spectra.
    layer_names : iterable of str
        The layers in network order.
    cache : KernelSpectraCache, optional
        Kernel spectra kept from earlier inspections (default: a new, empty one).
    eager_layers : iterable of str, optional
        The layers whose feature-map spectra are computed now (a viewer showing one layer needs no
        more); the others' on first request. Default: every layer, in network order, up to
        :data:`EAGER_MAP_ELEMENTS` values.

    Returns
    -------
    InspectionSpectra
    """
    ready: dict[str, SpectrumStack] = {}
    sources: dict[str, str] = {}
    maps_of: dict[str, np.ndarray] = {}
    previous: tuple[str, np.ndarray] | None = None
    eager_elements = 0
    wanted = None if eager_layers is None else set(eager_layers)
    for name in layer_names:
        output = feature_maps.get(name)
        if output is None or np.ndim(output) != 4:
            continue
        maps = np.asarray(output)[0]
        # A layer that passes its input on unchanged at inference (dropout) has the same spectra.
        if previous is not None and previous[1].shape == maps.shape and np.array_equal(previous[1], maps):
            sources[name] = previous[0]
            if wanted is not None and name in wanted and previous[0] not in ready:
                ready[previous[0]] = feature_map_spectra(previous[1])
            continue
        sources[name], maps_of[name], previous = name, maps, (name, maps)
        if wanted is not None:
            if name in wanted:
                ready[name] = feature_map_spectra(maps)
        elif eager_elements + maps.size <= EAGER_MAP_ELEMENTS or not ready:
            ready[name] = feature_map_spectra(maps)
            eager_elements += maps.size
    spectra: Mapping[str, SpectrumStack]
    if len(ready) == len(maps_of):
        spectra = MappingProxyType({name: ready[source] for name, source in sources.items()})
    else:
        spectra = LazySpectra(ready, sources, maps_of)
    convolution_kernels = {name: frozen(np.asarray(kernel)) for name, kernel in kernels.items() if np.ndim(kernel) == 4}
    result = InspectionSpectra(spectra, MappingProxyType(convolution_kernels),
                               KernelSpectraCache() if cache is None else cache)
    eager_bytes = 0
    for name, kernel in convolution_kernels.items():
        size = max(DEFAULT_KERNEL_PADDING, kernel.shape[0], kernel.shape[1])
        eager_bytes += size * size * kernel.shape[3] * 4
        if eager_bytes > EAGER_KERNEL_BYTES:
            break
        result.kernel_spectra(name)
    return result
