"""Typed description of a sequential CNN and of how to train it.

A :class:`ModelConfig` holds the input shape, an ordered list of layer specs,
the weight initializer and the :class:`TrainingConfig`. It round-trips through
plain JSON (:meth:`ModelConfig.to_dict` / :meth:`ModelConfig.from_dict`), and
both engines build the same network from it. Layer names follow Keras's own
naming (``conv2d``, ``conv2d_1``, ``max_pooling2d``, ``dense``, ``dense_1``
...), so every viewer, file and test addresses a layer the same way.

Parsing checks each setting's type; :func:`cnnviz.core.validation.validate`
checks that the network as a whole is possible.

One module per part: :mod:`.layers` (the layer specs and their names), :mod:`.model` (the
model, its initializer and training settings, as JSON text and files), :mod:`.json_form`
(reading and writing the parts' JSON form), :mod:`.presets` (ready-made models),
:mod:`.errors` (:class:`ConfigError`). The names below are the package's public face.
"""

from cnnviz.core.config.errors import ConfigError
from cnnviz.core.config.json_form import layer_from_dict, layer_to_dict
from cnnviz.core.config.layers import (
    ACTIVATIONS,
    LAYER_CLASSES,
    LAYER_TYPES,
    OUTPUT_ACTIVATION,
    PADDINGS,
    Activation,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    LayerSpec,
    MaxPooling2D,
    SpectralPooling2D,
    layer_names,
)
from cnnviz.core.config.model import DATASETS, INITIALIZERS, OPTIMIZERS, Initializer, ModelConfig, TrainingConfig
from cnnviz.core.config.presets import deep_config, reference_config

__all__ = [
    "ACTIVATIONS", "DATASETS", "INITIALIZERS", "LAYER_CLASSES", "LAYER_TYPES", "OPTIMIZERS", "OUTPUT_ACTIVATION",
    "PADDINGS", "Activation", "AveragePooling2D", "BatchNormalization", "ConfigError", "Conv2D", "Dense", "Dropout",
    "Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Initializer",
    "LayerSpec", "MaxPooling2D", "ModelConfig", "SpectralPooling2D", "TrainingConfig", "deep_config",
    "layer_from_dict", "layer_names", "layer_to_dict", "reference_config",
]
