"""Tests of the confusion table: its counts, headers and colours."""

from __future__ import annotations

import numpy as np

from cnnviz.core.datasets import MNIST_CLASSES
from tests.ui.evaluation.helpers import a_confusion


def test_the_table_counts_are_the_confusion_matrix(panel, evaluation):
    table = panel.confusion_table
    np.testing.assert_array_equal(panel.confusion_counts(), evaluation.confusion)
    texts = [[table.item(row, column).text() for column in range(10)] for row in range(10)]
    assert texts == [[str(count) for count in row] for row in evaluation.confusion]
    assert [table.horizontalHeaderItem(index).text() for index in range(10)] == list(MNIST_CLASSES)
    assert [table.verticalHeaderItem(index).text() for index in range(10)] == list(MNIST_CLASSES)
    true_class, predicted = a_confusion(evaluation)
    count = evaluation.confusion[true_class, predicted]
    assert table.item(true_class, predicted).toolTip().startswith(
        f"true {true_class} → predicted {predicted}: {count} image")
    assert f"{evaluation.accuracy:.2%}" in panel.accuracy_label.text()
    assert "40 test images" in panel.accuracy_label.text()


def test_cell_colours_grow_with_the_count(panel, evaluation):
    table = panel.confusion_table
    true_class, predicted = a_confusion(evaluation)
    busiest = table.item(true_class, predicted).background().color()
    empty_cells = np.argwhere(evaluation.confusion == 0)
    empty = table.item(*map(int, empty_cells[0])).background().color()
    assert empty.name() == "#ffffff"
    assert busiest.red() > busiest.green()  # red-ish off the diagonal
    diagonal = int(np.argmax(np.diag(evaluation.confusion)))
    colour = table.item(diagonal, diagonal).background().color()
    assert colour.green() > colour.red()    # green-ish on it
