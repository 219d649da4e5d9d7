"""Experiments: sweep one or two settings of a configuration and compare the runs.

A setting is named by a path into the configuration:

- ``training.<field>`` — e.g. ``training.learning_rate``, ``training.optimizer``, ``training.batch_size``;
- ``initializer`` — an initializer name, or ``normal:<scale>`` for a normal with that standard
  deviation (``initializer.scale`` sets the scale alone);
- ``layers.<layer name>.<field>`` — e.g. ``layers.dense.units`` (hidden units) or
  ``layers.conv2d.filters``.

:func:`expand` turns an :class:`ExperimentSpec` into one configuration per combination of
values; :data:`PRESETS` holds the report's §3.2.1 experiments with the report's own numbers,
so :func:`report_markdown` can place our table beside theirs. They come twice
(:data:`PRESET_GROUPS`): ``report`` on the reference CNN with mini-batch SGD, and
``report-network`` on the report's own fully connected network (784-100-10), trained as the report
trained it: gradient descent on the full batch of 5,000 images, 1,500 iterations.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from dataclasses import dataclass, field, fields, replace

from cnnviz.core.config import (
    ConfigError,
    Dense,
    Flatten,
    Initializer,
    ModelConfig,
    TrainingConfig,
    reference_config,
)
from cnnviz.core.validation import find_problems


@dataclass(frozen=True)
class Sweep:
    """One setting and the values it takes."""

    setting: str
    values: tuple


@dataclass(frozen=True)
class ExperimentSpec:
    """A base configuration, the engine, and one or two sweeps (their values are combined)."""

    name: str
    base: ModelConfig
    sweeps: tuple[Sweep, ...]
    engine: str = "numpy"
    description: str = ""


@dataclass(frozen=True)
class ExperimentRun:
    """One combination of values: its label, its settings and the configuration it trains."""

    index: int
    label: str
    settings: dict
    config: ModelConfig


@dataclass(frozen=True)
class RunOutcome:
    """What one run measured. ``losses`` holds every batch's loss (NaN once it diverged)."""

    run: ExperimentRun
    train_accuracy: float | None
    test_accuracy: float | None
    final_loss: float | None
    seconds: float
    diverged: bool
    message: str = ""
    losses: tuple[float, ...] = field(default=(), repr=False)


def _parse_value(text: str):
    text = text.strip()
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def parse_sweep(text: str) -> Sweep:
    """Parse ``setting=v1,v2,...`` (as on the command line).

    Raises
    ------
    ConfigError
        When the text has no ``=`` or no values.
    """
    setting, separator, values = text.partition("=")
    parsed = tuple(_parse_value(value) for value in values.split(",") if value.strip())
    if not separator or not setting.strip() or not parsed:
        raise ConfigError(f"A sweep is written setting=value1,value2,... such as "
                          f"training.learning_rate=0.005,0.05,0.7; received {text!r}.")
    return Sweep(setting.strip(), parsed)


def apply_setting(config: ModelConfig, setting: str, value) -> ModelConfig:
    """A copy of ``config`` with one setting changed.

    Raises
    ------
    ConfigError
        For a setting that does not exist or a value of the wrong type.
    """
    parts = setting.split(".")
    if parts[0] == "training" and len(parts) == 2:
        training_names = [item.name for item in fields(TrainingConfig)]
        if parts[1] not in training_names:
            raise ConfigError(f"Unknown setting {setting!r}; training settings are {', '.join(training_names)}.")
        current = getattr(config.training, parts[1])
        if isinstance(current, float) and isinstance(value, int):
            value = float(value)
        return replace(config, training=replace(config.training, **{parts[1]: value}))
    if parts[0] == "initializer":
        if len(parts) == 2 and parts[1] == "scale":
            return replace(config, initializer=replace(config.initializer, scale=float(value)))
        if len(parts) == 1:
            name, _, scale = str(value).partition(":")
            return replace(config, initializer=Initializer(name, float(scale) if scale else config.initializer.scale))
    if parts[0] == "layers" and len(parts) == 3:
        names = config.layer_names()
        if parts[1] not in names:
            raise ConfigError(f"Unknown layer {parts[1]!r} in setting {setting!r}; the layers are "
                              f"{', '.join(names)}.")
        index = names.index(parts[1])
        layer = config.layers[index]
        if parts[2] not in {item.name for item in fields(layer)}:
            raise ConfigError(f"Layer {parts[1]} ({layer.label}) has no setting {parts[2]!r}.")
        layers = list(config.layers)
        layers[index] = replace(layer, **{parts[2]: value})
        return config.with_layers(layers)
    raise ConfigError(f"Unknown setting {setting!r}. Use training.<name>, initializer, initializer.scale "
                      "or layers.<layer>.<name> (e.g. layers.dense.units).")


