"""The History tab's run list: one row per run folder (name, engine, dataset, status, epochs, test
accuracy), as wide as its contents need within limits."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from cnnviz.core.runs import RunInfo
from cnnviz.ui.history.run_summary import short_name

COLUMNS = ("run", "engine", "dataset", "status", "epochs", "test acc.")
COLUMN_TOOLTIPS = ("The run folder's name (when it started; the engine and dataset are in their own columns).",
                   "The engine that trained the run.", "The dataset it trained on.",
                   "finished, stopped, diverged, or unfinished (still running, or interrupted).",
                   "Epochs with a saved checkpoint.", "Accuracy on the test split at the end of training.")
FOLDER_COLUMN, FOLDER_TOOLTIP = "folder", "The folder the run is in (shown once folders were added)."

MIN_TABLE_WIDTH, MAX_TABLE_WIDTH = 360, 480
"""The run list's narrowest width, and the most it claims to show every column and whole run names."""


class RunTable(QTableWidget):
    """Every run folder, one per row, selected a whole row at a time.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        for column, tooltip in enumerate(COLUMN_TOOLTIPS):
            self.horizontalHeaderItem(column).setToolTip(tooltip)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A long name loses its middle (the date and the time stay readable); its tooltip is whole.
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header.setMinimumSectionSize(40)
        self.setToolTip("Every run folder, newest first. Select one to see its details and replay its epochs.")
        self.setMinimumHeight(90)
        self.setMinimumWidth(MIN_TABLE_WIDTH)

    def set_runs(self, runs: list[RunInfo], show_folder: bool = False) -> None:
        """List ``runs``, nothing selected (without announcing the selection change); with
        ``show_folder`` a last column names the folder each run is in."""
        self.blockSignals(True)
        if self.columnCount() != len(COLUMNS) + show_folder:
            self.setColumnCount(len(COLUMNS) + show_folder)
            self.setHorizontalHeaderLabels([*COLUMNS, *([FOLDER_COLUMN] if show_folder else [])])
            for column, tooltip in enumerate((*COLUMN_TOOLTIPS, FOLDER_TOOLTIP)[:self.columnCount()]):
                self.horizontalHeaderItem(column).setToolTip(tooltip)
        self.setRowCount(len(runs))
        for row, run in enumerate(runs):
            self.fill_row(row, run)
        self.clearSelection()
        self.blockSignals(False)
        self._fit_width()

    def fill_row(self, row: int, run: RunInfo) -> None:
        """Write ``run`` into ``row``."""
        accuracy = run.test_accuracy
        values = (short_name(run), run.engine, run.dataset, run.status, str(run.num_epochs),
                  "—" if accuracy is None else f"{accuracy:.2%}")
        for column, text in enumerate(values):
            item = QTableWidgetItem(text)
            if column >= 4:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(f"{run.name}\n{run.path}" if column == 0 else text)
            self.setItem(row, column, item)
        if self.columnCount() > len(COLUMNS):
            item = QTableWidgetItem(run.path.parent.name)
            item.setToolTip(str(run.path.parent))
            self.setItem(row, len(COLUMNS), item)

    def show_selected(self, row: int, run: RunInfo) -> None:
        """Write ``run`` afresh into ``row`` and select it (without announcing the selection change)."""
        self.blockSignals(True)
        self.fill_row(row, run)
        self.selectRow(row)
        self.blockSignals(False)

    def _fit_width(self) -> None:
        """Claim the width of every column's contents (the run names whole, beside a scroll bar), within
        limits: the list otherwise elides the dates and times that tell runs apart."""
        needed = (sum(max(self.sizeHintForColumn(column), self.horizontalHeader().sectionSizeHint(column))
                      for column in range(self.columnCount()))
                  + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth())
        self.setMinimumWidth(int(min(max(needed, MIN_TABLE_WIDTH), MAX_TABLE_WIDTH)))
