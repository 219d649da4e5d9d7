"""The panel under an enlarged map (or a chosen dense unit) that shows the numbers that made one unit.

:class:`UnitExplainer` shows a :class:`~cnnviz.science.unit_arithmetic.UnitArithmetic`: for a
convolution the input patch, the kernel and their products of one input channel (a spin box picks
the channel) as small tables shaded by sign and size; for pooling the window, the winner in bold;
for a dense unit its largest contributions; for the output layer the logits and probabilities;
and under them the sums and the one-line formula. A unit that cannot be explained (a foreign
model) gets the reason instead. The arithmetic is computed elsewhere; this module only draws it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnnviz.science.unit_arithmetic import UnitArithmetic

_TABLE_NAMES = ("patch", "kernel", "products", "window", "contributions", "softmax")
_CONV_TABLES = (("patch", "Input patch"), ("kernel", "Kernel"), ("products", "Patch × kernel"))
_MAXIMUM_TABLE_HEIGHT = 260
_POSITIVE, _NEGATIVE = QColor(214, 39, 40), QColor(31, 119, 180)


def _cell_text(value: float) -> str:
    return f"{value + 0.0:.3g}"  # + 0.0: a negative zero is written 0


def _shade(value: float, scale: float) -> QBrush:
    """A pale red (positive) or blue (negative) whose strength grows with ``|value| / scale``."""
    colour = QColor(_POSITIVE if value >= 0 else _NEGATIVE)
    colour.setAlpha(int(150 * min(abs(value) / scale, 1.0)) if scale > 0 else 0)
    return QBrush(colour)


def _new_table() -> QTableWidget:
    table = QTableWidget()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    font = table.font()
    font.setPointSizeF(max(font.pointSizeF() - 1, 7.0))
    table.setFont(font)
    for header in (table.horizontalHeader(), table.verticalHeader()):
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(16)
    return table


def _fill(table: QTableWidget, values: np.ndarray, headers: list[str] | None = None,
          bold: tuple[int, int] | None = None, row_names: list[str] | None = None) -> None:
    """Put ``values`` (2-D) in ``table``, each cell shaded by its sign and size."""
    rows, columns = values.shape
    table.setRowCount(rows)
    table.setColumnCount(columns)
    table.setHorizontalHeaderLabels(headers or [str(j) for j in range(columns)])
    table.setVerticalHeaderLabels(row_names or [str(i) for i in range(rows)])
    finite = np.abs(values[np.isfinite(values)])
    scale = float(finite.max()) if finite.size else 0.0
    for i in range(rows):
        for j in range(columns):
            item = QTableWidgetItem(_cell_text(float(values[i, j])))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            item.setBackground(_shade(float(values[i, j]), scale))
            if bold == (i, j):
                font = QFont(table.font())
                font.setBold(True)
                item.setFont(font)
            table.setItem(i, j, item)
    _fit(table)


def _fit(table: QTableWidget) -> None:
    """Make the table exactly as large as its cells, so a small one takes little room (a long one
    scrolls within :data:`_MAXIMUM_TABLE_HEIGHT`)."""
    table.resizeColumnsToContents()
    table.resizeRowsToContents()
    frame = 2 * table.frameWidth()
    # Size hints, not widths: a table not yet shown has not laid its headers out.
    width = (table.verticalHeader().sizeHint().width() + frame
             + sum(table.columnWidth(j) for j in range(table.columnCount())))
    height = (table.horizontalHeader().sizeHint().height() + frame
              + sum(table.rowHeight(i) for i in range(table.rowCount())))
    if height > _MAXIMUM_TABLE_HEIGHT:
        width += table.verticalScrollBar().sizeHint().width()
    table.setFixedSize(width, min(height, _MAXIMUM_TABLE_HEIGHT))


class UnitExplainer(QWidget):
    """The arithmetic of one unit, as tables and a formula."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._arithmetic: UnitArithmetic | None = None
        self._title = QLabel("Click a pixel of the map to see the numbers that made it.")
        self._title.setWordWrap(True)
        self._title.setStyleSheet("font-weight: bold;")
        self._channel = QSpinBox()
        self._channel.setToolTip("The input channel whose patch, kernel slice and products are shown.")
        self._channel.valueChanged.connect(self._show_channel)
        self._channel_label = QLabel("Input channel:")
        self._channel_sum = QLabel()
        channel_row = QHBoxLayout()
        channel_row.addWidget(self._channel_label)
        channel_row.addWidget(self._channel)
        channel_row.addWidget(self._channel_sum, 1)
        self._captions: dict[str, QLabel] = {}
        self._tables: dict[str, QTableWidget] = {}
        self._groups: dict[str, QWidget] = {}
        self._shown: list[str] = []
        for name in _TABLE_NAMES:
            group, caption, table = QWidget(), QLabel(), _new_table()
            group_layout = QVBoxLayout(group)
            group_layout.setContentsMargins(0, 0, 0, 0)
            group_layout.setSpacing(1)
            group_layout.addWidget(caption)
            group_layout.addWidget(table)
            group.hide()
            self._captions[name], self._tables[name], self._groups[name] = caption, table, group
        # The tables side by side while they fit the panel's width, in more rows when they do not.
        self._table_grid = QGridLayout()
        self._table_grid.setSpacing(8)
        self._scalars = QLabel()
        self._scalars.setWordWrap(True)
        self._formula = QLabel()
        self._formula.setWordWrap(True)
        self._formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        content = QWidget()
        for group in self._groups.values():
            # Parented before any is shown: a parentless widget shown would open its own window.
            group.setParent(content)
            group.hide()
        inner = QVBoxLayout(content)
        inner.setContentsMargins(0, 0, 4, 0)
        inner.setSpacing(4)
        inner.addLayout(channel_row)
        inner.addLayout(self._table_grid)
        inner.addWidget(self._scalars)
        inner.addWidget(self._formula)
        inner.addStretch(1)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self._title)
        layout.addWidget(self._scroll, 1)
        self.show_arithmetic(None)

    # -- public API -----------------------------------------------------------------------------
    def show_arithmetic(self, arithmetic: UnitArithmetic | None, title: str = "") -> None:
        """Show how ``arithmetic``'s unit came about (None: the hint to click a pixel)."""
        self._arithmetic = arithmetic
        for group in self._groups.values():
            group.hide()
        self._shown = []
        self._set_channel_row_visible(False)
        self._scalars.clear()
        self._formula.clear()
        if arithmetic is None:
            self._title.setText("Click a pixel of the map to see the numbers that made it.")
            return
        self._title.setText(title or f"{arithmetic.layer}, unit {arithmetic.index}")
        if arithmetic.unsupported:
            self._formula.setText(arithmetic.unsupported)
            return
        arrays = arithmetic.arrays
        if "patch" in arrays:
            channels = arrays["patch"].shape[-1]
            self._channel.setRange(0, channels - 1)
            self._set_channel_row_visible(channels > 1)
            self._show_channel(self._channel.value())
        elif "window" in arrays:
            winner = ((int(arithmetic.scalars["winning row"]), int(arithmetic.scalars["winning column"]))
                      if "winning row" in arithmetic.scalars else None)
            self._show_table("window", "Window", arrays["window"], bold=winner)
        if "contributions" in arrays:
            self._show_contributions(arithmetic)
        self._scalars.setText("    ".join(f"{name} = {value:.6g}" for name, value in arithmetic.scalars.items()))
        self._formula.setText(arithmetic.formula)
        self._arrange()

    def arithmetic(self) -> UnitArithmetic | None:
        """The arithmetic shown, or None."""
        return self._arithmetic

    def title_text(self) -> str:
        return self._title.text()

    def formula_text(self) -> str:
        """The one-line formula with its numbers (or why the unit cannot be explained)."""
        return self._formula.text()

    def scalars_text(self) -> str:
        """The named numbers, ``"sum = … bias = … activation = …"``."""
        return self._scalars.text()

    def table(self, name: str) -> QTableWidget:
        """The table ``"patch"``, ``"kernel"``, ``"products"``, ``"window"``, ``"contributions"`` or ``"softmax"``."""
        return self._tables[name]

    def table_values(self, name: str) -> np.ndarray:
        """The numbers a table shows, as written (3 significant digits)."""
        table = self._tables[name]
        return np.array([[float(table.item(i, j).text()) for j in range(table.columnCount())]
                         for i in range(table.rowCount())])

    def set_channel(self, channel: int) -> None:
        """Show the convolution tables of input channel ``channel``."""
        self._channel.setValue(channel)

    # -- internals ------------------------------------------------------------------------------
    def _set_channel_row_visible(self, visible: bool) -> None:
        for widget in (self._channel_label, self._channel, self._channel_sum):
            widget.setVisible(visible)

    def _show_table(self, name: str, caption: str, values: np.ndarray, **options) -> None:
        _fill(self._tables[name], np.atleast_2d(values), **options)
        self._captions[name].setText(caption)
        self._groups[name].show()
        if name not in self._shown:
            self._shown.append(name)

    def _arrange(self) -> None:
        """Lay the tables shown out in as many columns as the panel's width holds."""
        for group in self._groups.values():
            self._table_grid.removeWidget(group)
        for column in range(len(_TABLE_NAMES) + 1):
            self._table_grid.setColumnStretch(column, 0)
        if not self._shown:
            return
        spacing = self._table_grid.horizontalSpacing()
        widest = max(self._groups[name].sizeHint().width() for name in self._shown)
        columns = max(1, (self._scroll.viewport().width() + spacing) // (widest + spacing))
        for position, name in enumerate(self._shown):
            self._table_grid.addWidget(self._groups[name], position // columns, position % columns,
                                       Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._table_grid.setColumnStretch(columns, 1)

    def resizeEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        super().resizeEvent(event)
        self._arrange()

    def _show_channel(self, channel: int) -> None:
        arithmetic = self._arithmetic
        if arithmetic is None or "patch" not in arithmetic.arrays:
            return
        channel = min(channel, arithmetic.arrays["patch"].shape[-1] - 1)
        for name, caption in _CONV_TABLES:
            self._show_table(name, caption, arithmetic.arrays[name][:, :, channel])
        self._channel_sum.setText(f"channel sum {arithmetic.arrays['products'][:, :, channel].sum():.4g}")

    def _show_contributions(self, arithmetic: UnitArithmetic) -> None:
        arrays = arithmetic.arrays
        rows = np.stack([arrays["input values"], arrays["weights"], arrays["contributions"]], axis=1)
        self._show_table("contributions", "Largest contributions", rows, headers=["input", "weight", "product"],
                         row_names=[f"#{int(i)}" for i in arrays["inputs"]])
        if "probabilities" in arrays:
            rows = np.stack([arrays["logits"], arrays["probabilities"]], axis=1)
            unit = arithmetic.index[0]
            self._show_table("softmax", "Logits → softmax", rows, headers=["logit", "prob."], bold=(unit, 1))
