"""A unit's receptive field outlined on the maps of the layers before it.

When a unit of a feature map is clicked, :func:`unit_regions` says which units of the input and of
every earlier layer it depends on (:mod:`cnnviz.core.graph_receptive_field`, through a graph's
branches too). :class:`FieldOutlines` draws one such region as a rectangle on every map of a grid,
in the maps' own pixel coordinates.
"""

from __future__ import annotations

from cnnviz.core.graph_receptive_field import Bounds, graph_receptive_fields
from cnnviz.core.layer_graph import LayerGraph, config_graph
from cnnviz.service.payloads import InspectionResult
from cnnviz.ui.viewers.grid_atlas import AtlasGrid


def result_graph(result: InspectionResult) -> LayerGraph | None:
    """The layer graph of the model that made ``result`` (its configuration's chain if it has one)."""
    if result.config is not None:
        return config_graph(result.config)
    return result.layer_graph


def unit_regions(result: InspectionResult, layer: str, index: tuple[int, ...]) -> dict[str, Bounds]:
    """The regions unit ``index`` of ``layer`` depends on, by layer name, the input's under the graph's
    input name: ``(top, bottom, left, right)`` inclusive. A unit that sees the whole input (a dense unit)
    gets the whole input only; a layer whose field is not known gets nothing."""
    graph = result_graph(result)
    names = graph.names() if graph is not None else []
    if graph is None or layer not in names:
        return {}
    field = graph_receptive_fields(graph, tuple(result.image.shape[1:]))[names.index(layer)]
    height, width = result.image.shape[1:3]
    if field is None:
        return {}
    if field.whole_input or field.trace is None or len(index) != 3:
        return {graph.input_name: (0, height - 1, 0, width - 1)}
    return field.trace.regions(index[0], index[1])


def input_name(result: InspectionResult) -> str:
    """The name under which :func:`unit_regions` gives the input's region."""
    graph = result_graph(result)
    return graph.input_name if graph is not None else "input"


class FieldOutlines:
    """The same rectangle on every map of a grid's page; ``bounds`` in the maps' pixels. The grid's atlas
    draws it, so it follows the grid's layout and paging without being told."""

    def __init__(self):
        self._cells: AtlasGrid | None = None
        self._bounds: Bounds | None = None

    def show(self, cells: AtlasGrid, bounds: Bounds | None) -> None:
        """Outline ``bounds`` ``(top, bottom, left, right)`` (inclusive) on each map of ``cells``; None
        takes the outlines away."""
        self._cells, self._bounds = cells, bounds
        cells.set_outline(bounds)

    def bounds(self) -> Bounds | None:
        """The outlined region, or None."""
        return self._bounds

    def count(self) -> int:
        """How many maps carry the outline."""
        return self._cells.outline_count() if self._cells is not None else 0
