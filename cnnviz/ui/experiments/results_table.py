"""The Experiments tab's results table: one row per run, its accuracies, final loss and time, and
with a preset the report's own numbers beside ours."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from cnnviz.core.experiments import ExperimentRun
from cnnviz.ui.plots.colours import RUN_COLOURS
from cnnviz.ui.plots.divergence import DIVERGED_COLOUR

UNFINISHED_STATES = ("cancelled", "not run", "failed")
"""What a run without results is marked as: stopped while it trained, never started, or stopped by an error."""
UNFINISHED_COLOUR = "#666"

BASE_COLUMNS = ("run", "train %", "test %", "final loss", "time (s)", "diverged")
REPORT_COLUMNS = ("report: train %", "report: test %")
COLUMN_TOOLTIPS = {
    "run": "The run's swept values.",
    "train %": "Accuracy on the training images after the last epoch (dropout off).",
    "test %": "Accuracy on the dataset's test split after the last epoch.",
    "final loss": "The loss of the last batch whose loss was a finite number.",
    "time (s)": "Wall-clock time the run took, evaluation included.",
    "diverged": "Whether the loss became NaN or infinite (accuracies then use the last good weights).",
    "report: train %": "The report's training accuracy for this setting (§3.2.1).",
    "report: test %": "The report's test accuracy for this setting (§3.2.1).",
}


class ResultsTable(QTableWidget):
    """A read-only table with a row per run; the run's label is written in its curve's colour.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(BASE_COLUMNS), parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(24)
        self.setToolTip("One row per run: its accuracies, final loss and time; with a preset, the "
                        "report's numbers beside ours.")
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setMinimumHeight(100)
        self.set_columns(BASE_COLUMNS)

    def set_columns(self, names: tuple[str, ...]) -> None:
        """Show the columns ``names`` (of :data:`COLUMN_TOOLTIPS`)."""
        self.setColumnCount(len(names))
        self.setHorizontalHeaderLabels(list(names))
        for column, name in enumerate(names):
            self.horizontalHeaderItem(column).setToolTip(COLUMN_TOOLTIPS[name])
        header = self.horizontalHeader()
        # Numbers always show whole; the run's label takes the rest of the width (shortened in
        # the middle, whole in its tooltip, when the table is narrow).
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        header.setStretchLastSection(False)

    def add_run(self, run: ExperimentRun) -> int:
        """Add a row for ``run``, waiting for its outcome ("…"), and return the row's index."""
        row = self.rowCount()
        self.insertRow(row)
        for column in range(self.columnCount()):
            item = QTableWidgetItem("…" if column else run.label)
            if column:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(row, column, item)
        self.cell(row, 0).setToolTip(f"{run.label}: waiting to run.")
        self.cell(row, 0).setForeground(QBrush(QColor(RUN_COLOURS[row % len(RUN_COLOURS)])))
        return row

    def fill_row(self, row: int, values: list[str], diverged: bool, tooltip: str) -> None:
        """Write ``values`` into ``row`` (the numbers in red when the run ``diverged``) and set the
        tooltip of its label."""
        for column, text in enumerate(values):
            item = self.cell(row, column)
            item.setText(text)
            if column and diverged:
                item.setForeground(QBrush(QColor(DIVERGED_COLOUR)))
        self.cell(row, 0).setToolTip(tooltip)

    def mark_unfinished(self, row: int, state: str, tooltip: str) -> None:
        """Say in ``row`` that its run has no results (``state``, e.g. "cancelled" or "not run"), in one
        cell across the numbers' columns instead of their "…", and set the tooltip of its label."""
        for column in range(1, self.columnCount()):
            self.cell(row, column).setText(state if column == 1 else "")
        item = self.cell(row, 1)
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        item.setForeground(QBrush(QColor(UNFINISHED_COLOUR)))
        item.setToolTip(tooltip)
        if self.columnCount() > 2:
            self.setSpan(row, 1, 1, self.columnCount() - 1)
        self.cell(row, 0).setToolTip(tooltip)

    def cell(self, row: int, column: int) -> QTableWidgetItem:
        """The item at ``row``, ``column``, created empty when there is none."""
        item = self.item(row, column)
        if item is None:
            item = QTableWidgetItem("")
            self.setItem(row, column, item)
        return item

    def rows(self) -> list[list[str]]:
        """The table's text, row by row."""
        return [[self.cell(row, column).text() for column in range(self.columnCount())]
                for row in range(self.rowCount())]

    def headers(self) -> list[str]:
        """The column names."""
        return [self.horizontalHeaderItem(column).text() for column in range(self.columnCount())]
