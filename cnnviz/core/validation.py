"""Whole-network checks: every impossible configuration is refused before anything trains.

:func:`find_problems` returns every problem it can see (one per setting, and the
first shape problem, since the shapes after it are unknown); :func:`validate`
raises the first. Each message names the layer, what was received, what was
expected and how to fix it, so the interface can show it beside that layer.
"""

from __future__ import annotations

import math
import os

from cnnviz.core.checks import is_int
from cnnviz.core.config import (
    ACTIVATIONS,
    DATASETS,
    INITIALIZERS,
    OPTIMIZERS,
    OUTPUT_ACTIVATION,
    PADDINGS,
    Activation,
    AveragePooling2D,
    BatchNormalization,
    ConfigError,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    LayerSpec,
    MaxPooling2D,
    ModelConfig,
    SpectralPooling2D,
    layer_names,
)
from cnnviz.core.datasets.registry import CLASS_NAMES
from cnnviz.core.memory import estimate_memory, images_dominate, memory_limit, memory_message

DATASET_CLASSES = {name: len(names) for name, names in CLASS_NAMES.items()}
"""Classes of each built-in dataset; an image folder's come from its sub-folders when it is read."""
INPUT_CHANNELS = (1, 3)
"""Grey or RGB inputs: what pictures, drawings and datasets convert to (see :mod:`cnnviz.core.preprocessing`)."""
MIN_INPUT_SIZE = 8
"""The smallest input height and width; the largest is what memory allows (:mod:`cnnviz.core.memory`)."""
GLOBAL_POOLINGS = (GlobalAveragePooling2D, GlobalMaxPooling2D)
MAX_PARAMETERS = 50_000_000
MAX_LAYERS = 200
MAX_FILTERS = 4096
MAX_UNITS = 65_536
MAX_SEED = 2**32
"""Seeds are in [0, 2**32): what NumPy's and TensorFlow's generators both accept."""

Shape = tuple[int, ...]


