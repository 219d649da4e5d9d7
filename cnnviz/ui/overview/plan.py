"""Where the network overview puts each layer, and the one image all its thumbnails are drawn in.

The overview shows every layer as a column: a convolution's (or pooling's, or any map layer's)
channels as a stack of small thumbnails — all of them, or for a wide layer the ``k`` strongest by
mean activation ("k of n") — and a vector layer's (flatten, dense) units as a strip of cells.
:func:`plan_columns` fixes the columns' places once per model (and per choice of layers and
``k``); :func:`compose` then paints a new input's activations into one RGB image, so a stroke
costs a few NumPy operations and one image upload. Plain NumPy, no Qt, so it is cheap to test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from cnnviz.core.layer_graph import KERNEL_PART_SEPARATOR, LayerGraph

INPUT = "input"
"""The name of the input's column (the input is no layer; a layer may be called this in a graph)."""
MAPS, UNITS = "maps", "units"
MAX_STRIP_UNITS = 32
"""Layers with at most this many units (an output layer) get one tall cell per unit; wider ones small squares."""
MAX_ROWS = 16
"""The most thumbnails stacked in one column; more are laid out side by side, row by row."""
UNIT_CELL = 4
"""The side of a unit's square in a wide vector layer's column, in pixels."""
BACKGROUND = 0xFFFFFFFF
"""White, as a packed ``0xAARRGGBB`` pixel."""


@dataclass(frozen=True)
class Column:
    """One layer's column: what it shows and where, in image pixels."""

    layer: str
    kind: str
    """``"maps"`` (thumbnails of channels), ``"units"`` (a vector layer's cells) or ``"input"``."""
    total: int
    """How many channels or units the layer has."""
    shown: int
    """How many of them the column shows (the strongest, when fewer than ``total``)."""
    left: int
    top: int
    width: int
    height: int
    inputs: tuple[str, ...]
    """The shown columns feeding this one (the nearest shown layers upstream in the graph)."""
    layer_kind: str = ""
    """The layer's class (``Conv2D``, ``Add`` …) when the model's graph names it."""
    across: int = 1
    """Thumbnails side by side (a map column of more than :data:`MAX_ROWS` thumbnails is several wide)."""

    @property
    def label(self) -> str:
        """``"all 28"``, or ``"16 of 96"`` for a wide layer."""
        if self.kind == INPUT:
            return "input"
        return f"all {self.total}" if self.shown == self.total else f"{self.shown} of {self.total}"


@dataclass(frozen=True)
class OverviewPlan:
    """Every column, the thumbnails' size and the image's size."""

    columns: tuple[Column, ...]
    thumbnail: int
    gap: int
    width: int
    height: int

    def column(self, layer: str) -> Column | None:
        return next((column for column in self.columns if column.layer == layer), None)

    def slot_at(self, x: float, y: float) -> tuple[Column, int] | None:
        """The column and the slot (0 = the top thumbnail or unit cell) at image pixel ``(x, y)``."""
        for column in self.columns:
            if column.left <= x < column.left + column.width and column.top <= y < column.top + column.height:
                slot = slot_of(self, column, x - column.left, y - column.top)
                return None if slot is None else (column, slot)
        return None


