"""How much memory a configuration needs to train and to inspect, and how much this machine may give it.

Both engines compute in float32. Training holds, for one batch, every layer's cached forward values
(a convolution keeps its im2col columns and its output; other layers their input and output), the
gradients flowing back through the largest of them, and for every parameter its value, its gradient
and the optimizer's state (one slot for momentum, two for Adam); the training images are held as
float32 beside their uint8 originals. An inspection runs one image but keeps every layer's feature
maps, their gradients, their spectra and every parameter's gradient.

The estimate is compared with a limit: by default half of the memory this machine reports available
(``MemAvailable`` in ``/proc/meminfo``, else ``os.sysconf``); ``$CNNVIZ_MEMORY_LIMIT_MB`` or
:func:`set_memory_limit_mb` (``cnnviz train --memory-limit MB``) sets it knowingly.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from cnnviz.core.config import Conv2D, Dense, LayerSpec, ModelConfig

MEMORY_LIMIT_ENV = "CNNVIZ_MEMORY_LIMIT_MB"
AVAILABLE_FRACTION = 0.5
"""The share of the machine's available memory one configuration may need by default."""
FLOAT_BYTES = 4
OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "adam": 2}
DATASET_IMAGES = {"mnist-sample": 10_000, "mnist": 70_000, "fashion-mnist": 70_000, "shapes": 10_000,
                  "shapes-colour": 10_000, "cifar10": 60_000}
"""Images held for training (training and test splits together) per dataset."""
INSPECTION_COPIES = 8
"""Float32 copies of each layer's output an inspection keeps: maps, gradients, spectra, read-only copies."""
MIB = 2**20

