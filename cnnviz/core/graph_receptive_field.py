"""Receptive fields of a graph of layers (branches and merges), and the exact region a unit depends on in
the input and in every earlier layer.

Each layer of a :class:`~cnnviz.core.layer_graph.LayerGraph` carries a
:class:`~cnnviz.core.layer_graph.LayerWindow`. Along one path the size, jump and start follow the
recurrences of :mod:`cnnviz.core.receptive_field` (Araujo, Norris & Sim 2019), a dilated kernel counting
as its effective size ``d (k - 1) + 1`` (its exact region skips the taps that fall on padding) and a
``ZeroPadding2D`` (``Cropping2D``) as a 1×1 window with ``p`` (``-p``) rows or columns before the data.
Where paths merge (``Add``, ``Concatenate``, ``Multiply`` ...), a unit depends on what any of its inputs
depends on, so its field is the **union** of the inputs' fields: per axis, from the lowest first pixel
to the highest last pixel of unit 0 (size = that span, start = its centre). When the inputs' jumps agree
(a valid merge of maps of one size almost always has them agree) this union is exact for every unit;
when they do not, the field is not aligned across units (Araujo et al. §"non-aligned" networks) and the
larger jump and the union at unit 0 are reported — an approximation, the exact region comes from
:meth:`FieldTrace.regions`.

The exact region a unit sees in every earlier layer (clipped at each layer's edges, padding not counted)
comes from walking the graph backwards from the unit: a window maps the rows ``[low, high]`` of its
output to ``[max(low s - p, 0), min(high s - p + k - 1, L - 1)]`` of its input of length ``L`` (without
gaps); a pointwise layer passes them on unchanged; where several layers use one output, the regions
join. Each axis is followed as a set of positions (a dilated kernel leaves gaps, and a gap over padding
must not count), so the smallest box holding the region is exact: along one path the region is a product
of its rows and columns, and a merge joins the rows and the columns of its paths. Pure Python, no array
library."""

from __future__ import annotations

from dataclasses import dataclass

from cnnviz.core.layer_graph import LayerGraph
from cnnviz.core.receptive_field import ReceptiveField, _same_padding_before

Bounds = tuple[int, int, int, int]
"""``(top, bottom, left, right)``, inclusive."""
Axis = tuple[int, int, int, int, int]
Geometry = tuple[Axis, Axis] | None
"""Per axis ``(kernel, stride, pad before, input length, dilation)`` of a window (the kernel counting
its dilation); None for a pointwise layer."""


@dataclass(frozen=True)
class FieldTrace:
    """What a layer's units depend on, for :meth:`regions`: the layer and every ancestor with its
    inputs and geometry, in a topological order."""

    layer: str
    input_name: str
    input_size: tuple[int, int]
    steps: tuple[tuple[str, tuple[str, ...], Geometry], ...]

    def regions(self, row: int, column: int) -> dict[str, Bounds]:
        """The units unit ``(row, column)`` of :attr:`layer` depends on, in the input (under
        :attr:`input_name`) and in every earlier layer it depends on (by name), itself included; a
        layer the unit depends on only through padding is left out."""
        rows_of: dict[str, set[int]] = {self.layer: {row}}
        columns_of: dict[str, set[int]] = {self.layer: {column}}
        for name, inputs, geometry in reversed(self.steps):
            if name not in rows_of:
                continue
            rows, columns = rows_of[name], columns_of[name]
            if geometry is not None:
                rows, columns = _taps(rows, geometry[0]), _taps(columns, geometry[1])
                if not rows or not columns:
                    continue  # the unit sees only padding along this input
            for source in inputs:
                rows_of.setdefault(source, set()).update(rows)
                columns_of.setdefault(source, set()).update(columns)
        return {name: (min(rows), max(rows), min(columns_of[name]), max(columns_of[name]))
                for name, rows in rows_of.items() if rows}


def _taps(positions: set[int], axis: Axis) -> set[int]:
    """The input positions that outputs at ``positions`` read along one axis (padding not counted)."""
    kernel, stride, pad, length, dilation = axis
    return {tap for position in positions for tap in range(position * stride - pad, position * stride - pad + kernel,
                                                           dilation) if 0 <= tap < length}