def conv_output_size(size: int, kernel: int, stride: int, padding: str) -> int:
    """Output length of a convolution along one axis, as Keras computes it."""
    if padding == "same":
        return -(-size // stride)
    return (size - kernel) // stride + 1 if size >= kernel else 0


def layer_output_shape(layer: LayerSpec, shape: Shape) -> Shape:
    """Output shape (without the batch axis) of ``layer`` for an input of ``shape``.

    The layer is assumed valid for that input; see :func:`find_problems`.
    """
    if isinstance(layer, Conv2D):
        height, width, _ = shape
        return (
            conv_output_size(height, layer.kernel_size[0], layer.strides[0], layer.padding),
            conv_output_size(width, layer.kernel_size[1], layer.strides[1], layer.padding),
            layer.filters,
        )
    if isinstance(layer, (MaxPooling2D, AveragePooling2D)):
        height, width, channels = shape
        strides = layer.strides or layer.pool_size
        return (
            conv_output_size(height, layer.pool_size[0], strides[0], "valid"),
            conv_output_size(width, layer.pool_size[1], strides[1], "valid"),
            channels,
        )
    if isinstance(layer, SpectralPooling2D):
        return (*layer.output_size, shape[-1])
    if isinstance(layer, Flatten):
        return (math.prod(shape),)
    if isinstance(layer, GLOBAL_POOLINGS):
        return (shape[-1],)
    if isinstance(layer, Dense):
        return (layer.units,)
    return shape


def layer_parameter_count(layer: LayerSpec, shape: Shape) -> int:
    """Number of parameters of ``layer`` fed an input of ``shape``, trainable or not (Keras's "Param #")."""
    if isinstance(layer, Conv2D):
        kernel_height, kernel_width = layer.kernel_size
        return kernel_height * kernel_width * shape[-1] * layer.filters + layer.filters
    if isinstance(layer, Dense):
        return shape[-1] * layer.units + layer.units
    if isinstance(layer, BatchNormalization):
        return 4 * shape[-1]  # gamma, beta, moving_mean, moving_variance
    return 0


def layer_trainable_parameter_count(layer: LayerSpec, shape: Shape) -> int:
    """Number of trainable parameters of ``layer`` fed an input of ``shape`` (batch normalization's
    moving statistics are not trained)."""
    if isinstance(layer, BatchNormalization):
        return 2 * shape[-1]  # gamma, beta
    return layer_parameter_count(layer, shape)


def _positive_pair(value: tuple[int, int], name: str, where: str, index: int) -> ConfigError | None:
    if value[0] <= 0 or value[1] <= 0:
        return ConfigError(
            f"{where}: {name} must be positive, received {list(value)}. Use at least [1, 1].",
            index, name,
        )
    return None


def _layer_setting_problems(layer: LayerSpec, index: int, where: str, is_last: bool) -> list[ConfigError]:
    """Problems of a layer's own settings, whatever its input."""
    problems: list[ConfigError | None] = []
    if isinstance(layer, Conv2D):
        if not 0 < layer.filters <= MAX_FILTERS:
            problems.append(ConfigError(
                f"{where}: filters must be a positive integer of at most {MAX_FILTERS:,}, received "
                f"{layer.filters:,}. Try 8, 16 or 32.", index, "filters"))
        problems.append(_positive_pair(layer.kernel_size, "kernel_size", where, index))
        problems.append(_positive_pair(layer.strides, "strides", where, index))
        if layer.padding not in PADDINGS:
            problems.append(ConfigError(
                f"{where}: unknown padding {layer.padding!r}; expected 'valid' or 'same'.", index, "padding"))
    if isinstance(layer, (MaxPooling2D, AveragePooling2D)):
        problems.append(_positive_pair(layer.pool_size, "pool_size", where, index))
        if layer.strides is not None:
            problems.append(_positive_pair(layer.strides, "strides", where, index))
    if isinstance(layer, SpectralPooling2D):
        problems.append(_positive_pair(layer.output_size, "output_size", where, index))
    if isinstance(layer, Dropout) and not 0.0 <= layer.rate < 1.0:
        problems.append(ConfigError(
            f"{where}: rate must be in [0, 1), received {layer.rate}. A rate of 1 would drop every "
            "value; use e.g. 0.2, or 0 to disable dropout.", index, "rate"))
    if isinstance(layer, BatchNormalization):
        if not (math.isfinite(layer.momentum) and 0.0 < layer.momentum < 1.0):
            problems.append(ConfigError(
                f"{where}: momentum must be in (0, 1), received {layer.momentum}. The moving statistics "
                "keep this share of their value at each step; Keras uses 0.99, and 0.9 adapts faster.",
                index, "momentum"))
        if not (math.isfinite(layer.epsilon) and layer.epsilon > 0.0):
            problems.append(ConfigError(
                f"{where}: epsilon must be a positive number, received {layer.epsilon}. It is added to the "
                "variance so no channel is divided by zero; Keras uses 0.001.", index, "epsilon"))
    if isinstance(layer, Dense) and not 0 < layer.units <= MAX_UNITS:
        problems.append(ConfigError(
            f"{where}: units must be a positive integer of at most {MAX_UNITS:,}, received {layer.units:,}.",
            index, "units"))
    if isinstance(layer, (Conv2D, Dense, Activation)):
        allowed = ACTIVATIONS + ((OUTPUT_ACTIVATION,) if is_last and isinstance(layer, Dense) else ())
        if layer.activation not in allowed:
            if layer.activation == OUTPUT_ACTIVATION:
                hint = "softmax belongs to the output layer only; use relu, tanh, sigmoid or linear here."
            else:
                hint = f"expected one of {', '.join(allowed)}."
            problems.append(ConfigError(
                f"{where}: unknown activation {layer.activation!r}; {hint}", index, "activation"))
    return [problem for problem in problems if problem is not None]


def _shape_problem(layer: LayerSpec, shape: Shape, index: int, where: str) -> ConfigError | None:
    """The problem, if any, of feeding ``shape`` into ``layer``."""
    if isinstance(layer, (Conv2D, MaxPooling2D, AveragePooling2D, SpectralPooling2D, *GLOBAL_POOLINGS)):
        if len(shape) != 3:
            return ConfigError(
                f"{where} needs an image-shaped input (height, width, channels) but receives the flat "
                f"shape {shape}. Move it before the flatten layer.", index, "type")
        if isinstance(layer, GLOBAL_POOLINGS):
            return None
        if isinstance(layer, SpectralPooling2D):
            output_height, output_width = layer.output_size
            if output_height > shape[0] or output_width > shape[1]:
                return ConfigError(
                    f"{where}: output_size {list(layer.output_size)} is larger than its "
                    f"{shape[0]}x{shape[1]} input. Spectral pooling keeps the lowest frequencies of "
                    f"each map, so it can only shrink it: use an output size of at most "
                    f"{shape[0]}x{shape[1]}, or remove a pooling layer before it.", index, "output_size")
            return None
        if isinstance(layer, Conv2D):
            window, padding, setting = layer.kernel_size, layer.padding, "kernel_size"
        else:
            window, padding, setting = layer.pool_size, "valid", "pool_size"
        if padding == "valid" and (window[0] > shape[0] or window[1] > shape[1]):
            return ConfigError(
                f"{where}: {setting} {list(window)} is larger than its {shape[0]}x{shape[1]} input. "
                f"Use a window of at most {shape[0]}x{shape[1]}"
                + (", or padding 'same'." if isinstance(layer, Conv2D) else ", or remove a pooling layer."),
                index, setting)
    if isinstance(layer, Dense) and len(shape) != 1:
        return ConfigError(
            f"{where} needs a flat input but receives the map shape {shape}. "
            "Add a flatten layer before it.", index, "type")
    return None


def input_shape_problem(input_shape: tuple[int, ...]) -> ConfigError | None:
    """The problem, if any, of an input shape ``(height, width, channels)``.

    Any height and width from :data:`MIN_INPUT_SIZE` up are accepted (memory bounds the largest, see
    :func:`find_problems`), with 1 (grey) or 3 (RGB) channels; dataset images, drawings and pictures are
    converted to the input's size and colours (:mod:`cnnviz.core.preprocessing.model_input`).
    """
    shown = list(input_shape)
    if len(input_shape) != 3:
        return ConfigError(f"input_shape must be three integers [height, width, channels], received {shown}; "
                           "e.g. [28, 28, 1] for MNIST or [32, 32, 3] for colour pictures.", setting="input_shape")
    height, width, channels = input_shape
    if channels not in INPUT_CHANNELS:
        return ConfigError(
            f"input_shape {shown} has {channels} channels; a model takes 1 (grey) or 3 (RGB colour) channels. "
            f"Use [{height}, {width}, 1] or [{height}, {width}, 3].", setting="input_shape")
    if min(height, width) < MIN_INPUT_SIZE:
        return ConfigError(
            f"input_shape {shown} is {height}×{width} pixels; height and width must each be at least "
            f"{MIN_INPUT_SIZE}. Use e.g. [{max(height, 28)}, {max(width, 28)}, {channels}].", setting="input_shape")
    return None


def output_shapes(config: ModelConfig) -> list[Shape]:
    """Each layer's output shape (without the batch axis); raises on the first impossible one."""
    shape: Shape = tuple(config.input_shape)
    shapes = []
    for index, (layer, name) in enumerate(zip(config.layers, config.layer_names())):
        problem = _shape_problem(layer, shape, index, f"Layer {name}")
        if problem:
            raise problem
        shape = layer_output_shape(layer, shape)
        shapes.append(shape)
    return shapes


def find_problems(config: ModelConfig, *, check_memory: bool = True) -> list[ConfigError]:
    """Every problem found in ``config``, in the order of the configuration.

    Returns an empty list for a configuration that can be built and trained. With ``check_memory``
    (the default) a configuration free of other problems is also refused when training or inspecting
    it would need more memory than this machine may give (:mod:`cnnviz.core.memory`); an engine that
    already holds a model skips that check when only its training settings change, since its own
    arrays are then part of what the machine no longer has available.
    """
    problems: list[ConfigError] = []
    input_problem = input_shape_problem(config.input_shape)
    if input_problem is not None:
        problems.append(input_problem)
        return problems

    names = config.layer_names()
    layers = config.layers
    if not layers:
        problems.append(ConfigError(
            "The model has no layers. Add at least a flatten layer and a dense softmax output layer.",
            setting="layers"))
    if len(layers) > MAX_LAYERS:
        problems.append(ConfigError(
            f"The model has {len(layers):,} layers, more than the {MAX_LAYERS} this tool builds. Remove layers; "
            "a small CNN needs a few dozen at most.", setting="layers"))
        return problems
    shape: Shape | None = tuple(config.input_shape)
    shapes: list[Shape] = []
    total = 0
    for index, (layer, name) in enumerate(zip(layers, names)):
        where = f"Layer {name}"
        setting_problems = _layer_setting_problems(layer, index, where, index == len(layers) - 1)
        problems.extend(setting_problems)
        if shape is None or setting_problems:
            shape = None
            continue
        problem = _shape_problem(layer, shape, index, where)
        if problem:
            problems.append(problem)
            shape = None
            continue
        total += layer_parameter_count(layer, shape)
        shape = layer_output_shape(layer, shape)
        shapes.append(shape)
        if min(shape) <= 0:
            problems.append(ConfigError(
                f"{where} shrinks its input to nothing (output shape {shape}). "
                "Use a smaller window or stride, or remove a layer before it.", index, "type"))
            shape = None

    if layers:
        last = layers[-1]
        if not (isinstance(last, Dense) and last.activation == OUTPUT_ACTIVATION):
            problems.append(ConfigError(
                f"The model has no output layer: the last layer is {names[-1]} ({last.label}), but a "
                "classifier must end with a dense layer with activation 'softmax' and one unit per "
                "class. Add Dense(units=10, activation='softmax') at the end.",
                len(layers) - 1, "activation"))
        else:
            classes = DATASET_CLASSES.get(config.training.dataset)
            if classes is not None and last.units != classes:
                problems.append(ConfigError(
                    f"Output layer {names[-1]} has {last.units} units but dataset "
                    f"{config.training.dataset!r} has {classes} classes. Set units to {classes}.",
                    len(layers) - 1, "units"))
    if total > MAX_PARAMETERS:
        problems.append(ConfigError(
            f"The model has {total:,} parameters, more than the {MAX_PARAMETERS:,} this tool trains. "
            "Use fewer filters or units, or add pooling before the dense layers.", setting="layers"))
    problems.extend(_initializer_problems(config))
    training_problems = _training_problems(config)
    problems.extend(training_problems)
    if check_memory and not problems:
        problems.extend(_memory_problems(config, shapes))
    return problems


def _memory_problems(config: ModelConfig, shapes: list[Shape]) -> list[ConfigError]:
    """The configuration's estimated memory (:mod:`cnnviz.core.memory`) against this machine's limit."""
    try:
        limit, source = memory_limit()
    except ValueError as error:
        return [ConfigError(str(error), setting="memory_limit")]
    if limit is None:
        return []
    estimate = estimate_memory(config, shapes)
    message = memory_message(config, estimate, limit, source)
    if message is None:
        return []
    index = estimate.heaviest_layer
    setting = "batch_size"
    if images_dominate(estimate):
        index, setting = None, "input_shape"
    elif index is not None and estimate.activations >= estimate.parameters:
        layer = config.layers[index]
        setting = "filters" if isinstance(layer, Conv2D) else "units"
    elif index is not None:
        index = None
    return [ConfigError(message, index, setting)]


def _initializer_problems(config: ModelConfig) -> list[ConfigError]:
    initializer = config.initializer
    problems = []
    if initializer.name not in INITIALIZERS:
        problems.append(ConfigError(
            f"Unknown initializer {initializer.name!r}; expected one of {', '.join(INITIALIZERS)}.",
            setting="initializer"))
    if not (math.isfinite(initializer.scale) and initializer.scale > 0):
        problems.append(ConfigError(
            f"Initializer scale must be a positive number, received {initializer.scale}. "
            "0.05 is a common choice.", setting="scale"))
    return problems


def _training_problems(config: ModelConfig) -> list[ConfigError]:
    training = config.training
    checks = [
        (training.optimizer in OPTIMIZERS, "optimizer",
         f"Unknown optimizer {training.optimizer!r}; expected one of {', '.join(OPTIMIZERS)}."),
        (math.isfinite(training.learning_rate) and training.learning_rate > 0, "learning_rate",
         f"learning_rate must be a positive number, received {training.learning_rate}. "
         "Try 0.001 for Adam or 0.05 for SGD."),
        (0.0 <= training.momentum < 1.0, "momentum",
         f"momentum must be in [0, 1), received {training.momentum}. 0.9 is usual."),
        (training.batch_size > 0, "batch_size",
         f"batch_size must be a positive integer, received {training.batch_size}. Try 32 or 128."),
        (training.epochs > 0, "epochs", f"epochs must be a positive integer, received {training.epochs}."),
        (0 <= training.seed < MAX_SEED, "seed",
         f"seed must be an integer in [0, 2**32) = [0, {MAX_SEED - 1:,}], received {training.seed:,}; "
         "both engines' random generators take 32-bit seeds. Try 0 or 42."),
        (training.dataset in DATASETS or os.path.isdir(os.path.expanduser(training.dataset)), "dataset",
         f"Unknown dataset {training.dataset!r}; expected one of {', '.join(DATASETS)}, or the path of an image "
         "folder with one sub-folder of pictures per class."),
        (training.train_subset is None or training.train_subset > 0, "train_subset",
         f"train_subset must be a positive number of images or empty for all, "
         f"received {training.train_subset}."),
        (0.0 <= training.validation_split < 1.0, "validation_split",
         f"validation_split must be in [0, 1), received {training.validation_split}. Try 0.1."),
        (training.iterations is None or training.iterations > 0, "iterations",
         f"iterations must be a positive number of steps, or empty to train for epochs; received "
         f"{training.iterations}. The report's gradient descent takes 1500."),
    ]
    return [ConfigError(message, setting=setting) for ok, setting, message in checks if not ok]


def validate(config: ModelConfig, *, check_memory: bool = True) -> ModelConfig:
    """Return ``config`` unchanged if it can be built and trained (see :func:`find_problems`).

    Raises
    ------
    ConfigError
        The first problem :func:`find_problems` reports.
    """
    problems = find_problems(config, check_memory=check_memory)
    if problems:
        raise problems[0]
    return config


def check_seed(seed: object) -> int:
    """Return ``seed`` if both engines can use it: an integer in ``[0, 2**32)``.

    Raises
    ------
    ConfigError
        Saying what was received and the range.
    """
    if not is_int(seed) or not 0 <= int(seed) < MAX_SEED:
        shown = f"{seed:,}" if is_int(seed) else repr(seed)
        raise ConfigError(f"seed must be an integer in [0, 2**32) = [0, {MAX_SEED - 1:,}], received {shown}; "
                          "both engines' random generators take 32-bit seeds. Try 0 or 42.", setting="seed")
    return int(seed)


__all__ = [
    "layer_names", "conv_output_size", "layer_output_shape", "layer_parameter_count",
    "layer_trainable_parameter_count", "input_shape_problem", "output_shapes",
    "find_problems", "validate", "check_seed", "DATASET_CLASSES",
]
