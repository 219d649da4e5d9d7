"""A sequential CNN and how to train it: :class:`ModelConfig` with its :class:`Initializer`
and :class:`TrainingConfig`, as JSON text and files.

A :class:`ModelConfig` holds the input shape, an ordered list of layer specs
(:mod:`cnnviz.core.config.layers`), the weight initializer and the training settings. It
round-trips through plain JSON (:meth:`ModelConfig.to_dict` / :meth:`ModelConfig.from_dict`,
the parts read by :mod:`cnnviz.core.config.json_form`), and both engines build the same network
from it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from cnnviz.core.checks import is_int
from cnnviz.core.config.errors import ConfigError
from cnnviz.core.config.json_form import layer_from_dict, layer_to_dict, section_from_dict
from cnnviz.core.config.layers import LayerSpec, layer_names
from cnnviz.core.safe_json import MAX_JSON_BYTES, FileTooLargeError, read_text_limited

INITIALIZERS = ("glorot_uniform", "he_normal", "normal", "ones")
OPTIMIZERS = ("sgd", "momentum", "adam")
DATASETS = ("mnist-sample", "mnist", "fashion-mnist", "shapes", "shapes-colour", "cifar10")
"""The built-in datasets; any other dataset name is the path of an image folder (cnnviz.core.datasets)."""


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
    ``optimizer="sgd"`` is plain stochastic gradient descent (no momentum; ``momentum``
    is read by ``"momentum"`` only).

    ``full_batch`` makes every step take the whole training set, in one batch
    (gradient descent; ``batch_size`` is then not used). ``iterations``, when set,
    is the number of steps (batches) to train, whatever ``epochs`` says: the run takes
    as many epochs as those steps need, the last one possibly partial
    (:meth:`epochs_for`). With ``full_batch`` an iteration is an epoch.
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
    full_batch: bool = False
    iterations: int | None = None

    def batch_size_for(self, num_images: int) -> int:
        """The batch size used on ``num_images`` training images: all of them with ``full_batch``."""
        return max(int(num_images), 1) if self.full_batch else self.batch_size

    def epochs_for(self, num_images: int) -> int:
        """The epochs a run on ``num_images`` training images takes: ``epochs``, or with
        ``iterations`` as many as that many steps need (the last epoch may be partial)."""
        if self.iterations is None:
            return self.epochs
        batch_size = max(self.batch_size_for(num_images), 1)
        batches_per_epoch = max(-(-int(num_images) // batch_size), 1)
        return max(-(-self.iterations // batches_per_epoch), 1)

    def expected_epochs(self) -> int:
        """:meth:`epochs_for` before the data is read: exact with ``full_batch`` (one step an epoch)
        or without ``iterations``; otherwise from ``train_subset`` less its validation part (or
        ``epochs`` when no subset is named)."""
        if self.iterations is None:
            return self.epochs
        if self.full_batch:
            return self.iterations
        if self.train_subset is None:
            return self.epochs
        return self.epochs_for(max(self.train_subset - round(self.train_subset * self.validation_split), 1))


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
            initializer=section_from_dict(Initializer, data.get("initializer", {}), "initializer"),
            training=section_from_dict(TrainingConfig, data.get("training", {}), "training"),
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
            text = read_text_limited(path, MAX_JSON_BYTES, "model configuration")
        except FileTooLargeError as error:
            raise ConfigError(str(error)) from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"Cannot read configuration file {path}: {error}.") from None
        return cls.from_json(text)

    def with_layers(self, layers: list[LayerSpec] | tuple[LayerSpec, ...]) -> ModelConfig:
        """Return a copy with other layers."""
        return replace(self, layers=tuple(layers))

    def with_training(self, **settings: Any) -> ModelConfig:
        """Return a copy with some training settings changed."""
        return replace(self, training=replace(self.training, **settings))
