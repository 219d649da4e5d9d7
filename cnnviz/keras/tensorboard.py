"""A cnnviz run folder as TensorBoard event files: scalars, histograms and images.

:func:`export_tensorboard` writes, under the log folder, ``train/`` and ``validation/`` (Keras's own
TensorBoard layout, so both curves share a chart):

- scalars: ``batch_loss``, ``batch_accuracy`` and ``learning_rate`` at step *b* (the b-th batch of the
  run, from 1), and ``epoch_loss``, ``epoch_accuracy`` at step *k* (after k epochs), in both folders;
- histograms (``train/``): ``<layer>/<parameter>`` and ``<layer>/activation`` from the run's
  ``histograms/`` (:mod:`cnnviz.core.histograms`), at step *k* (0: before training);
- images (``train/``): ``kernels/<layer>``, every filter of a convolution in a grid, from ``kernels/``,
  and ``feature_maps/<layer>``, the maps of every layer with a spatial output for one fixed input
  (``input``), from each checkpoint, at step *k*.

The files are written with TensorFlow's summary writer and the plugin metadata TensorBoard reads, so
TensorBoard itself is not needed to write them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from cnnviz.core.histograms import read_histograms
from cnnviz.core.run_info import RunInfo
from cnnviz.core.safe_npz import read_npz

MAX_TILES = 64
"""At most this many filters or maps per image (the first ones)."""
MIN_CELL_PIXELS = 12
"""Kernels are enlarged (nearest neighbour) to at least this many pixels a side, to be seen."""
MIN_MAP_PIXELS = 48
"""Feature maps likewise."""


@dataclass
class ExportSummary:
    """What :func:`export_tensorboard` wrote: counts of each kind of summary."""

    logdir: Path
    scalars: int = 0
    histograms: int = 0
    images: int = 0
    notes: list[str] = field(default_factory=list)


def _metadata(plugin: str) -> summary_pb2.SummaryMetadata:
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = plugin
    return metadata


SCALARS, HISTOGRAMS, IMAGES = _metadata("scalars"), _metadata("histograms"), _metadata("images")


def tile(cells: np.ndarray, gap: int = 1) -> np.ndarray:
    """Cells ``(n, h, w, c)`` with values in ``[0, 1]`` laid out in a near-square grid ``(H, W, c)``."""
    count, height, width, channels = cells.shape
    columns = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / columns))
    grid = np.ones((rows * (height + gap) - gap, columns * (width + gap) - gap, channels), np.float32)
    for index in range(count):
        row, column = divmod(index, columns)
        top, left = row * (height + gap), column * (width + gap)
        grid[top:top + height, left:left + width] = cells[index]
    return grid


def kernel_image(kernel: np.ndarray) -> np.ndarray:
    """A convolution's kernels ``(kh, kw, in, out)`` as one image ``(H, W, 1 or 3)`` in ``[0, 1]``: each
    filter in colour when it reads three channels, else its mean over the input channels; 0.5 is zero."""
    kernel = np.asarray(kernel, np.float32)[..., :MAX_TILES]
    cells = kernel if kernel.shape[2] == 3 else kernel.mean(axis=2, keepdims=True)
    cells = np.moveaxis(cells, 3, 0)
    scale = float(np.abs(cells).max()) or 1.0
    cells = (cells / scale + 1.0) / 2.0
    factor = max(1, math.ceil(MIN_CELL_PIXELS / max(cells.shape[1], cells.shape[2])))
    cells = cells.repeat(factor, axis=1).repeat(factor, axis=2)
    return tile(cells)


def feature_map_image(maps: np.ndarray) -> np.ndarray:
    """One input's feature maps ``(h, w, channels)`` as a grey grid, each map scaled to its own range."""
    maps = np.moveaxis(np.asarray(maps, np.float32)[..., :MAX_TILES], 2, 0)[..., None]
    low = maps.min(axis=(1, 2, 3), keepdims=True)
    span = maps.max(axis=(1, 2, 3), keepdims=True) - low
    cells = (maps - low) / np.where(span > 0, span, 1.0)
    factor = max(1, math.ceil(MIN_MAP_PIXELS / max(cells.shape[1], cells.shape[2])))
    return tile(cells.repeat(factor, axis=1).repeat(factor, axis=2))


def _write_image(tag: str, image: np.ndarray, step: int) -> None:
    pixels = np.clip(np.round(image * 255.0), 0, 255).astype(np.uint8)
    png = tf.image.encode_png(pixels)
    tensor = tf.stack([tf.constant(str(pixels.shape[1])), tf.constant(str(pixels.shape[0])), png])
    tf.summary.write(tag, tensor, step=step, metadata=IMAGES)