def with_data(spec: ExperimentSpec, dataset: str | None = None,
              input_shape: tuple[int, int, int] | None = None) -> ExperimentSpec:
    """``spec`` with its base trained on ``dataset`` at ``input_shape`` (None keeps the base's).

    Every run takes the base's input shape, so a dataset of pictures (an image folder, the colour
    shapes) is read at that shape and a dataset of fixed shape is fitted to it
    (:func:`cnnviz.core.training_data.prepare_training_data`).
    """
    base = spec.base
    if input_shape is not None:
        height, width, channels = (int(size) for size in input_shape)
        base = replace(base, input_shape=(height, width, channels))
    if dataset is not None:
        base = base.with_training(dataset=dataset)
    return replace(spec, base=base)


def _value_label(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def expand(spec: ExperimentSpec) -> list[ExperimentRun]:
    """Every combination of the sweeps' values, each checked by the configuration's validation.

    Raises
    ------
    ConfigError
        If there are no sweeps or more than two, or a combination is not a valid model (the message
        names the combination).
    """
    if not 1 <= len(spec.sweeps) <= 2:
        raise ConfigError(f"An experiment sweeps one or two settings, received {len(spec.sweeps)}.")
    runs = []
    for index, values in enumerate(itertools.product(*(sweep.values for sweep in spec.sweeps))):
        config = spec.base
        settings = {}
        for sweep, value in zip(spec.sweeps, values):
            config = apply_setting(config, sweep.setting, value)
            settings[sweep.setting] = value
        problems = find_problems(config)
        label = ", ".join(f"{setting.split('.')[-1]}={_value_label(value)}" for setting, value in settings.items())
        if problems:
            raise ConfigError(f"Run {label}: {problems[0].message}")
        runs.append(ExperimentRun(index, label, settings, config))
    return runs


def outcomes_csv(outcomes: list[RunOutcome]) -> str:
    """The results table as CSV: settings, accuracies, final loss, time, diverged."""
    buffer = io.StringIO()
    settings = list(dict.fromkeys(key for outcome in outcomes for key in outcome.run.settings))
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["run", *settings, "train_accuracy", "test_accuracy", "final_loss", "seconds", "diverged"])
    for outcome in outcomes:
        writer.writerow([outcome.run.label, *(outcome.run.settings.get(key, "") for key in settings),
                         _number(outcome.train_accuracy), _number(outcome.test_accuracy),
                         _number(outcome.final_loss), f"{outcome.seconds:.2f}", outcome.diverged])
    return buffer.getvalue()


def _number(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.6g}"


# -- the report's §3.2.1 experiments -------------------------------------------------------------

def _report_base() -> ModelConfig:
    """The report's NumPy setting: 5,000 training images, SGD at 0.05, about 1,500 iterations (ten
    epochs of 157 batches)."""
    config = reference_config()
    return config.with_training(optimizer="sgd", learning_rate=0.05, batch_size=32, epochs=10,
                                train_subset=5000, validation_split=0.0, seed=0)


def _report_network_base() -> ModelConfig:
    """The report's own NumPy network, flatten → dense 100 (ReLU) → dense 10 (softmax), trained its
    way: gradient descent (plain SGD) on the full batch of the first 5,000 images, learning rate 0.05,
    1,500 iterations."""
    return ModelConfig(
        input_shape=reference_config().input_shape,  # the report's MNIST digits
        layers=(Flatten(), Dense(units=100, activation="relu"), Dense(units=10, activation="softmax")),
        training=TrainingConfig(optimizer="sgd", learning_rate=0.05, full_batch=True, iterations=1500,
                                train_subset=5000, validation_split=0.0, seed=0))


_REPORT_BY_SETTING: dict[str, dict[object, tuple[float, float]]] = {
    "layers.dense.units": {100: (97.82, 87.2), 128: (98.24, 88.4), 50: (97.6, 87.3), 150: (98.38, 88.3)},
    "training.learning_rate": {0.005: (98.08, 86.1), 0.05: (97.82, 87.2), 0.7: (94.92, 87.6)},
    "initializer": {"ones": (11.26, 12.6), "normal:1.0": (82.08, 75.7), "glorot_uniform": (97.82, 87.2)},
}

NETWORK_PREFIX = "report network: "
"""The ``report-network`` presets' names are the ``report`` ones after this prefix."""


