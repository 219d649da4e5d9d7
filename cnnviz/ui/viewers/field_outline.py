"""A unit's receptive field outlined on the maps of the layers before it.

When a unit of a feature map is clicked, :func:`unit_regions` says which units of the input and of
every earlier layer it depends on (:mod:`cnnviz.core.graph_receptive_field`, through a graph's
branches too). :class:`FieldOutlines` draws one such region as a rectangle on every map image of a
grid, in the maps' own pixel coordinates (each rectangle is a child of its image item, so it follows
the grid's layout and paging without being told).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QGraphicsRectItem
from shiboken6 import isValid

from cnnviz.core.graph_receptive_field import Bounds, graph_receptive_fields
from cnnviz.core.layer_graph import LayerGraph, config_graph
from cnnviz.service.payloads import InspectionResult

OUTLINE_COLOUR = "#00e5ff"


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
    """The same rectangle on every map image of a grid; ``bounds`` in the maps' pixels."""

    def __init__(self):
        self._rectangles: list[QGraphicsRectItem] = []
        self._bounds: Bounds | None = None

    def show(self, image_items: list[pg.ImageItem], bounds: Bounds | None) -> None:
        """Outline ``bounds`` ``(top, bottom, left, right)`` (inclusive) on each of ``image_items``; None
        takes the outlines away."""
        self._bounds = bounds
        for rectangle in self._rectangles:
            if not isValid(rectangle):
                continue  # went with its image item when the grid rebuilt its cells
            if rectangle.scene() is not None:
                rectangle.scene().removeItem(rectangle)
            rectangle.setParentItem(None)
        self._rectangles = []
        if bounds is None:
            return
        top, bottom, left, right = bounds
        pen = pg.mkPen(OUTLINE_COLOUR, width=2)
        pen.setCosmetic(True)
        for item in image_items:
            rectangle = QGraphicsRectItem(QRectF(left, top, right - left + 1, bottom - top + 1), item)
            rectangle.setPen(pen)
            rectangle.setBrush(Qt.NoBrush)
            rectangle.setZValue(10)
            self._rectangles.append(rectangle)

    def bounds(self) -> Bounds | None:
        """The outlined region, or None."""
        return self._bounds

    def count(self) -> int:
        """How many map images carry the outline."""
        return sum(1 for rectangle in self._rectangles if isValid(rectangle))