_override_mb: float | None = None


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a configuration needs, by part.

    Attributes
    ----------
    parameters : int
        Weights, their gradients and the optimizer's state.
    activations : int
        One training batch's cached forward values and the gradients flowing back.
    data : int
        The training and test images, as loaded and as float32.
    inspection : int
        One inspection: every layer's maps, gradients and spectra for one image, and parameter gradients.
    heaviest_layer : int or None
        Index of the convolution or dense layer whose cached values weigh most (None without one):
        the layer whose filters or units to lower first.
    """

    parameters: int
    activations: int
    data: int
    inspection: int
    heaviest_layer: int | None

    @property
    def training(self) -> int:
        """Bytes needed to train."""
        return self.parameters + self.activations + self.data

    @property
    def peak(self) -> int:
        """The larger of training and inspection."""
        return max(self.training, self.inspection)


def format_mib(size: float) -> str:
    """Bytes as ``"1,234 MiB"`` or ``"12.3 GiB"``."""
    if size >= 10 * 2**30:
        return f"{size / 2**30:,.1f} GiB"
    return f"{size / MIB:,.0f} MiB"


def _layer_values(layer: LayerSpec, input_shape: tuple[int, ...], output_shape: tuple[int, ...]) -> int:
    """Values one image keeps cached in ``layer`` during a training step."""
    outputs = math.prod(output_shape)
    if isinstance(layer, Conv2D):
        height, width, _ = output_shape
        columns = height * width * layer.kernel_size[0] * layer.kernel_size[1] * input_shape[-1]
        return columns + outputs
    return math.prod(input_shape) + outputs


def estimate_memory(config: ModelConfig, output_shapes: list[tuple[int, ...]]) -> MemoryEstimate:
    """Estimate the memory ``config`` needs, given each layer's output shape (without the batch axis).

    The configuration's layers must be valid for their inputs (see
    :func:`cnnviz.core.validation.find_problems`).
    """
    from cnnviz.core.validation import layer_parameter_count

    training = config.training
    # A full batch is the training set: its size is known here when a subset is named.
    batch = max(int(training.train_subset if training.full_batch and training.train_subset else
                    training.batch_size), 1)
    shape: tuple[int, ...] = tuple(config.input_shape)
    num_parameters = 0
    per_layer = []
    for layer, output_shape in zip(config.layers, output_shapes):
        num_parameters += layer_parameter_count(layer, shape)
        per_layer.append(_layer_values(layer, shape, output_shape))
        shape = output_shape
    cached = sum(per_layer)
    largest = max(per_layer, default=0)
    slots = OPTIMIZER_SLOTS.get(training.optimizer, 2)
    parameters = num_parameters * FLOAT_BYTES * (2 + slots)
    # The cached values of every layer, and while going back the gradient and its im2col form at the
    # largest layer, twice over for the arrays alive at once.
    activations = batch * FLOAT_BYTES * (cached + 2 * largest)
    num_images = DATASET_IMAGES.get(training.dataset, 0)
    if training.train_subset is not None:
        num_images = min(num_images, int(training.train_subset) + num_images // 7)
    data = num_images * math.prod(config.input_shape) * (FLOAT_BYTES + 1)
    inspection = num_parameters * FLOAT_BYTES * 3 + INSPECTION_COPIES * FLOAT_BYTES * cached
    widths = [index for index, layer in enumerate(config.layers) if isinstance(layer, (Conv2D, Dense))]
    heaviest = max(widths, key=per_layer.__getitem__) if widths else None
    return MemoryEstimate(parameters, activations, data, inspection, heaviest)


def set_memory_limit_mb(megabytes: float | None) -> None:
    """Set the limit for this process (``cnnviz train --memory-limit``); None goes back to the default.

    Raises
    ------
    ValueError
        For a limit that is not a positive number.
    """
    global _override_mb
    if megabytes is not None and not (math.isfinite(megabytes) and megabytes > 0):
        raise ValueError(f"The memory limit must be a positive number of megabytes, received {megabytes}; "
                         "e.g. --memory-limit 8000.")
    _override_mb = megabytes


def available_memory() -> int | None:
    """Bytes this machine reports available now (``MemAvailable``), or None when it cannot say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def memory_limit() -> tuple[int | None, str]:
    """The most bytes one configuration may need, and where that limit comes from, for a message.

    Raises
    ------
    ValueError
        If ``$CNNVIZ_MEMORY_LIMIT_MB`` is set but is not a positive number.
    """
    if _override_mb is not None:
        return int(_override_mb * MIB), "set with --memory-limit"
    configured = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if configured:
        try:
            megabytes = float(configured)
        except ValueError:
            megabytes = math.nan
        if not (math.isfinite(megabytes) and megabytes > 0):
            raise ValueError(f"${MEMORY_LIMIT_ENV} must be a positive number of megabytes, received "
                             f"{configured!r}; e.g. {MEMORY_LIMIT_ENV}=8000.")
        return int(megabytes * MIB), f"set by ${MEMORY_LIMIT_ENV}"
    available = available_memory()
    if available is None:
        return None, "unknown"
    return int(available * AVAILABLE_FRACTION), (
        f"{AVAILABLE_FRACTION:.0%} of the {format_mib(available)} this machine has available")


def images_dominate(estimate: MemoryEstimate) -> bool:
    """Whether the images held for training weigh more than everything else training needs."""
    return estimate.training >= estimate.inspection and estimate.data > estimate.parameters + estimate.activations


def memory_message(config: ModelConfig, estimate: MemoryEstimate, limit: int, source: str) -> str | None:
    """Say why ``estimate`` does not fit ``limit`` and how to fix it; None when it fits."""
    if estimate.peak <= limit:
        return None
    training = config.training
    batch = training.train_subset if training.full_batch and training.train_subset else training.batch_size
    if estimate.training >= estimate.inspection:
        what = (f"Training this model needs about {format_mib(estimate.training)}: "
                f"{format_mib(estimate.activations)} for the activations and their gradients of a batch of "
                f"{batch}, {format_mib(estimate.parameters)} for the parameters, their gradients and the "
                f"optimizer's state, {format_mib(estimate.data)} for the images")
    else:
        what = (f"Inspecting this model needs about {format_mib(estimate.inspection)} for every layer's maps, "
                "gradients and spectra")
    if images_dominate(estimate):
        fix = (f"Use a smaller input_shape than {list(config.input_shape)} (every image is held at that size) "
               "or fewer training images (train_subset)")
    else:
        fix = "Lower the batch size or the number of filters or units, pool earlier, or remove layers"
    return (f"{what}; that is more than the {format_mib(limit)} cnnviz allows ({source}). {fix}; or, knowing the "
            "machine can "
            f"take it, raise the limit with ${MEMORY_LIMIT_ENV} (cnnviz train --memory-limit MB).")
