"""A training run in words, for the History tab: its architecture on one line, its short name, and
the details shown beside the run list. No Qt."""

from __future__ import annotations

import html
import math

from cnnviz.core import config as cfg
from cnnviz.core.runs import RunInfo
from cnnviz.ui.wording import counted


def describe_architecture(config: cfg.ModelConfig) -> str:
    """A one-line architecture, e.g. ``Conv2D 28×3×3 → MaxPooling2D 2×2 → Dense 10``."""
    parts = []
    for layer in config.layers:
        if isinstance(layer, cfg.Conv2D):
            parts.append(f"Conv2D {layer.filters}×{layer.kernel_size[0]}×{layer.kernel_size[1]}")
        elif isinstance(layer, (cfg.MaxPooling2D, cfg.AveragePooling2D)):
            parts.append(f"{layer.label} {layer.pool_size[0]}×{layer.pool_size[1]}")
        elif isinstance(layer, cfg.Dropout):
            parts.append(f"Dropout {layer.rate:g}")
        elif isinstance(layer, cfg.Dense):
            parts.append(f"Dense {layer.units}")
        else:
            parts.append(layer.label)
    return " → ".join(parts)


def short_name(run: RunInfo) -> str:
    """The run's name without the engine and dataset it repeats (``20250101-120000-numpy-mnist``
    becomes ``20250101-120000``), for lists and legends that show those separately."""
    repeated = f"-{run.engine}-{run.dataset}"
    return run.name.replace(repeated, "", 1) if repeated in run.name and run.name != repeated else run.name


def _device(info: dict) -> str:
    """`` on <device>`` when ``run.json`` names where the run trained (``cnnviz train`` and the window
    record it)."""
    device = info.get("device")
    return f" on {html.escape(device)}" if isinstance(device, str) and device else ""


def run_details_html(run: RunInfo) -> str:
    """The run's details as rich text: name, folder, engine, dataset and status, when it started, its
    images, model and training settings, its last epoch and its test accuracy (what is known)."""
    info = run.info
    lines = [f"<b>{html.escape(run.name)}</b>",
             f"<span style='color:#555'>{html.escape(str(run.path))}</span>",
             f"{html.escape(run.engine)} engine{_device(info)} · {html.escape(run.dataset)} · "
             f"{html.escape(run.status)}"]
    if info.get("started"):
        lines.append(f"Started {html.escape(str(info['started']).replace('T', ' '))}")
    counts = [f"{info[key]:,} {label}" for key, label in (("num_train", "training"),
                                                          ("num_validation", "validation"),
                                                          ("num_test", "test"))
              if isinstance(info.get(key), int)]
    if counts:
        lines.append("Images: " + ", ".join(counts))
    config = run.config()
    if config is not None:
        training = config.training
        lines.append(f"Model: {html.escape(describe_architecture(config))}")
        lines.append(f"Training: {html.escape(training.optimizer)} at {training.learning_rate:g}, batch "
                     f"{training.batch_size}, {counted(training.epochs, 'epoch')}, initializer "
                     f"{html.escape(config.initializer.name)}")
    history = run.epoch_history()
    if history:
        last = history[-1]
        text = f"Last epoch ({len(history)}): loss {number_text(last.get('loss'), '.4f')}, accuracy " \
               f"{number_text(last.get('accuracy'), '.1%')}"
        if last.get("val_accuracy") is not None:
            text += f", validation accuracy {number_text(last.get('val_accuracy'), '.1%')}"
        lines.append(text)
    if run.test_accuracy is not None:
        lines.append(f"Test accuracy: <b>{run.test_accuracy:.2%}</b>")
    return "<br>".join(lines)


def number_text(value: float | None, spec: str) -> str:
    """``value`` formatted with ``spec`` (e.g. ``".1%"``), or "—" when it is missing or not finite."""
    return "—" if value is None or not math.isfinite(value) else format(value, spec)