def _presets(prefix: str, base: ModelConfig, what: str = "") -> dict[str, ExperimentSpec]:
    """The three §3.2.1 experiments on ``base``, named after ``prefix``; ``what`` ends each description."""
    more = f" {what}" if what else ""
    return {
        f"{prefix}hidden units": ExperimentSpec(
            f"{prefix}hidden units", base, (Sweep("layers.dense.units", (50, 100, 128, 150)),),
            description=f"Units in the hidden dense layer (report §3.2.1, Number of Nodes).{more}"),
        f"{prefix}learning rate": ExperimentSpec(
            f"{prefix}learning rate", base, (Sweep("training.learning_rate", (0.005, 0.05, 0.7)),),
            description=f"SGD learning rate (report §3.2.1).{more}"),
        f"{prefix}initialization": ExperimentSpec(
            f"{prefix}initialization", base, (Sweep("initializer", ("ones", "normal:1.0", "glorot_uniform")),),
            description=f"All ones, heavier (normal, standard deviation 1) and default weights (report §3.2.1).{more}"),
    }


PRESETS: dict[str, ExperimentSpec] = {
    **_presets("", _report_base()),
    **_presets(NETWORK_PREFIX, _report_network_base(),
               "The report's own 784-100-10 network, trained by gradient descent on the full batch of 5,000 "
               "images for 1,500 iterations."),
}

PRESET_GROUPS: dict[str, tuple[str, ...]] = {
    "report": tuple(name for name in PRESETS if not name.startswith(NETWORK_PREFIX)),
    "report-network": tuple(name for name in PRESETS if name.startswith(NETWORK_PREFIX)),
}
"""What ``cnnviz experiment --preset report`` and ``--preset report-network`` run."""

REPORT_NUMBERS: dict[str, dict[str, dict[object, tuple[float, float]]]] = {
    name: {spec.sweeps[0].setting: _REPORT_BY_SETTING[spec.sweeps[0].setting]} for name, spec in PRESETS.items()}
"""The report's train / test accuracies (%) for each preset's values (its baseline is 97.82 / 87.2)."""

_NETWORK_HEADER = (
    "Accuracies in %, ours (training / test) beside the report's. Ours: the report's fully connected "
    "network (flatten → dense 100 ReLU → dense 10 softmax) without changes but the swept setting, "
    "gradient descent (plain SGD) on the full batch of the first 5,000 training images at 0.05 unless "
    "swept, 1,500 iterations, Glorot-uniform weights, seed 0, tested on the dataset's test split.")


def report_markdown(results: dict[str, list[RunOutcome]]) -> str:
    """Our tables beside the report's numbers, one table per preset, as Markdown."""
    if results and set(results) <= set(PRESET_GROUPS["report-network"]):
        lines = ["# The report's §3.2.1 experiments on the report's own network, reproduced by cnnviz", "",
                 _NETWORK_HEADER, ""]
    elif set(results) <= set(PRESETS):
        lines = ["# The report's §3.2.1 experiments, reproduced by cnnviz", "",
                 "Accuracies in %, ours (training / test) beside the report's. Ours: the reference CNN "
                 "without changes but the swept setting, SGD at 0.05 unless swept, batch 32, ten epochs "
                 "(about the report's 1,500 iterations), the first 5,000 training images, seed 0, tested on "
                 "the dataset's test split. The report trained "
                 "its own NumPy network on the first 5,000 MNIST images, so compare trends, not digits.", ""]
    else:
        lines = ["# cnnviz experiment", "", "Accuracies in %, training / test.", ""]
    for name, outcomes in results.items():
        numbers = REPORT_NUMBERS.get(name, {})
        lines += [f"## {name}", "", "| run | ours: train | ours: test | report: train | report: test | "
                  "final loss | seconds | diverged |", "|---|---|---|---|---|---|---|---|"]
        for outcome in outcomes:
            setting, value = next(iter(outcome.run.settings.items()))
            theirs = numbers.get(setting, {}).get(value)
            lines.append("| {} | {} | {} | {} | {} | {} | {:.1f} | {} |".format(
                outcome.run.label, _percent(outcome.train_accuracy), _percent(outcome.test_accuracy),
                f"{theirs[0]:.2f}" if theirs else "—", f"{theirs[1]:.1f}" if theirs else "—",
                _number(outcome.final_loss) or "—", outcome.seconds, "yes" if outcome.diverged else "no"))
        lines.append("")
    return "\n".join(lines)


def _percent(value) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value * 100:.2f}"
