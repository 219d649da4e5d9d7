"""The sanity checks of the Explain tab: which methods to check, whether to train a label-randomized
copy too, progress while the worker runs them, and the table (Spearman / SSIM per step) beside the
explanation of how to read it."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnnviz.science.attribution import BASE_METHODS, DEFAULT_METHODS, SanityTable
from cnnviz.ui.explain.method_form import METHOD_LABELS

IDLE_TEXT = ("Does each method's map change when the model it explains is destroyed? Tick the methods, "
             "then Run: the layers are re-initialised from the output down and each map is compared with "
             "the trained model's (the model is restored afterwards).")


ROW_LABELS = {"gradient": "Gradient", "gradient-x-input": "Grad. × input", "guided-backprop": "Guided BP",
              "grad-cam": "Grad-CAM", "grad-cam++": "Grad-CAM++", "integrated-gradients": "Integr. Grad.",
              "occlusion": "Occlusion"}
"""Short row names, so that a narrow window still shows the steps' columns (the full name is the tip)."""


class _CompactTable(QTableWidget):
    """A table that asks for little height: the tab's pages lay out at their preferred height for
    their width (word-wrapped labels), and a tall wish here would push the Map page off the screen."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(320, 120)


class _CompactText(QPlainTextEdit):
    """A read-only text that asks for little height (see :class:`_CompactTable`)."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(320, 90)


def _cell(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}"


class SanityView(QWidget):
    """Choose, run and read the sanity checks; see the module docstring."""

    sig_run_requested = Signal(tuple, bool)
    """Run the checks for these method names; True: the label randomization too."""
    sig_cancel_requested = Signal()
    """Stop the check that runs."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.method_list = QListWidget(self)
        self.method_list.setObjectName("sanity_methods")
        self.method_list.setToolTip("The methods whose maps are compared (SmoothGrad: check its base method)")
        for name in BASE_METHODS:
            item = QListWidgetItem(METHOD_LABELS[name], self.method_list)
            item.setData(Qt.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if name in DEFAULT_METHODS else Qt.Unchecked)
        self.method_list.setMaximumWidth(195)
        rows, frame = self.method_list.count(), self.method_list.frameWidth()
        self.method_list.setFixedHeight(self.method_list.sizeHintForRow(0) * rows + 2 * frame + 4)
        self.labels_check = QCheckBox("Label randomization too", self)
        self.labels_check.setToolTip("Also train a re-initialised copy briefly on shuffled labels (slower)")
        self.sanity_run_button = QPushButton("Run sanity check", self)
        self.sanity_run_button.setObjectName("sanity_run_button")
        self.sanity_run_button.clicked.connect(self._on_run_clicked)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.sig_cancel_requested)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setTextVisible(False)
        self.status_label = QLabel(IDLE_TEXT, self)
        self.status_label.setObjectName("sanity_status")
        self.status_label.setWordWrap(True)
        self.table = _CompactTable(0, 0, self)
        self.table.setObjectName("sanity_table")
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.setToolTip("Spearman / SSIM of each method's map against its map on the trained model")
        self.explanation = _CompactText(self)
        self.explanation.setObjectName("sanity_explanation")
        self.explanation.setReadOnly(True)
        self.explanation.setPlaceholderText("How to read the table appears here after a check.")
        choices = QVBoxLayout()
        choices.addWidget(QLabel("Methods", self))
        choices.addWidget(self.method_list)
        choices.addWidget(self.labels_check)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sanity_run_button)
        buttons.addWidget(self.cancel_button)
        choices.addLayout(buttons)
        choices.addWidget(self.progress_bar)
        choices.addStretch(1)
        # The table above its explanation: side by side, a narrow window would cut the table's columns.
        results = QSplitter(Qt.Vertical, self)
        results.setChildrenCollapsible(False)
        results.addWidget(self.table)
        results.addWidget(self.explanation)
        results.setStretchFactor(0, 3)
        results.setStretchFactor(1, 2)
        right = QVBoxLayout()
        right.addWidget(self.status_label)
        right.addWidget(results, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(choices)
        layout.addLayout(right, 1)

    # -- what the panel and tests read ---------------------------------------------------------------
    def chosen_methods(self) -> tuple[str, ...]:
        items = (self.method_list.item(row) for row in range(self.method_list.count()))
        return tuple(item.data(Qt.UserRole) for item in items if item.checkState() == Qt.Checked)

    def check_method(self, name: str, checked: bool = True) -> None:
        """Tick (or untick) method ``name``."""
        for row in range(self.method_list.count()):
            item = self.method_list.item(row)
            if item.data(Qt.UserRole) == name:
                item.setCheckState(Qt.Checked if checked else Qt.Unchecked)

    def cell_text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return "" if item is None else item.text()

    # -- showing ------------------------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        self.sanity_run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if running:
            self.progress_bar.setRange(0, 0)
            self.status_label.setText("Running the sanity check on the worker…")

    def show_progress(self, check: str, done: int, total: int, text: str) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        name = "Cascading randomization" if check == "cascading" else "Label randomization"
        self.status_label.setText(f"{name}: {text} ({done} of {total})…")

    def show_tables(self, tables: Sequence[SanityTable], message: str = "") -> None:
        """Fill the table (rows: methods; columns: every check's steps; cells: Spearman / SSIM)."""
        self.set_running(False)
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1 if tables else 0)
        methods = list(dict.fromkeys(method for table in tables for method in table.methods))
        columns = [(table, index) for table in tables for index in range(len(table.steps))]
        self.table.clear()
        self.table.setRowCount(len(methods))
        self.table.setColumnCount(len(columns))
        self.table.setVerticalHeaderLabels([ROW_LABELS.get(method, method) for method in methods])
        for row, method in enumerate(methods):
            self.table.verticalHeaderItem(row).setToolTip(METHOD_LABELS.get(method, method))
        self.table.setHorizontalHeaderLabels([table.steps[index] for table, index in columns])
        for column, (table, index) in enumerate(columns):
            header = self.table.horizontalHeaderItem(column)
            header.setToolTip(("Randomized so far: " if table.kind == "cascading" else "") + table.steps[index])
            for row, method in enumerate(methods):
                if method in table.methods:
                    position = table.methods.index(method)
                    item = QTableWidgetItem(f"{_cell(table.spearman[position, index])} / "
                                            f"{_cell(table.ssim[position, index])}")
                    item.setTextAlignment(Qt.AlignCenter)
                    self.table.setItem(row, column, item)
        self.explanation.setPlainText("\n\n".join(table.explanation for table in tables))
        done = "Cells: Spearman / SSIM against the trained model's map; falling values mean the map reads the model."
        self.status_label.setText(" ".join(part for part in (message, done if tables else "") if part) or IDLE_TEXT)

    # -- events -------------------------------------------------------------------------------------
    def _on_run_clicked(self) -> None:
        methods = self.chosen_methods()
        if not methods:
            self.status_label.setText("Tick at least one method to check.")
            return
        self.sig_run_requested.emit(methods, self.labels_check.isChecked())
