"""Tests of the probability chart: class labels that never overlap, bars that tell their class."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from cnnviz.core.datasets.shapes import SHAPE_CLASSES
from cnnviz.ui.drawing.probability_chart import VERTICAL
from tests.ui.drawing.helpers import SIGNAL_TIMEOUT_MS, label_extents


@pytest.mark.parametrize("names", [
    tuple(str(digit) for digit in range(10)),
    tuple(SHAPE_CLASSES),
    ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
     "Ankle boot"),
    tuple(f"category number {index}" for index in range(40)),
], ids=["digits", "shapes", "fashion", "forty-long-names"])
def test_class_labels_never_overlap(qtbot, free_canvas, names):
    canvas = free_canvas
    values = np.linspace(0.1, 0.9, len(names))
    canvas.show_probabilities(values / values.sum(), class_names=names)
    QApplication.processEvents()
    labels = canvas.chart.tick_labels()
    assert labels
    extents = label_extents(canvas.chart)
    for (_, end), (start, _) in zip(extents, extents[1:]):
        assert end <= start
    texts = [text for _, text in labels]
    assert len(set(texts)) == len(texts)  # no two classes look alike
    if len(names) <= 10:
        assert [index for index, _ in labels] == list(range(len(names)))  # a handful: every one labelled
    if texts != list(names):
        assert "Classes: 0 " in canvas.chart.tooltip_text()  # which label is which class
    # Whatever is elided or left out, hovering tells the whole name.
    assert canvas.chart.describe_bar(len(names) - 1).startswith(names[-1] + ":")


def test_hovering_a_bar_tells_its_class_and_probability(qtbot, free_canvas):
    canvas = free_canvas
    canvas.show_probabilities(np.array([0.1, 0.2, 0.7]), class_names=tuple(SHAPE_CLASSES))
    QApplication.processEvents()
    plot = canvas.chart.plot_widget()
    view = plot.getPlotItem().getViewBox()
    point = QPointF(0.35, 2) if canvas.chart.orientation() != VERTICAL else QPointF(2, 0.35)
    position = plot.mapFromScene(view.mapViewToScene(point))
    qtbot.mouseMove(plot.viewport(), position)
    qtbot.waitUntil(lambda: canvas.chart.tooltip_text() == "circle: 70.0 %", timeout=SIGNAL_TIMEOUT_MS)