def _write_scalar(tag: str, value: float | None, step: int) -> int:
    if value is None or not math.isfinite(value):
        return 0
    tf.summary.write(tag, tf.constant(float(value), tf.float32), step=step, metadata=SCALARS)
    return 1


def fixed_input(run: RunInfo, input_shape: tuple[int, ...]) -> tuple[np.ndarray, str]:
    """The one input whose feature maps are shown: the first test image of the run's dataset when cnnviz
    can load it (fitted to the model's input), else a seeded pattern; and what it is, in words."""
    from cnnviz.core.datasets import load_dataset
    from cnnviz.core.preprocessing import fit_batch

    config = run.config()
    names = [name for name in (run.dataset, config.training.dataset if config else None) if name and name != "?"]
    for name in names:
        try:
            images = load_dataset(name, "test", count=1).images
            batch, _ = fit_batch(images, tuple(input_shape))
            return batch, f"the first test image of {name}"
        except (ValueError, OSError):
            continue
    pattern = np.random.default_rng(0).random((1, *input_shape), dtype=np.float32)
    return pattern, "a seeded random image (the run's dataset is not one cnnviz can load)"


def export_tensorboard(run_path: str | Path, logdir: str | Path) -> ExportSummary:
    """Write the run in ``run_path`` as TensorBoard event files under ``logdir``.

    Raises
    ------
    ValueError
        If ``run_path`` holds no cnnviz run.
    """
    from cnnviz.engines.registry import load_engine

    run_path, logdir = Path(run_path), Path(logdir)
    if not (run_path / "run.json").is_file() and not (run_path / "config.json").is_file():
        raise ValueError(f"{run_path} holds no cnnviz run (no run.json or config.json). Give a run folder; "
                         "cnnviz runs lists them.")
    run = RunInfo(run_path)
    summary = ExportSummary(logdir)
    train = tf.summary.create_file_writer(str(logdir / "train"))
    validation = tf.summary.create_file_writer(str(logdir / "validation"))
    with train.as_default():
        for index, row in enumerate(run.step_history(), start=1):
            for tag, key in (("batch_loss", "loss"), ("batch_accuracy", "accuracy"),
                             ("learning_rate", "learning_rate")):
                summary.scalars += _write_scalar(tag, row.get(key), index)
        for row in run.epoch_history():
            summary.scalars += _write_scalar("epoch_loss", row.get("loss"), int(row["epoch"]) + 1)
            summary.scalars += _write_scalar("epoch_accuracy", row.get("accuracy"), int(row["epoch"]) + 1)
        for path in sorted((run_path / "histograms").glob("epoch-*.npz")):
            step = int(path.stem[len("epoch-"):])
            for tag, item in read_histograms(path).items():
                buckets = np.stack([item.edges[:-1], item.edges[1:], item.counts.astype(np.float64)], axis=1)
                tf.summary.write(tag, tf.constant(buckets, tf.float64), step=step, metadata=HISTOGRAMS)
                summary.histograms += 1
        for path in run.kernel_snapshots:
            step = int(path.stem[len("epoch-"):])
            for layer, kernel in read_npz(path, "kernel snapshot").items():
                if kernel.ndim == 4:
                    _write_image(f"kernels/{layer}", kernel_image(kernel), step)
                    summary.images += 1
        checkpoints = [path for path in (run.checkpoint_at(-1), *run.checkpoints) if path is not None]
        image = None
        for path in checkpoints:
            step = int(path.stem[len("epoch-"):])
            engine = load_engine(path)
            if image is None:
                image, described = fixed_input(run, tuple(engine.input_shape))
                summary.notes.append(f"feature maps are of {described}")
                _write_image("input", image[0], 0)
                summary.images += 1
            for layer, maps in engine.feature_maps(image).items():
                if np.ndim(maps) == 4:
                    _write_image(f"feature_maps/{layer}", feature_map_image(maps[0]), step)
                    summary.images += 1
    with validation.as_default():
        for row in run.epoch_history():
            summary.scalars += _write_scalar("epoch_loss", row.get("val_loss"), int(row["epoch"]) + 1)
            summary.scalars += _write_scalar("epoch_accuracy", row.get("val_accuracy"), int(row["epoch"]) + 1)
    for writer in (train, validation):
        writer.flush()
        writer.close()
    return summary
