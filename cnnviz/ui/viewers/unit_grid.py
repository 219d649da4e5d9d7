"""A grid of units, one coloured cell each, that shows a vector layer's output (dense, flatten).

A dense layer's output for one image is a vector ``(n,)``, not a stack of maps. :class:`UnitGrid`
lays its units out row by row in as many columns as make the cells largest in the available
area (a strip for a few units, a block for many), all on one colour scale with a colour bar.
Each cell is labelled with its unit index, or with its class name for the output layer,
while the cells are large enough to hold the label; axes give the index of each row's first
unit otherwise. The status line reads the unit under the mouse (index, class, value).
Clicking a unit outlines it and opens a side panel with its value, its rank, and a bar
chart of every unit's value with the chosen one highlighted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import QGraphicsRectItem, QLabel, QSplitter, QVBoxLayout, QWidget

import cnnviz.ui  # noqa: F401  (configures pyqtgraph: row-major images, white background)
from cnnviz.ui.viewers.colour_bars import COLORBAR_MINIMUM_WIDTH, set_colorbar_levels
from cnnviz.ui.viewers.colour_maps import get_colormap, image_levels, is_diverging
from cnnviz.ui.viewers.figure_text import format_value, wrap_title
from cnnviz.ui.viewers.unit_cells import UnitLabels, axis_ticks, checked_units, unit_columns
from cnnviz.ui.viewers.unit_detail import SELECTION_COLOR, UnitDetail

UNITS_READOUT_HINT = "Hover over a unit to read its value; click a unit to see it beside all the others."
"""The status line of a unit grid while no value is read out."""


class UnitGrid(QWidget):
    """The units of one vector ``(n,)``, one coloured cell each, with hover read-out and selection.

    Parameters
    ----------
    parent : QWidget, optional
    value_label : str
        What the values are ("activation"), written beside the colour bar and the bar chart.
    """

    sig_unit_hovered = Signal(int, float)
    """The mouse is over unit ``index``, whose value is the float."""
    sig_unit_clicked = Signal(int)
    """Unit ``index`` was clicked (and is now shown in the side panel)."""

    def __init__(self, parent: QWidget | None = None, *, value_label: str = "activation"):
        super().__init__(parent)
        self._values = np.zeros(0, dtype=np.float32)
        self._names: list[str] | None = None
        self._value_label = value_label
        self._colormap_name = "viridis"
        self._symmetric = False
        self._levels = (0.0, 1.0)
        self._num_columns = 0
        self._selected: int | None = None
        self._hover: QPointF | None = None

        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setToolTip(UNITS_READOUT_HINT)
        outer = self._graphics.ci
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(6)
        self._title = pg.LabelItem("", size="11pt", bold=True, color="#222")
        self._title_text = ""
        outer.addItem(self._title, row=0, col=0, colspan=2)
        self._plot = outer.addPlot(row=1, col=0)
        self._plot.setMenuEnabled(False)
        self._plot.hideButtons()
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.setAspectLocked(True)
        self._plot.invertY(True)
        self._plot.getViewBox().setDefaultPadding(0.0)
        for side in ("left", "bottom"):
            self._plot.getAxis(side).enableAutoSIPrefix(False)
        self._plot.setLabel("left", "first unit of the row")
        self._plot.setLabel("bottom", "+ column")
        self._image = pg.ImageItem(axisOrder="row-major")
        self._plot.addItem(self._image)
        self._selection_box = QGraphicsRectItem()
        self._selection_box.setPen(pg.mkPen(SELECTION_COLOR, width=3))
        self._selection_box.setZValue(10)
        self._selection_box.hide()
        self._plot.addItem(self._selection_box)
        self._labels = UnitLabels(self._plot)
        self._colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=get_colormap("viridis"),
                                         label=value_label, interactive=False, width=12,
                                         colorMapMenu=False)
        self._colorbar.axis.enableAutoSIPrefix(False)
        self._colorbar.setMinimumWidth(COLORBAR_MINIMUM_WIDTH)
        outer.addItem(self._colorbar, row=1, col=1)
        outer.layout.setColumnStretchFactor(0, 1)
        outer.layout.setRowStretchFactor(1, 1)
        scene = self._graphics.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)

        self._status = QLabel(UNITS_READOUT_HINT)
        self._status.setToolTip("The unit under the mouse: its index (and class) and value.")
        self._status.setStyleSheet("color: #333;")
        self._status.setWordWrap(True)
        self._status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._detail_panel = UnitDetail(value_label)
        self._detail_panel.sig_close_requested.connect(self._on_close_detail)
        self._splitter = QSplitter(Qt.Orientation.Horizontal)
        self._splitter.addWidget(self._graphics)
        self._splitter.addWidget(self._detail_panel)
        self._splitter.setStretchFactor(0, 3)
        self._splitter.setStretchFactor(1, 2)
        self._splitter.setChildrenCollapsible(False)
        self._detail_panel.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self._splitter, 1)
        layout.addWidget(self._status)

        # Lays the units out again shortly after resizing stops (owned by the widget, so that it
        # never fires into a deleted view).
        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(60)
        self._relayout_timer.timeout.connect(self._on_relayout_due)
        # Refits the central item once the layouts have taken a new title or axis into account.
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_central_item)
        self._graphics.installEventFilter(self)
        self._graphics.viewport().installEventFilter(self)

    # -- public API -----------------------------------------------------------------------------
    def set_title(self, text: str) -> None:
        """Set the figure title drawn above the units (part of the exported graphic)."""
        self._title_text = text
        self._fit_title()

    def title(self) -> str:
        """The figure title."""
        return self._title_text

    def _fit_title(self) -> None:
        """Draw the title on as many lines as the view's width needs (never cut off)."""
        self._title.setText(wrap_title(self._title_text, self._graphics.width() - 24))
        self._fit_timer.start()

    def _fit_central_item(self) -> None:
        # A view keeps its central item at the size it had when the item's minimum last grew
        # (a long title, say): give it the whole view again.
        self._graphics.ci.setGeometry(QRectF(self._graphics.range))

    def set_values(self, values: np.ndarray, names: Sequence[str] | None = None, *,
                   colormap: str = "viridis", symmetric: bool | None = None) -> None:
        """Show ``n`` units.

        Parameters
        ----------
        values : ndarray, shape (n,)
            One value per unit (a batch of one, ``(1, n)``, is accepted too).
        names : sequence of str, optional
            A name per unit (the class names of an output layer), shown with its index.
        colormap : str
            A colour map name (see :data:`~cnnviz.ui.viewers.filter_grid.COLORMAP_NAMES`).
        symmetric : bool, optional
            Centre the colour range at zero (``-m .. m``); default: when the map is diverging.

        Raises
        ------
        ValueError
            If ``values`` is not one vector, holds no numbers, or ``names`` has the wrong length.
        """
        values, names = checked_units(values, names)
        get_colormap(colormap)   # an unknown name fails here, before anything changes
        resized = len(values) != len(self._values)
        renamed = names != self._names
        self._values, self._names = values, names
        self._colormap_name = colormap
        self._symmetric = is_diverging(colormap) if symmetric is None else bool(symmetric)
        self._levels = image_levels(self._values, self._symmetric)
        if self._selected is not None and self._selected >= len(self._values):
            self.select(None)
        if resized:
            self._num_columns = 0
        self._layout_units(force=resized or renamed)
        self._update_detail()
        if resized:
            self.clear_readout()
        else:
            self._refresh_readout()

    def set_colormap(self, name: str) -> None:
        """Change the colour map (a diverging one centres the range at zero)."""
        self.set_values(self._values, self._names, colormap=name)

    def colormap(self) -> str:
        """The name of the colour map in use."""
        return self._colormap_name

    def values(self) -> np.ndarray:
        """The values shown, shape (n,), read-only."""
        return self._values

    def names(self) -> list[str] | None:
        """The units' names (class names of an output layer), or None."""
        return None if self._names is None else list(self._names)

    def levels(self) -> tuple[float, float]:
        """The colour range ``(low, high)`` shared by every unit."""
        return self._levels

    def grid_shape(self) -> tuple[int, int]:
        """``(rows, columns)`` of the layout now shown."""
        columns = max(self._num_columns, 1)
        return math.ceil(len(self._values) / columns), columns

    def cell_label_texts(self) -> list[str]:
        """The labels drawn in the cells (empty while the cells are too small for them)."""
        return self._labels.visible_texts()

    def unit_name(self, index: int) -> str:
        """``"unit 3"``, or ``"unit 3 (class Dress)"`` for a named unit."""
        if self._names is None:
            return f"unit {index}"
        return f"unit {index} (class {self._names[index]})"

    def unit_at(self, scene_position: QPointF) -> int | None:
        """The unit at a position in the grid's scene, or None."""
        if not len(self._values) or not self._num_columns:
            return None
        view = self._plot.getViewBox()
        if not view.sceneBoundingRect().contains(scene_position):
            return None
        point = view.mapSceneToView(scene_position)
        row, col = math.floor(point.y()), math.floor(point.x())
        rows, columns = self.grid_shape()
        if not (0 <= row < rows and 0 <= col < columns):
            return None
        index = row * columns + col
        return index if index < len(self._values) else None

    def unit_scene_position(self, index: int) -> QPointF:
        """The scene position of the centre of unit ``index``'s cell."""
        columns = max(self._num_columns, 1)
        return self._plot.getViewBox().mapViewToScene(QPointF(index % columns + 0.5, index // columns + 0.5))

    def status_text(self) -> str:
        """The text of the status line under the units."""
        return self._status.text()

    def clear_readout(self) -> None:
        """Forget the value read out under the mouse (the status line shows the hint again)."""
        self._hover = None
        self._status.setText(UNITS_READOUT_HINT)

    def selected_index(self) -> int | None:
        """The unit shown in the side panel, or None."""
        return self._selected

    def select(self, index: int | None) -> None:
        """Outline unit ``index`` and show it in the side panel (``None`` closes the panel)."""
        if index is not None and not 0 <= index < len(self._values):
            raise ValueError(f"No unit {index} to show: the layer has {len(self._values)} units "
                             f"(0 .. {len(self._values) - 1}).")
        self._selected = index
        if index is None:
            self._selection_box.hide()
            self._detail_panel.hide()
            return
        if self._detail_panel.isHidden():
            total = max(self._splitter.width(), 600)
            self._detail_panel.show()
            self._splitter.setSizes([int(total * 0.62), total - int(total * 0.62)])
        self._place_selection_box()
        self._update_detail()

    def detail_text(self) -> str:
        """The side panel's line about the chosen unit (empty while none is chosen)."""
        return self._detail_panel.text() if self._selected is not None else ""

    def detail_panel(self) -> UnitDetail:
        """The side panel that shows the chosen unit (hidden while none is)."""
        return self._detail_panel

    def graphics_widget(self) -> pg.GraphicsLayoutWidget:
        """The graphics widget holding title, units and colour bar (for export)."""
        return self._graphics

    def colorbar(self) -> pg.ColorBarItem:
        """The colour bar beside the units."""
        return self._colorbar

    # -- drawing --------------------------------------------------------------------------------
    def _area(self) -> tuple[float, float]:
        """Pixels available to the cells: the graphics view less title, axes and colour bar."""
        return float(self._graphics.width() - 150), float(self._graphics.height() - 90)

    def _layout_units(self, force: bool = False) -> None:
        """Choose the column count that makes the cells largest, and draw the units in it.

        The cell labels are made again only when the layout or their texts change (``force``
        after new units or names); a live update with the same units only recolours.
        """
        num_units = len(self._values)
        if not num_units:
            self._image.clear()
            self._labels.remove()
            return
        area = self._area()
        columns = unit_columns(num_units, area)
        relayout = force or columns != self._num_columns
        self._num_columns = columns
        rows = math.ceil(num_units / columns)
        cells = np.full(rows * columns, np.nan, dtype=np.float32)   # NaN: no unit, drawn empty
        cells[:num_units] = self._values
        colormap = get_colormap(self._colormap_name)
        self._image.setImage(cells.reshape(rows, columns), autoLevels=False, levels=self._levels)
        self._image.setColorMap(colormap)
        self._colorbar.setColorMap(colormap)
        set_colorbar_levels(self._colorbar, self._levels)
        if relayout:
            self._image.setRect(QRectF(0, 0, columns, rows))
            self._plot.getViewBox().setRange(xRange=(0, columns), yRange=(0, rows), padding=0)
            left, bottom = axis_ticks(rows, columns)
            self._plot.getAxis("left").setTicks([left])
            self._plot.getAxis("bottom").setTicks([bottom])
            self._labels.set_texts(self._label_texts(), columns)
            self._place_selection_box()
        self._labels.color(self._values, self._levels, self._colormap_name)
        # The cell labels while every one fits its cell; the axes otherwise.
        self._show_axes(not self._labels.fit(min(area[0] / columns, area[1] / rows)))

    def _label_texts(self) -> list[str]:
        if self._names is not None:
            return list(self._names)
        return [str(index) for index in range(len(self._values))]

    def _show_axes(self, shown: bool) -> None:
        for side in ("left", "bottom"):
            self._plot.showAxis(side, shown)
        self._fit_timer.start()

    def _place_selection_box(self) -> None:
        if self._selected is None or not self._num_columns:
            self._selection_box.hide()
            return
        columns = self._num_columns
        self._selection_box.setRect(QRectF(self._selected % columns, self._selected // columns, 1, 1))
        self._selection_box.show()

    def _update_detail(self) -> None:
        if self._selected is None or not len(self._values):
            return
        self._detail_panel.show_unit(self._values, self._selected, self._names, self._value_label)

    # -- hover and click ------------------------------------------------------------------------
    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        self._hover = QPointF(scene_position)
        self._read(scene_position, emit=True)

    def _read(self, scene_position: QPointF, emit: bool) -> bool:
        index = self.unit_at(scene_position)
        if index is None:
            return False
        value = float(self._values[index])
        self._status.setText(f"{self.unit_name(index)}: {format_value(value)}")
        if emit:
            self.sig_unit_hovered.emit(index, value)
        return True

    def _refresh_readout(self) -> None:
        """After new data: read the unit still under the mouse, or clear the stale value."""
        if self._hover is None or not self._read(self._hover, emit=False):
            self.clear_readout()

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        index = self.unit_at(event.scenePos())
        if index is not None:
            self.select(index)
            self.sig_unit_clicked.emit(index)

    def _on_close_detail(self) -> None:
        self.select(None)

    # -- layout ---------------------------------------------------------------------------------
    def eventFilter(self, watched, event) -> bool:  # noqa: N802  (Qt's name)
        if event.type() == QEvent.Type.Leave and watched is self._graphics.viewport():
            self._hover = None
        elif event.type() == QEvent.Type.Resize and watched is self._graphics:
            self._relayout_timer.start()
        return super().eventFilter(watched, event)

    def _on_relayout_due(self) -> None:
        self._fit_title()
        self._layout_units()

    def sizeHint(self):  # noqa: N802  (Qt's name)
        hint = super().sizeHint()
        hint.setWidth(max(hint.width(), 600))
        hint.setHeight(max(hint.height(), 420))
        return hint


__all__ = ["UnitGrid", "UNITS_READOUT_HINT"]
