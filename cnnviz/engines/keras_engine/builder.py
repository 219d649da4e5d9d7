"""Build a Keras model from a :class:`ModelConfig`, and read a config back from a Keras model.

Layer names, weight layouts (kernels ``(kh, kw, in, out)``, dense ``(in, out)``) and
initializers match the NumPy engine, so weights copy across with no transposes. Spectral
pooling is cnnviz's own registered layer (:mod:`.spectral_pooling`); importing this module
registers it, so ``.keras`` files that use it load in safe mode.
"""

from __future__ import annotations

import keras

from cnnviz.core import config as cfg
from cnnviz.engines.keras_engine.spectral_pooling import SpectralPooling2D


def _initializers(initializer: cfg.Initializer, seed: int):
    if initializer.name == "ones":
        return "ones", "ones"
    if initializer.name == "normal":
        return keras.initializers.RandomNormal(stddev=initializer.scale, seed=seed), "zeros"
    if initializer.name == "he_normal":
        return keras.initializers.HeNormal(seed=seed), "zeros"
    return keras.initializers.GlorotUniform(seed=seed), "zeros"


def build_model(config: cfg.ModelConfig, seed: int = 0) -> keras.Sequential:
    """A Sequential model equal to ``config`` (which must be valid)."""
    layers = [keras.Input(shape=tuple(config.input_shape), name="input")]
    for index, (spec, name) in enumerate(zip(config.layers, config.layer_names())):
        kernel_init, bias_init = _initializers(config.initializer, seed + index)
        if isinstance(spec, cfg.Conv2D):
            layers.append(keras.layers.Conv2D(
                spec.filters, spec.kernel_size, strides=spec.strides, padding=spec.padding,
                activation=spec.activation, kernel_initializer=kernel_init, bias_initializer=bias_init,
                name=name))
        elif isinstance(spec, cfg.MaxPooling2D):
            layers.append(keras.layers.MaxPooling2D(spec.pool_size, strides=spec.strides, name=name))
        elif isinstance(spec, cfg.AveragePooling2D):
            layers.append(keras.layers.AveragePooling2D(spec.pool_size, strides=spec.strides, name=name))
        elif isinstance(spec, cfg.SpectralPooling2D):
            layers.append(SpectralPooling2D(spec.output_size, name=name))
        elif isinstance(spec, cfg.Dropout):
            layers.append(keras.layers.Dropout(spec.rate, seed=seed + index, name=name))
        elif isinstance(spec, cfg.Flatten):
            layers.append(keras.layers.Flatten(name=name))
        elif isinstance(spec, cfg.Dense):
            layers.append(keras.layers.Dense(
                spec.units, activation=spec.activation, kernel_initializer=kernel_init,
                bias_initializer=bias_init, name=name))
        elif isinstance(spec, cfg.BatchNormalization):
            layers.append(keras.layers.BatchNormalization(momentum=spec.momentum, epsilon=spec.epsilon, name=name))
        elif isinstance(spec, cfg.Activation):
            layers.append(keras.layers.Activation(spec.activation, name=name))
        elif isinstance(spec, cfg.GlobalAveragePooling2D):
            layers.append(keras.layers.GlobalAveragePooling2D(name=name))
        elif isinstance(spec, cfg.GlobalMaxPooling2D):
            layers.append(keras.layers.GlobalMaxPooling2D(name=name))
        else:
            raise ValueError(f"The Keras engine cannot build layer {name} of type {spec.kind!r}.")
    return keras.Sequential(layers, name="cnnviz")


def make_optimizer(training: cfg.TrainingConfig) -> keras.optimizers.Optimizer:
    """Keras's optimizer for the training settings (Keras's defaults otherwise)."""
    if training.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=training.learning_rate)
    if training.optimizer == "momentum":
        return keras.optimizers.SGD(learning_rate=training.learning_rate, momentum=training.momentum)
    return keras.optimizers.Adam(learning_rate=training.learning_rate)


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


def config_from_model(model: keras.Model) -> cfg.ModelConfig | None:
    """The :class:`ModelConfig` of a chain of supported layers, or None if the model has others
    (it can still be inspected, just not rebuilt or trained from a configuration)."""
    specs: list[cfg.LayerSpec] = []
    for layer in chain_layers(model):
        settings = layer.get_config()
        if isinstance(layer, keras.layers.Conv2D) and type(layer) is keras.layers.Conv2D:
            if settings.get("dilation_rate", (1, 1)) not in ((1, 1), [1, 1], 1) or settings.get("groups", 1) != 1:
                return None
            specs.append(cfg.Conv2D(settings["filters"], _pair(settings["kernel_size"]), _pair(settings["strides"]),
                                    settings["padding"], settings["activation"]))
        elif type(layer) is keras.layers.MaxPooling2D and settings["padding"] == "valid":
            specs.append(cfg.MaxPooling2D(_pair(settings["pool_size"]), _pair(settings["strides"])))
        elif type(layer) is keras.layers.AveragePooling2D and settings["padding"] == "valid":
            specs.append(cfg.AveragePooling2D(_pair(settings["pool_size"]), _pair(settings["strides"])))
        elif type(layer) is SpectralPooling2D:
            specs.append(cfg.SpectralPooling2D(_pair(settings["output_size"])))
        elif type(layer) is keras.layers.Dropout:
            specs.append(cfg.Dropout(float(settings["rate"])))
        elif type(layer) is keras.layers.Flatten:
            specs.append(cfg.Flatten())
        elif type(layer) is keras.layers.Dense:
            specs.append(cfg.Dense(settings["units"], settings["activation"]))
        elif type(layer) is keras.layers.BatchNormalization:
            if settings["axis"] not in (-1, [-1], [3], 3) or not (settings["center"] and settings["scale"]):
                return None
            specs.append(cfg.BatchNormalization(float(settings["momentum"]), float(settings["epsilon"])))
        elif type(layer) is keras.layers.Activation and settings["activation"] in cfg.ACTIVATIONS:
            specs.append(cfg.Activation(settings["activation"]))
        elif type(layer) in (keras.layers.GlobalAveragePooling2D, keras.layers.GlobalMaxPooling2D):
            if settings.get("keepdims") or settings.get("data_format", "channels_last") != "channels_last":
                return None
            specs.append(cfg.GlobalAveragePooling2D() if type(layer) is keras.layers.GlobalAveragePooling2D
                         else cfg.GlobalMaxPooling2D())
        else:
            return None
        if not getattr(layer, "use_bias", True):
            return None
    from cnnviz.core.validation import find_problems

    shape = tuple(int(size) for size in model.inputs[0].shape[1:])
    if len(shape) != 3:
        return None
    classes = specs[-1].units if specs and isinstance(specs[-1], cfg.Dense) else None
    dataset = "shapes" if classes == 3 else "mnist-sample"
    config = cfg.ModelConfig(input_shape=(shape[0], shape[1], shape[2]), layers=tuple(specs),
                             training=cfg.TrainingConfig(dataset=dataset))
    names = [layer.name for layer in chain_layers(model)]
    if config.layer_names() != names or find_problems(config, check_memory=False):
        return None
    return config


def chain_layers(model: keras.Model) -> list:
    """The model's layers in order, without its input layer."""
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
