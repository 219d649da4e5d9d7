"""The JSON form of a configuration's parts: a layer spec as ``{"type": kind, **settings}``, and
flat settings sections (initializer, training), read with every name and type checked.

:meth:`cnnviz.core.config.model.ModelConfig.from_dict` and ``to_dict`` put the parts together.
Reading refuses unknown names and wrong types with a :class:`ConfigError` that names the layer
and the setting, so a typo never passes silently.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from cnnviz.core.checks import is_int, is_real
from cnnviz.core.config.errors import ConfigError
from cnnviz.core.config.layers import LAYER_CLASSES, LAYER_TYPES, LayerSpec

# Settings written as [height, width] that may also be given as one integer.
_PAIR_SETTINGS = ("kernel_size", "strides", "pool_size", "output_size")
# Settings that are real numbers, with the range each may take (for messages).
_REAL_SETTINGS = {"rate": "in [0, 1)", "momentum": "in (0, 1)", "epsilon": "greater than 0"}


def _pair(value: Any, what: str) -> tuple[int, int]:
    """Read an int or a two-int sequence as ``(height, width)``."""
    if is_int(value):
        return (int(value), int(value))
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(is_int(v) for v in value):
        return (int(value[0]), int(value[1]))
    raise ConfigError(
        f"{what} must be an integer or a pair of integers such as [3, 3], received {value!r}."
    )


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
            elif name in _REAL_SETTINGS:
                if not is_real(value):
                    raise ConfigError(f"{where} ({kind}) setting {name!r} must be a number "
                                      f"{_REAL_SETTINGS[name]}, received {value!r}.")
                value = float(value)
            elif not isinstance(value, str):
                raise ConfigError(f"{where} ({kind}) setting {name!r} must be a string, received {value!r}.")
        except ConfigError as error:
            raise ConfigError(error.message, index, name) from None
        settings[name] = value
    return cls(**settings)


def section_from_dict(cls: type, data: Any, name: str) -> Any:
    """Parse a flat settings section (initializer, training), checking keys and types.

    Parameters
    ----------
    cls : type
        The section's dataclass; every field has a default, whose type is the one expected.
    data : Any
        The section's JSON form, a dict of setting names to values.
    name : str
        The section's name, for messages (``"training"``).

    Raises
    ------
    ConfigError
        For a section that is not an object, an unknown setting or a value of the wrong type.
    """
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
        if key in ("train_subset", "iterations") and value is None:
            values[key] = None
            continue
        expected = type(default) if default is not None else int
        if expected is float and is_int(value):
            value = float(value)
        elif expected is int and is_int(value):
            value = int(value)
        if (isinstance(value, bool) and expected is not bool) or not isinstance(value, expected):
            raise ConfigError(
                f"{name} setting {key!r} must be {expected.__name__}, received {value!r}.", setting=key
            )
        values[key] = value
    return cls(**values)
