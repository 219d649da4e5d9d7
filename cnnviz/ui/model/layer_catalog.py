"""The layers the Model panel offers and how its layer list describes each one."""

from __future__ import annotations

from cnnviz.core import config as cfg
from cnnviz.ui.wording import counted

ENGINES = (("numpy", "NumPy (from scratch)"), ("keras", "Keras / TensorFlow"))
NEW_LAYERS = {
    "conv2d": cfg.Conv2D(filters=16), "max_pooling2d": cfg.MaxPooling2D(),
    "average_pooling2d": cfg.AveragePooling2D(), "spectral_pooling2d": cfg.SpectralPooling2D((14, 14)),
    "dropout": cfg.Dropout(rate=0.2),
    "flatten": cfg.Flatten(), "dense": cfg.Dense(units=64),
    "batch_normalization": cfg.BatchNormalization(), "activation": cfg.Activation("relu"),
    "global_average_pooling2d": cfg.GlobalAveragePooling2D(), "global_max_pooling2d": cfg.GlobalMaxPooling2D(),
}


def describe_layer(layer: cfg.LayerSpec, name: str) -> str:
    """One line for the layer list, e.g. ``conv2d — Conv2D 28 × 3×3, stride 1, valid, relu``."""
    if isinstance(layer, cfg.Conv2D):
        details = (f"{layer.filters} × {layer.kernel_size[0]}×{layer.kernel_size[1]}, stride "
                   f"{layer.strides[0]}×{layer.strides[1]}, {layer.padding}, {layer.activation}")
    elif isinstance(layer, (cfg.MaxPooling2D, cfg.AveragePooling2D)):
        strides = layer.strides or layer.pool_size
        details = f"{layer.pool_size[0]}×{layer.pool_size[1]}, stride {strides[0]}×{strides[1]}"
    elif isinstance(layer, cfg.SpectralPooling2D):
        details = f"→ {layer.output_size[0]}×{layer.output_size[1]}"
    elif isinstance(layer, cfg.Dropout):
        details = f"rate {layer.rate:g}"
    elif isinstance(layer, cfg.Dense):
        details = f"{counted(layer.units, 'unit')}, {layer.activation}"
    elif isinstance(layer, cfg.BatchNormalization):
        details = f"momentum {layer.momentum:g}, epsilon {layer.epsilon:g}"
    elif isinstance(layer, cfg.Activation):
        details = layer.activation
    else:
        details = ""
    return f"{name} — {layer.label} {details}".rstrip()
