"""The confusion matrix of the Evaluation tab: a table of counts, coloured by how many.

Rows are true classes, columns predicted classes. Each cell's colour grows with its count:
green on the diagonal (its share of the row), red off it (against the largest confusion).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from cnnviz.core.evaluation import Evaluation

__all__ = ["ConfusionTable"]

_DIAGONAL_COLOUR = (46, 125, 50)     # green: correct predictions
_MISTAKE_COLOUR = (198, 40, 40)      # red: confusions


def _mix(colour: tuple[int, int, int], strength: float) -> QColor:
    """``colour`` blended with white: ``strength`` 0 is white, 1 the full colour."""
    strength = float(np.clip(strength, 0.0, 1.0))
    return QColor(*(round(255 + (channel - 255) * strength) for channel in colour))


class ConfusionTable(QTableWidget):
    """The confusion matrix as a read-only table, one cell selectable at a time.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 0, parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setToolTip("Confusion matrix: row = true class, column = predicted class, "
                        "each cell the number of test images. Click a cell to see them.")
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setMinimumSectionSize(30)
        self.verticalHeader().setMinimumSectionSize(18)
        self.setMinimumSize(300, 190)

    def show_confusion(self, evaluation: Evaluation) -> None:
        """Fill the table with ``evaluation``'s confusion matrix, headed by its class names."""
        confusion = np.asarray(evaluation.confusion)
        names = list(evaluation.class_names)
        classes = len(names)
        self.clear()
        self.setRowCount(classes)
        self.setColumnCount(classes)
        # Whole names: the headers elide what does not fit, and their tooltips say it all.
        self.setHorizontalHeaderLabels(names)
        self.setVerticalHeaderLabels(names)
        for index, name in enumerate(names):
            self.horizontalHeaderItem(index).setToolTip(f"predicted: {name}")
            self.verticalHeaderItem(index).setToolTip(f"true: {name}")
        row_totals = confusion.sum(axis=1)
        off_diagonal = confusion - np.diag(np.diag(confusion))
        largest_mistake = max(int(off_diagonal.max()) if off_diagonal.size else 0, 1)
        for true_class in range(classes):
            for predicted_class in range(classes):
                count = int(confusion[true_class, predicted_class])
                item = QTableWidgetItem(str(count))
                item.setData(Qt.ItemDataRole.UserRole, count)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if true_class == predicted_class:
                    strength = count / max(int(row_totals[true_class]), 1)
                    colour = _DIAGONAL_COLOUR
                else:
                    strength = count / largest_mistake
                    colour = _MISTAKE_COLOUR
                strength = 0.15 + 0.85 * strength if count else 0.0
                item.setBackground(QBrush(_mix(colour, strength)))
                item.setForeground(QBrush(QColor("white" if strength > 0.6 else ("#000" if count else "#aaa"))))
                share = count / row_totals[true_class] if row_totals[true_class] else 0.0
                item.setToolTip(f"true {names[true_class]} → predicted {names[predicted_class]}: {count:,} "
                                f"image{'s' if count != 1 else ''} ({share:.1%} of the {names[true_class]} images)")
                self.setItem(true_class, predicted_class, item)

    def counts(self) -> np.ndarray:
        """The counts the table shows, shape (classes, classes)."""
        rows, columns = self.rowCount(), self.columnCount()
        return np.array([[self.item(row, column).data(Qt.ItemDataRole.UserRole)
                          for column in range(columns)] for row in range(rows)], dtype=np.int64).reshape(rows, columns)
