"""Tests of the per-class accuracy chart: bar heights, the axis, the overall line, class names apart."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication, QLabel

from cnnviz.core.datasets import FASHION_MNIST_CLASSES
from cnnviz.science.evaluation import evaluate
from cnnviz.ui.evaluation.panel import EvaluationPanel
from tests.ui.evaluation.helpers import FixedEngine, label_extents, make_evaluation


def test_per_class_bars(panel, evaluation):
    np.testing.assert_allclose(panel.bar_heights(), np.nan_to_num(evaluation.per_class_accuracy))
    assert panel.bar_widget.overall_accuracy() == pytest.approx(evaluation.accuracy)


def test_the_accuracy_axis_starts_just_below_the_lowest_bar(panel, evaluation):
    heights = panel.bar_heights()
    low, high = panel.bar_range()
    assert low == pytest.approx(max(0.0, min(heights.min(), evaluation.accuracy) - 0.05))
    assert high >= 1.0
    shown_low, shown_high = panel.bar_widget.shown_range()
    assert shown_low == pytest.approx(low) and shown_high == pytest.approx(high)
    assert shown_low < panel.bar_widget.overall_accuracy() < shown_high
    assert panel.bar_widget.value_texts() == [f"{100 * height:.0f}" for height in heights]
    correct = int(np.asarray(evaluation.confusion)[2, 2])
    assert panel.describe_bar(2).startswith(f"{evaluation.class_names[2]}: {heights[2]:.2%} ({correct:,} of")


@pytest.mark.parametrize("width", [700, 1400])
def test_class_names_under_the_bars_never_overlap(qtbot, width):


    base = make_evaluation()
    evaluation = evaluate(FixedEngine(base.probabilities), base.images, base.labels, "fashion-mnist",
                          FASHION_MNIST_CLASSES)
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    panel.resize(width, 650)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_evaluation(evaluation)
    QApplication.processEvents()
    labels = panel.bar_labels()
    assert [index for index, _ in labels] == list(range(10))
    texts = [text for _, text in labels]
    assert len(set(texts)) == 10
    extents = label_extents(panel)
    for (_, end), (start, _) in zip(extents, extents[1:]):
        assert end <= start
    if texts != list(FASHION_MNIST_CLASSES):
        assert "Classes: 0 T-shirt/top, 1 Trouser" in panel.bar_widget.toolTip()
    # The confusion matrix's headers hold the whole names (the header elides what does not fit).
    table = panel.confusion_table
    assert [table.horizontalHeaderItem(index).text() for index in range(10)] == list(FASHION_MNIST_CLASSES)


def test_at_laptop_size_the_chart_speaks_percent_and_clips_or_overlaps_nothing(qtbot):
    # About what the Evaluation tab gets in a 1366 × 768 window beside the docks.
    evaluation = make_evaluation(num_images=400, correct_fraction=0.97, seed=5)
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    panel.resize(672, 380)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_evaluation(evaluation)
    qtbot.wait(100)
    chart = panel.bar_widget
    plot = chart.getPlotItem()
    assert chart.axis_label() == "accuracy (%)"
    ticks = [float(label) for _, label in plot.getAxis("left")._tickLevels[0]]
    assert max(ticks) > 1 and max(ticks) <= 100
    view = plot.getViewBox()
    inside = view.sceneBoundingRect().adjusted(-0.5, -0.5, 0.5, 0.5)
    values = [text for text in chart._bar_texts if text.isVisible()]
    assert [text.toPlainText() for text in values] == chart.value_texts()
    for text in values:
        assert inside.contains(text.sceneBoundingRect()), text.toPlainText()
    all_label = chart._overall_line.label
    assert all_label.isVisible() and all_label.toPlainText() == "all"
    label_box = all_label.sceneBoundingRect()
    assert inside.contains(label_box)
    heights = 100 * chart.bar_heights()
    for index, height in enumerate(heights):
        bar = view.mapViewToScene(QRectF(index - 0.35, 0.0, 0.7, height)).boundingRect()
        assert not label_box.intersects(bar)
    for text in values:
        assert not label_box.intersects(text.sceneBoundingRect())


def test_the_evaluation_tab_gives_one_hint_at_a_time(panel, qtbot):
    def hints():
        return [label.text() for label in panel.findChildren(QLabel)
                if label.isVisible() and "Click" in label.text()]

    assert len(hints()) == 1
