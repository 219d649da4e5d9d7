"""The layer specs a sequential CNN is made of, and their Keras-style names.

Each spec is a frozen dataclass whose ``kind`` is its type in the JSON form and the stem of its
layer names (``conv2d``, ``conv2d_1``, ``max_pooling2d`` ... as Keras would name them), and whose
fields are its settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
OUTPUT_ACTIVATION = "softmax"
PADDINGS = ("valid", "same")


@dataclass(frozen=True)
class Conv2D:
    """A 2-D convolution with kernels of shape ``(kh, kw, in_channels, filters)`` and a bias."""

    kind: ClassVar[str] = "conv2d"
    label: ClassVar[str] = "Conv2D"
    filters: int = 32
    kernel_size: tuple[int, int] = (3, 3)
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"
    activation: str = "relu"


@dataclass(frozen=True)
class MaxPooling2D:
    """Max pooling over ``pool_size`` windows; ``strides`` defaults to ``pool_size``."""

    kind: ClassVar[str] = "max_pooling2d"
    label: ClassVar[str] = "MaxPooling2D"
    pool_size: tuple[int, int] = (2, 2)
    strides: tuple[int, int] | None = None


@dataclass(frozen=True)
class AveragePooling2D:
    """Average pooling over ``pool_size`` windows; ``strides`` defaults to ``pool_size``."""

    kind: ClassVar[str] = "average_pooling2d"
    label: ClassVar[str] = "AveragePooling2D"
    pool_size: tuple[int, int] = (2, 2)
    strides: tuple[int, int] | None = None


@dataclass(frozen=True)
class SpectralPooling2D:
    """Spectral pooling (Rippel, Snoek & Adams 2015): keep the ``output_size`` lowest frequencies of
    each map's 2-D DFT, so an ``(h, w, c)`` input becomes ``(oh, ow, c)`` for any ``oh <= h``,
    ``ow <= w``. No parameters; the exact map is defined in :mod:`cnnviz.engines.numpy_engine.spectral`.
    """

    kind: ClassVar[str] = "spectral_pooling2d"
    label: ClassVar[str] = "SpectralPooling2D"
    output_size: tuple[int, int] = (14, 14)


@dataclass(frozen=True)
class Dropout:
    """Inverted dropout, active only while training."""

    kind: ClassVar[str] = "dropout"
    label: ClassVar[str] = "Dropout"
    rate: float = 0.2


@dataclass(frozen=True)
class Flatten:
    """Reshape ``(n, h, w, c)`` to ``(n, h * w * c)`` in NHWC order."""

    kind: ClassVar[str] = "flatten"
    label: ClassVar[str] = "Flatten"


@dataclass(frozen=True)
class Dense:
    """A fully connected layer with weights ``(in, units)`` and a bias."""

    kind: ClassVar[str] = "dense"
    label: ClassVar[str] = "Dense"
    units: int = 128
    activation: str = "relu"


@dataclass(frozen=True)
class BatchNormalization:
    """Batch normalization over the last (channel) axis, as Keras's ``BatchNormalization``.

    Training normalizes with the batch's mean and (biased) variance and moves the stored statistics
    towards them: ``moving = moving * momentum + batch * (1 - momentum)``; inference normalizes with
    the stored statistics. ``gamma`` (scale) and ``beta`` (offset) are trained; ``moving_mean`` and
    ``moving_variance`` are not, but are saved with the weights. Defaults are Keras's.
    """

    kind: ClassVar[str] = "batch_normalization"
    label: ClassVar[str] = "BatchNormalization"
    momentum: float = 0.99
    epsilon: float = 0.001


@dataclass(frozen=True)
class Activation:
    """An activation on its own, e.g. the relu after a batch normalization that follows a linear
    convolution (``conv2d`` with ``activation="linear"`` → ``batch_normalization`` → ``activation``)."""

    kind: ClassVar[str] = "activation"
    label: ClassVar[str] = "Activation"
    activation: str = "relu"


@dataclass(frozen=True)
class GlobalAveragePooling2D:
    """The mean of each channel over the whole map: ``(n, h, w, c) -> (n, c)``."""

    kind: ClassVar[str] = "global_average_pooling2d"
    label: ClassVar[str] = "GlobalAveragePooling2D"


@dataclass(frozen=True)
class GlobalMaxPooling2D:
    """The maximum of each channel over the whole map: ``(n, h, w, c) -> (n, c)``."""

    kind: ClassVar[str] = "global_max_pooling2d"
    label: ClassVar[str] = "GlobalMaxPooling2D"


LayerSpec = (Conv2D | MaxPooling2D | AveragePooling2D | SpectralPooling2D | Dropout | Flatten | Dense
             | BatchNormalization | Activation | GlobalAveragePooling2D | GlobalMaxPooling2D)
LAYER_CLASSES: dict[str, type] = {
    cls.kind: cls
    for cls in (Conv2D, MaxPooling2D, AveragePooling2D, SpectralPooling2D, Dropout, Flatten, Dense,
                BatchNormalization, Activation, GlobalAveragePooling2D, GlobalMaxPooling2D)
}
LAYER_TYPES = tuple(LAYER_CLASSES)


def layer_names(layers: tuple[LayerSpec, ...] | list[LayerSpec]) -> list[str]:
    """Keras-style unique layer names, counted per kind in order."""
    counts: dict[str, int] = {}
    names = []
    for layer in layers:
        count = counts.get(layer.kind, 0)
        names.append(layer.kind if count == 0 else f"{layer.kind}_{count}")
        counts[layer.kind] = count + 1
    return names