def slot_of(plan: OverviewPlan, column: Column, dx: float, dy: float) -> int | None:
    """The slot at ``(dx, dy)`` inside ``column`` (None between thumbnails)."""
    if column.kind == UNITS:
        if column.total <= MAX_STRIP_UNITS:
            slot = int(dy // (plan.thumbnail // 2))
        else:
            slot = int(dy // UNIT_CELL) * (plan.thumbnail // UNIT_CELL) + int(dx // UNIT_CELL)
        return slot if slot < column.shown else None
    pitch = plan.thumbnail + plan.gap
    row, col = int(dy // pitch), int(dx // pitch)
    slot = row * column.across + col
    inside = dy - row * pitch < plan.thumbnail and dx - col * pitch < plan.thumbnail
    return slot if inside and col < column.across and slot < column.shown else None


def output_layers(layer_names: Sequence[str], feature_maps: Mapping[str, np.ndarray]) -> list[str]:
    """The layers the overview can draw: those with maps ``(1, h, w, c)`` or units ``(1, n)``."""
    return [name for name in layer_names if name in feature_maps and np.ndim(feature_maps[name]) in (2, 4)]


def weighted_layers(kernels: Mapping[str, np.ndarray], weights: Mapping[str, Mapping] | None) -> set[str]:
    """The layers with a kernel (convolutions, dense layers): the "weighted layers only" choice."""
    named = {name.split(KERNEL_PART_SEPARATOR)[0] for name in kernels}
    named |= {name for name, params in (weights or {}).items() if "kernel" in params}
    return named


def plan_columns(layers: Sequence[str], shapes: Mapping[str, tuple[int, ...]], graph: LayerGraph | None,
                 max_per_column: int = 32, thumbnail: int = 28, gap: int = 3, column_gap: int = 30,
                 margin: int = 8) -> OverviewPlan:
    """Place the input's column and one column per layer in ``layers`` (graph order), left to right.

    ``shapes`` gives each layer's output shape with its batch axis (``(1, h, w, c)`` or ``(1, n)``).
    A map layer shows at most ``max_per_column`` thumbnails (at most :data:`MAX_ROWS` high, side by
    side beyond that), a wide vector layer at most ``max_per_column × 8`` units. Columns are centred
    on one line, so a chain's connectors are straight.
    """
    if max_per_column < 1:
        raise ValueError(f"A column must show at least one thumbnail; got {max_per_column}.")
    per_row = max(1, thumbnail // UNIT_CELL)
    pitch = thumbnail + gap
    # (layer, kind, total, shown, thumbnails across, width, height)
    # The input is drawn twice a thumbnail's size: it is what every column is compared with.
    sizes = [(INPUT, INPUT, 1, 1, 1, 2 * thumbnail, 2 * thumbnail)]
    for layer in layers:
        shape = tuple(shapes[layer])
        if len(shape) == 4:
            total = int(shape[3])
            shown = min(total, max_per_column)
            across = -(-shown // MAX_ROWS)
            rows = -(-shown // across)
            sizes.append((layer, MAPS, total, shown, across, across * pitch - gap, rows * pitch - gap))
        else:
            total = int(shape[1])
            if total <= MAX_STRIP_UNITS:
                sizes.append((layer, UNITS, total, total, 1, thumbnail, total * (thumbnail // 2)))
            else:
                shown = min(total, max_per_column * 8)
                sizes.append((layer, UNITS, total, shown, 1, thumbnail, -(-shown // per_row) * UNIT_CELL))
    height = max(size[6] for size in sizes) + 2 * margin
    inputs = _inputs(layers, graph)
    columns = []
    left = margin
    for layer, kind, total, shown, across, column_width, column_height in sizes:
        node = graph.layer(layer) if graph is not None and kind != INPUT else None
        columns.append(Column(layer, kind, total, shown, left, (height - column_height) // 2, column_width,
                              column_height, inputs.get(layer, ()), node.kind if node is not None else "", across))
        left += column_width + column_gap
    return OverviewPlan(tuple(columns), thumbnail, gap, left - column_gap + margin, height)


def _inputs(layers: Sequence[str], graph: LayerGraph | None) -> dict[str, tuple[str, ...]]:
    """Each shown layer's nearest shown layers upstream (:data:`INPUT` for the input); without a graph
    (or for a layer it does not know) the column before."""
    shown = set(layers)
    nodes = {layer.name: layer for layer in graph.layers} if graph is not None else {}
    input_name = graph.input_name if graph is not None else INPUT

    def upstream(name: str, seen: set[str]) -> list[str]:
        if name == input_name and name not in nodes:
            return [INPUT]
        if name in shown:
            return [name]
        node = nodes.get(name)
        if node is None or name in seen:
            return []
        seen.add(name)
        found: list[str] = []
        for parent in node.inputs:
            found += [hit for hit in upstream(parent, seen) if hit not in found]
        return found or ([INPUT] if not node.inputs else [])

    result: dict[str, tuple[str, ...]] = {}
    previous = INPUT
    for layer in layers:
        node = nodes.get(layer)
        if node is None:
            result[layer] = (previous,)
        else:
            found: list[str] = []
            for parent in node.inputs:
                found += [hit for hit in upstream(parent, set()) if hit not in found]
            result[layer] = tuple(found) or (INPUT,)
        previous = layer
    return result


def strongest(values: np.ndarray, count: int) -> np.ndarray:
    """The indices of the ``count`` largest of ``values`` (``(n,)``), in increasing index order."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=-np.inf)
    if count >= len(values):
        return np.arange(len(values))
    chosen = np.argpartition(-values, count - 1)[:count]
    return np.sort(chosen)


def compose(plan: OverviewPlan, image: np.ndarray, feature_maps: Mapping[str, np.ndarray],
            lut: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Paint one input's activations into the overview's image.

    Parameters
    ----------
    plan : OverviewPlan
    image : ndarray, shape (1, h, w, c)
        The model's input (drawn in grey, or in colour when it has three channels).
    feature_maps : mapping of layer name to ndarray
        Each planned layer's output, ``(1, h, w, c)`` or ``(1, n)``.
    lut : ndarray, shape (256, 3), uint8
        The colour map; each column has its own range (its shown channels share it).

    Returns
    -------
    pixels : ndarray, shape (plan.height, plan.width), uint32
        Packed ``0xFFRRGGBB`` pixels (what ``QImage.Format_RGB32`` reads).
    shown : dict of layer name to ndarray of int
        The channels or units each column shows, top to bottom.
    """
    rgb = np.full((plan.height, plan.width), BACKGROUND, dtype=np.uint32)
    lut = pack(lut)
    shown: dict[str, np.ndarray] = {}
    for column in plan.columns:
        if column.kind == INPUT:
            _paint_input(rgb, plan, column, np.asarray(image, dtype=np.float32)[0])
            continue
        output = np.asarray(feature_maps[column.layer], dtype=np.float32)[0]
        if column.kind == MAPS:
            means = output.reshape(-1, output.shape[-1]).mean(axis=0)
            indices = strongest(means, column.shown)
            _paint_maps(rgb, plan, column, output, indices, lut)
        else:
            indices = strongest(output, column.shown)
            _paint_units(rgb, plan, column, output[indices], lut)
        shown[column.layer] = indices
    return rgb, shown


def pack(rgb: np.ndarray) -> np.ndarray:
    """Colours ``(..., 3)`` uint8 as packed opaque ``0xFFRRGGBB`` pixels ``(...)`` uint32."""
    rgb = np.asarray(rgb, dtype=np.uint32)
    return (0xFF000000 | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]).astype(np.uint32)


def _to_bytes(values: np.ndarray) -> np.ndarray:
    """``values`` stretched over 0 .. 255 between their smallest and largest finite values; NaN (a
    diverged model) draws as the bottom of the range."""
    low, high = float(values.min()), float(values.max())
    finite = np.isfinite(low) and np.isfinite(high)
    if not finite:
        kept = values[np.isfinite(values)]
        low, high = (float(kept.min()), float(kept.max())) if kept.size else (0.0, 1.0)
    if high <= low:
        high = low + 1.0
    scaled = (values - low) * (255.0 / (high - low))
    if not finite:
        scaled = np.nan_to_num(scaled, copy=False, nan=0.0)
    return np.clip(scaled, 0, 255, out=scaled).astype(np.uint8)


def _sampling(size: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Nearest-neighbour rows and columns that fit an ``height × width`` map in a ``size`` square."""
    scale = size / max(height, width)
    rows = np.minimum((np.arange(max(1, round(height * scale))) / scale).astype(int), height - 1)
    cols = np.minimum((np.arange(max(1, round(width * scale))) / scale).astype(int), width - 1)
    return rows, cols


def _paint_input(rgb: np.ndarray, plan: OverviewPlan, column: Column, image: np.ndarray) -> None:
    rows, cols = _sampling(column.width, image.shape[0], image.shape[1])
    sampled = image[rows][:, cols]
    if sampled.shape[-1] == 3:
        pixels = pack(_to_bytes(sampled))
    else:
        grey = _to_bytes(sampled.mean(axis=-1))
        pixels = pack(np.stack([grey] * 3, axis=-1))
    rgb[column.top:column.top + len(rows), column.left:column.left + len(cols)] = pixels


def _paint_maps(rgb: np.ndarray, plan: OverviewPlan, column: Column, maps: np.ndarray, indices: np.ndarray,
                lut: np.ndarray) -> None:
    """Draw channels ``indices`` of ``maps`` ``(h, w, c)`` as the column's thumbnails, on one colour range."""
    rows, cols = _sampling(plan.thumbnail, maps.shape[0], maps.shape[1])
    # The thumbnails' pixels of the chosen channels only: one take per axis (a third of the time of
    # one three-axis gather).
    sampled = np.moveaxis(maps.take(indices, axis=2).take(rows, axis=0).take(cols, axis=1), -1, 0)  # (k, th, tw)
    # Every thumbnail with its gap, laid out row by row and painted as one block.
    pitch, across = plan.thumbnail + plan.gap, column.across
    num_rows = -(-len(sampled) // across)
    tiles = np.full((num_rows * across, pitch, pitch), BACKGROUND, dtype=np.uint32)
    tiles[:len(sampled), :len(rows), :len(cols)] = lut[_to_bytes(sampled)]
    block = tiles.reshape(num_rows, across, pitch, pitch).swapaxes(1, 2).reshape(num_rows * pitch, across * pitch)
    rgb[column.top:column.top + column.height, column.left:column.left + column.width] = \
        block[:column.height, :column.width]


def _paint_units(rgb: np.ndarray, plan: OverviewPlan, column: Column, values: np.ndarray, lut: np.ndarray) -> None:
    colours = lut[_to_bytes(values)]                               # (k,)
    if column.total <= MAX_STRIP_UNITS:
        cell = plan.thumbnail // 2
        for slot, colour in enumerate(colours):
            top = column.top + slot * cell
            rgb[top:top + cell - 1, column.left:column.left + column.width] = colour
        return
    per_row = max(1, plan.thumbnail // UNIT_CELL)
    padded = np.full(-(-len(colours) // per_row) * per_row, BACKGROUND, dtype=np.uint32)
    padded[:len(colours)] = colours
    cells = padded.reshape(-1, per_row).repeat(UNIT_CELL, axis=0).repeat(UNIT_CELL, axis=1)
    rgb[column.top:column.top + cells.shape[0], column.left:column.left + cells.shape[1]] = cells
