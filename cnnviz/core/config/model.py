"""Typed description of a sequential CNN and of how to train it.

A :class:`ModelConfig` holds the input shape, an ordered list of layer specs,
the weight initializer and the :class:`TrainingConfig`. It round-trips through
plain JSON (:meth:`ModelConfig.to_dict` / :meth:`ModelConfig.from_dict`), and
both engines build the same network from it. Layer names follow Keras's own
naming (``conv2d``, ``conv2d_1``, ``max_pooling2d``, ``dense``, ``dense_1``
...), so every viewer, file and test addresses a layer the same way.

Parsing checks each setting's type; :func:`cnnviz.core.validation.validate`
checks that the network as a whole is possible.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar

from cnnviz.core.checks import is_int, is_real

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
OUTPUT_ACTIVATION = "softmax"
PADDINGS = ("valid", "same")
INITIALIZERS = ("glorot_uniform", "he_normal", "normal", "ones")
OPTIMIZERS = ("sgd", "momentum", "adam")
DATASETS = ("mnist-sample", "mnist", "fashion-mnist", "shapes")


class ConfigError(ValueError):
    """A configuration that cannot be built or trained.

    Parameters
    ----------
    message : str
        What was received, what was expected and how to fix it.
    layer_index : int or None
        Position of the offending layer in ``ModelConfig.layers``, if any.
    setting : str or None
        Name of the offending setting (``"kernel_size"``, ``"learning_rate"`` ...).
    """

    def __init__(self, message: str, layer_index: int | None = None, setting: str | None = None):
        super().__init__(message)
        self.message = message
        self.layer_index = layer_index
        self.setting = setting


def _pair(value: Any, what: str) -> tuple[int, int]:
    """Read an int or a two-int sequence as ``(height, width)``."""
    if is_int(value):
        return (int(value), int(value))
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(is_int(v) for v in value):
        return (int(value[0]), int(value[1]))
    raise ConfigError(
        f"{what} must be an integer or a pair of integers such as [3, 3], received {value!r}."
    )


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


LayerSpec = Conv2D | MaxPooling2D | AveragePooling2D | SpectralPooling2D | Dropout | Flatten | Dense
LAYER_CLASSES: dict[str, type] = {
    cls.kind: cls
    for cls in (Conv2D, MaxPooling2D, AveragePooling2D, SpectralPooling2D, Dropout, Flatten, Dense)
}
LAYER_TYPES = tuple(LAYER_CLASSES)
_PAIR_SETTINGS = ("kernel_size", "strides", "pool_size", "output_size")


def layer_to_dict(layer: LayerSpec) -> dict[str, Any]:
    """Return the JSON form of a layer spec: ``{"type": kind, **settings}``."""
    data: dict[str, Any] = {"type": layer.kind}
    for item in fields(layer):
        value = getattr(layer, item.name)
        data[item.name] = list(value) if isinstance(value, tuple) else value
    return data


def layer_from_dict(data: Any, index: int = 0) -> LayerSpec:
    """Build a layer spec from its JSON form, checking names and types of settings.

    Raises
    ------
    ConfigError
        For an unknown layer type, an unknown setting or a setting of the wrong type.
    """
    where = f"Layer {index + 1}"
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be an object such as {{\"type\": \"dense\", \"units\": 10}}, "
                          f"received {data!r}.", index)
    kind = data.get("type")
    if kind not in LAYER_CLASSES:
        raise ConfigError(
            f"{where} has unknown type {kind!r}; expected one of {', '.join(LAYER_TYPES)}.",
            index, "type",
        )
    cls = LAYER_CLASSES[kind]
    known = {item.name: item for item in fields(cls)}
    settings = {}
    for name, value in data.items():
        if name == "type":
            continue
        if name not in known:
            expected = ", ".join(known) or "no settings"
            raise ConfigError(
                f"{where} ({kind}) has unknown setting {name!r}; {kind} takes {expected}.",
                index, name,
            )
        try:
            if name in _PAIR_SETTINGS:
                value = None if (value is None and name == "strides" and kind != "conv2d") else _pair(
                    value, f"{where} ({kind}) setting {name!r}")
            elif name in ("filters", "units"):
                if not is_int(value):
                    raise ConfigError(f"{where} ({kind}) setting {name!r} must be an integer, "
                                      f"received {value!r}.")
                value = int(value)
            elif name == "rate":
                if not is_real(value):
                    raise ConfigError(f"{where} ({kind}) setting 'rate' must be a number in [0, 1), "
                                      f"received {value!r}.")
                value = float(value)
            elif not isinstance(value, str):
                raise ConfigError(f"{where} ({kind}) setting {name!r} must be a string, received {value!r}.")
        except ConfigError as error:
            raise ConfigError(error.message, index, name) from None
        settings[name] = value
    return cls(**settings)


@dataclass(frozen=True)
class Initializer:
    """How weights start: ``glorot_uniform`` (Keras's default), ``he_normal``,
    ``normal`` (zero-mean, standard deviation ``scale``) or ``ones``.

    Biases start at zero, except with ``ones`` where every weight and bias is one
    (the report's first initialization case).
    """

    name: str = "glorot_uniform"
    scale: float = 0.05


@dataclass(frozen=True)
class TrainingConfig:
    """How to train: optimizer, learning rate, batches, epochs, seed and data.

    ``train_subset`` limits the number of training images (``None`` takes them
    all); ``validation_split`` is the fraction of those held out for validation.
    """

    optimizer: str = "adam"
    learning_rate: float = 0.001
    momentum: float = 0.9
    batch_size: int = 32
    epochs: int = 5
    seed: int = 0
    dataset: str = "mnist-sample"
    train_subset: int | None = None
    validation_split: float = 0.1


@dataclass(frozen=True)
class ModelConfig:
    """A sequential CNN: input shape ``(height, width, channels)``, layers, initializer, training."""

    input_shape: tuple[int, int, int] = (28, 28, 1)
    layers: tuple[LayerSpec, ...] = ()
    initializer: Initializer = field(default_factory=Initializer)
    training: TrainingConfig = field(default_factory=TrainingConfig)

    def layer_names(self) -> list[str]:
        """Keras-style names: the first layer of a kind takes the kind, the next ``kind_1`` ..."""
        return layer_names(self.layers)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {
            "input_shape": list(self.input_shape),
            "layers": [layer_to_dict(layer) for layer in self.layers],
            "initializer": asdict(self.initializer),
            "training": asdict(self.training),
        }

    def to_json(self, indent: int = 2) -> str:
        """Return the configuration as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: Any) -> ModelConfig:
        """Build a configuration from its JSON form.

        Missing sections take their defaults; unknown keys are refused so a typo
        never passes silently.

        Raises
        ------
        ConfigError
            For a malformed document (see :func:`cnnviz.core.validation.validate`
            for whole-network checks).
        """
        if not isinstance(data, dict):
            raise ConfigError(f"A model configuration must be a JSON object, received {type(data).__name__}.")
        unknown = set(data) - {"input_shape", "layers", "initializer", "training"}
        if unknown:
            raise ConfigError(
                f"Unknown configuration section(s) {sorted(unknown)}; expected input_shape, layers, "
                "initializer and training."
            )
        shape = data.get("input_shape", [28, 28, 1])
        if (not isinstance(shape, (list, tuple)) or len(shape) != 3
                or not all(is_int(v) for v in shape)):
            raise ConfigError(
                f"input_shape must be three integers [height, width, channels], received {shape!r}.",
                setting="input_shape",
            )
        layers = data.get("layers", [])
        if not isinstance(layers, list):
            raise ConfigError(f"layers must be a list, received {type(layers).__name__}.", setting="layers")
        height, width, channels = (int(size) for size in shape)
        return cls(
            input_shape=(height, width, channels),
            layers=tuple(layer_from_dict(item, i) for i, item in enumerate(layers)),
            initializer=_section(Initializer, data.get("initializer", {}), "initializer"),
            training=_section(TrainingConfig, data.get("training", {}), "training"),
        )

    @classmethod
    def from_json(cls, text: str) -> ModelConfig:
        """Parse JSON text; a syntax error is reported with its line and column."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(
                f"The configuration is not valid JSON: {error.msg} at line {error.lineno}, "
                f"column {error.colno}."
            ) from None
        return cls.from_dict(data)

    def save(self, path: str | Path) -> None:
        """Write the configuration as JSON (to a temporary file, then renamed into place)."""
        path = Path(path)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(self.to_json() + "\n", encoding="utf-8")
        temporary.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> ModelConfig:
        """Read a configuration file written by :meth:`save` or by hand."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"Cannot read configuration file {path}: {error}.") from None
        return cls.from_json(text)

    def with_layers(self, layers: list[LayerSpec] | tuple[LayerSpec, ...]) -> ModelConfig:
        """Return a copy with other layers."""
        return replace(self, layers=tuple(layers))

    def with_training(self, **settings: Any) -> ModelConfig:
        """Return a copy with some training settings changed."""
        return replace(self, training=replace(self.training, **settings))


def _section(cls: type, data: Any, name: str) -> Any:
    """Parse a flat settings section (initializer, training), checking keys and types."""
    if not isinstance(data, dict):
        raise ConfigError(f"{name} must be a JSON object, received {data!r}.", setting=name)
    known = {item.name: item for item in fields(cls)}
    defaults = cls()
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(
                f"Unknown {name} setting {key!r}; expected one of {', '.join(known)}.", setting=key
            )
        default = getattr(defaults, key)
        if key == "train_subset" and value is None:
            values[key] = None
            continue
        expected = type(default) if default is not None else int
        if expected is float and is_int(value):
            value = float(value)
        elif expected is int and is_int(value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, expected):
            raise ConfigError(
                f"{name} setting {key!r} must be {expected.__name__}, received {value!r}.", setting=key
            )
        values[key] = value
    return cls(**values)


def layer_names(layers: tuple[LayerSpec, ...] | list[LayerSpec]) -> list[str]:
    """Keras-style unique layer names, counted per kind in order."""
    counts: dict[str, int] = {}
    names = []
    for layer in layers:
        count = counts.get(layer.kind, 0)
        names.append(layer.kind if count == 0 else f"{layer.kind}_{count}")
        counts[layer.kind] = count + 1
    return names


def reference_config() -> ModelConfig:
    """The report's reference model (its Figure 2), 607,394 parameters on 28x28x1 input."""
    return ModelConfig(
        input_shape=(28, 28, 1),
        layers=(
            Conv2D(filters=28, kernel_size=(3, 3), activation="relu"),
            MaxPooling2D(pool_size=(2, 2)),
            Dropout(rate=0.2),
            Flatten(),
            Dense(units=128, activation="relu"),
            Dropout(rate=0.2),
            Dense(units=10, activation="softmax"),
        ),
    )


def deep_config() -> ModelConfig:
    """A deeper model: two conv blocks, same padding, stride 2, average pooling, tanh."""
    return ModelConfig(
        input_shape=(28, 28, 1),
        layers=(
            Conv2D(filters=8, kernel_size=(3, 3), padding="same", activation="tanh"),
            AveragePooling2D(pool_size=(2, 2)),
            Conv2D(filters=16, kernel_size=(3, 3), strides=(2, 2), padding="same", activation="tanh"),
            MaxPooling2D(pool_size=(2, 2)),
            Flatten(),
            Dense(units=32, activation="tanh"),
            Dense(units=10, activation="softmax"),
        ),
    )
