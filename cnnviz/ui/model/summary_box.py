"""The Model panel's summary: each layer's output shape and parameter count, as Keras prints them.

:class:`SummaryBox` is the report's Figure 2 for the configuration being edited; it is empty,
with a line saying why, while the configuration has a problem.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from cnnviz.core import config as cfg
from cnnviz.core.summary import ModelSummary, format_shape, summarize


class SummaryBox(QGroupBox):
    """A table of layers (name and type, output shape, parameter count) above the total.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent=None):
        super().__init__("Summary", parent)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 4)
        """One row per layer."""
        self.table.setHorizontalHeaderLabels(["Layer (type)", "Output shape", "Param #", "Receptive field"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeToContents)
        self.table.horizontalHeaderItem(3).setToolTip(
            "Input pixels one unit sees (through every branch; a merge sees the union of its inputs') and the "
            "step between neighbouring units' fields (jump)")
        self.table.setMinimumHeight(170)
        self.table.setToolTip("Each layer's output shape and parameter count, as Keras reports them, and what one "
                              "unit of it sees of the input")
        self.total_label = QLabel()
        """The total parameter count, or why there is no summary."""
        layout.addWidget(self.table)
        layout.addWidget(self.total_label)

    def show_summary(self, config: cfg.ModelConfig | None) -> None:
        """Show the summary of ``config``; None (a configuration with problems) empties the table."""
        if config is None:
            self.table.setRowCount(0)
            self.total_label.setText("The summary appears when the configuration is valid.")
            return
        self.show_model_summary(summarize(config), "moving statistics")

    def show_model_summary(self, summary: ModelSummary, fixed: str = "non-trainable") -> None:
        """Show a summary made elsewhere (a model opened from a file, whose layers no configuration
        describes; its nested models opened up, one row per layer); ``fixed`` names its parameters
        that training leaves alone."""
        self.table.setRowCount(len(summary.rows))
        for row, line in enumerate(summary.rows):
            field = line.receptive_field.describe() if line.receptive_field is not None else "—"
            cells = (f"{line.name} ({line.label})", format_shape(line.output_shape), f"{line.num_parameters:,}", field)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, column, item)
        if summary.non_trainable_parameters:
            self.total_label.setText(f"Total params: {summary.total_parameters:,} "
                                     f"({summary.trainable_parameters:,} trainable, "
                                     f"{summary.non_trainable_parameters:,} {fixed})")
        else:
            self.total_label.setText(f"Total params: {summary.total_parameters:,} (all trainable)")
