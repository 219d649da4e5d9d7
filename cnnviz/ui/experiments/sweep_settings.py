"""What a hand-written sweep may change: the settings offered for a configuration, and whether a
sweep's values are of the right kind for its setting (checked before anything trains). No Qt.
"""

from __future__ import annotations

from dataclasses import fields

from cnnviz.core import config as cfg
from cnnviz.core.experiments import Sweep


def setting_suggestions(config: cfg.ModelConfig) -> list[str]:
    """The settings offered in the sweep boxes for ``config``.

    Training settings, the initializer, and for each layer the field worth sweeping: conv
    filters, hidden dense units (the output layer's units are fixed by the classes) and
    dropout rates.
    """
    suggestions = ["training.learning_rate", "training.optimizer", "training.batch_size", "training.epochs",
                   "training.train_subset", "training.momentum", "training.seed", "initializer",
                   "initializer.scale"]
    names = config.layer_names()
    dense_names = [name for name, layer in zip(names, config.layers) if isinstance(layer, cfg.Dense)]
    for name, layer in zip(names, config.layers):
        if isinstance(layer, cfg.Conv2D):
            suggestions.append(f"layers.{name}.filters")
        elif isinstance(layer, cfg.Dense) and name != (dense_names[-1] if dense_names else None):
            suggestions.append(f"layers.{name}.units")
        elif isinstance(layer, cfg.Dropout):
            suggestions.append(f"layers.{name}.rate")
    return suggestions


def current_value(config: cfg.ModelConfig, setting: str) -> object:
    """The value ``setting`` (e.g. ``layers.dense.units``) has in ``config``, or ``None`` when it cannot
    be told (the sweep's own checks then report the unknown setting)."""
    parts = setting.split(".")
    if parts[0] == "training" and len(parts) == 2:
        return getattr(config.training, parts[1], None)
    if parts == ["initializer"]:
        return config.initializer.name
    if parts == ["initializer", "scale"]:
        return config.initializer.scale
    if parts[0] == "layers" and len(parts) == 3:
        names = config.layer_names()
        if parts[1] in names:
            layer = config.layers[names.index(parts[1])]
            if parts[2] in {item.name for item in fields(layer)}:
                return getattr(layer, parts[2])
    return None


def type_problem(config: cfg.ModelConfig, sweep: Sweep) -> str | None:
    """A readable complaint when a sweep's values are of the wrong kind for its setting."""
    current = current_value(config, sweep.setting)
    if current is None and sweep.setting != "training.train_subset":
        return None
    is_number = all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in sweep.values)
    if isinstance(current, tuple):
        return (f"{sweep.setting} takes a pair of numbers such as (3, 3) and cannot be swept here; "
                "sweep a single-valued setting instead.")
    if isinstance(current, bool) or isinstance(current, str):
        if is_number and sweep.setting != "initializer":
            return f"{sweep.setting} takes names, received {', '.join(map(str, sweep.values))}."
        return None
    if isinstance(current, int) or sweep.setting == "training.train_subset":
        if not all(isinstance(value, int) for value in sweep.values):
            return (f"{sweep.setting} takes whole numbers, received "
                    f"{', '.join(map(str, sweep.values))}; write them without decimals, e.g. 32, 64.")
        return None
    if isinstance(current, float) and not is_number:
        return f"{sweep.setting} takes numbers, received {', '.join(map(str, sweep.values))}."
    return None
