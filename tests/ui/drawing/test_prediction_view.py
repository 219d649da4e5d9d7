"""Tests of the prediction under the canvas: the bars, the highlighted class and the prediction line."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core.datasets.shapes import SHAPE_CLASSES
from cnnviz.ui.drawing.probability_chart import VERTICAL


def test_show_probabilities_sets_bars_and_highlights_the_top_class(canvas):
    probabilities = np.array([0.01, 0.02, 0.05, 0.6, 0.1, 0.02, 0.05, 0.1, 0.03, 0.02])
    canvas.show_probabilities(probabilities)
    np.testing.assert_allclose(canvas.chart.bar_heights(), probabilities)
    colours = canvas.chart.bar_colours()
    assert len(set(colours)) == 2
    assert colours.count(colours[3]) == 1
    assert "3" in canvas.prediction_text() and "60.0 %" in canvas.prediction_text()
    canvas.show_probabilities(probabilities[::-1])
    colours = canvas.chart.bar_colours()
    assert colours.count(colours[6]) == 1 and colours[3] == colours[0]


def test_show_probabilities_with_class_names(canvas):
    canvas.show_probabilities(np.array([[0.2, 0.3, 0.5]]), class_names=SHAPE_CLASSES)
    assert [name for _, name in canvas.chart.tick_labels()] == list(SHAPE_CLASSES)
    assert "circle" in canvas.prediction_text()
    value_axis = 1 if canvas.chart.orientation() == VERTICAL else 0
    low, high = canvas.chart.plot_widget().getPlotItem().vb.viewRange()[value_axis]
    assert low <= 0.0 and 1.0 <= high < 1.2


def test_show_probabilities_validates(canvas):
    with pytest.raises(ValueError, match="class names"):
        canvas.show_probabilities(np.array([0.5, 0.5]), class_names=("a", "b", "c"))
    with pytest.raises(ValueError, match="finite"):
        canvas.show_probabilities(np.array([np.nan, 0.5]))
    with pytest.raises(ValueError):
        canvas.show_probabilities(np.zeros((2, 3)))