@dataclass(frozen=True)
class _Path:
    size: tuple[int, int]
    jump: tuple[int, int]
    start: tuple[float, float]


def _union(paths: list[_Path]) -> _Path:
    size, jump, start = [0, 0], [0, 0], [0.0, 0.0]
    for axis in (0, 1):
        low = min(path.start[axis] - (path.size[axis] - 1) / 2 for path in paths)
        high = max(path.start[axis] + (path.size[axis] - 1) / 2 for path in paths)
        size[axis], start[axis] = round(high - low) + 1, (low + high) / 2
        jump[axis] = max(path.jump[axis] for path in paths)
    return _Path((size[0], size[1]), (jump[0], jump[1]), (start[0], start[1]))


def graph_receptive_fields(graph: LayerGraph, input_shape: tuple[int, ...]) -> list[ReceptiveField | None]:
    """Every layer's receptive field in ``graph``'s order; None where it is not known (a layer without a
    :class:`~cnnviz.core.layer_graph.LayerWindow`, and every layer fed by one).

    Parameters
    ----------
    graph : LayerGraph
    input_shape : tuple
        The model input ``(height, width, channels)``.
    """
    height, width = int(input_shape[0]), int(input_shape[1])
    spatial: dict[str, tuple[int, int]] = {graph.input_name: (height, width)}
    paths: dict[str, _Path | str | None] = {graph.input_name: _Path((1, 1), (1, 1), (0.0, 0.0))}
    steps: list[tuple[str, tuple[str, ...], Geometry]] = []
    fields: list[ReceptiveField | None] = []
    for layer in graph.layers:
        if len(layer.output_shape) == 4:
            spatial[layer.name] = (int(layer.output_shape[1]), int(layer.output_shape[2]))
        feeds = [paths.get(source) for source in layer.inputs]
        window = layer.window
        if window is None or any(feed is None for feed in feeds) or not feeds:
            paths[layer.name] = None
        elif window.kind == "whole" or any(feed == "whole" for feed in feeds):
            paths[layer.name] = "whole"
        else:
            merged = _union([feed for feed in feeds if isinstance(feed, _Path)])
            geometry: Geometry = None
            if window.kind == "window":
                lengths = spatial.get(layer.inputs[0])
                if lengths is None:
                    paths[layer.name] = None
                    fields.append(None)
                    continue
                per_axis = []
                size, jump, start = list(merged.size), list(merged.jump), list(merged.start)
                for axis in (0, 1):
                    kernel, stride = window.kernel[axis], window.strides[axis]
                    pad = window.pad[axis] + (_same_padding_before(lengths[axis], kernel, stride)
                                              if window.padding == "same" else 0)
                    size[axis] += (kernel - 1) * jump[axis]
                    start[axis] += ((kernel - 1) / 2 - pad) * jump[axis]
                    jump[axis] *= stride
                    per_axis.append((kernel, stride, pad, lengths[axis], window.dilation[axis]))
                geometry = (per_axis[0], per_axis[1])
                merged = _Path((size[0], size[1]), (jump[0], jump[1]), (start[0], start[1]))
            paths[layer.name] = merged
            steps.append((layer.name, layer.inputs, geometry))
        path = paths[layer.name]
        if isinstance(path, _Path):
            trace = FieldTrace(layer.name, graph.input_name, (height, width), _ancestors(steps, layer.name))
            fields.append(ReceptiveField(layer.name, path.size, path.jump, path.start, trace=trace))
        elif path == "whole":
            fields.append(ReceptiveField(layer.name, (height, width), (0, 0), (0.0, 0.0), whole_input=True))
        else:
            fields.append(None)
    return fields


def _ancestors(steps: list[tuple[str, tuple[str, ...], Geometry]], name: str):
    """The steps ``name`` depends on (itself included), in order."""
    needed = {name}
    kept = []
    for step in reversed(steps):
        if step[0] in needed:
            kept.append(step)
            needed.update(step[1])
    return tuple(reversed(kept))
