"""The read-out of a filter grid: the value under the mouse, in the grid, its input or the enlarged map.

:class:`GridReadout` is mixed into :class:`~cnnviz.ui.viewers.filter_grid.FilterGrid`. It writes the
status line under the figure as the mouse moves ("filter 5 (row 3, col 7): 0.4213", or the three
channels of a colour pixel), enlarges a clicked map, and reads the value again at the same place
when new data arrive, or clears it once the mouse has left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt

from cnnviz.ui.viewers.figure_text import describe_pixel, format_pixel

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel

    from cnnviz.ui.viewers.enlarged_map import EnlargedMap
    from cnnviz.ui.viewers.grid_figure import GridFigure
    from cnnviz.ui.viewers.reference_image import ReferenceImage

READOUT_HINT = "Hover over a map to read its values; click a map to enlarge it."
"""The status line of a grid while no value is read out."""


class GridReadout:
    """The status line's read-out of the value under the mouse (mixed into the filter grid)."""

    _hover: tuple[str, QPointF] | None
    _status: QLabel
    _images: np.ndarray | None
    _titles: list[str]
    _extent: tuple[float, float, float, float] | None
    _axis_labels: tuple[str, str]
    _enlarged_index: int | None
    _enlarged: EnlargedMap
    _reference: ReferenceImage
    _graphics: GridFigure

    def status_text(self) -> str:
        """The text of the status line under the grid."""
        return self._status.text()

    def clear_readout(self) -> None:
        """Forget the value read out under the mouse (the status line shows the hint again).

        Views call it when the user turns to a control (another layer, colour map, tab), so that
        no value of what was shown before stays on screen.
        """
        self._hover = None
        self._status.setText(READOUT_HINT)

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        self._hover = ("grid", QPointF(scene_position))
        self._read_grid(scene_position, emit=True)

    def _read_grid(self, scene_position: QPointF, emit: bool) -> bool:
        """Show the value at a position in the grid's scene; whether there was one."""
        hit = self.cell_at(scene_position)
        if hit is not None:
            index, row, col = hit
            self._status.setText(self._describe_pixel(index, row, col, self.pixel_value(index, row, col)))
            if emit:
                self.sig_cell_hovered.emit(index, row, col, self.value_at(index, row, col))
            return True
        reference = self._reference.pixel_at(scene_position)
        image = self._reference.image()
        if reference is not None and image is not None:
            row, col = reference
            self._status.setText(f"{self._reference.title()} (row {row}, col {col}): "
                                 f"{format_pixel(image[row, col])}")
            return True
        return False

    def _refresh_readout(self) -> None:
        """After new data: read the value still under the mouse, or clear the stale one."""
        if self._hover is None:
            self.clear_readout()
            return
        where, position = self._hover
        found = (self._read_grid(position, emit=False) if where == "grid"
                 else self._read_enlarged(position, emit=False))
        if not found:
            self.clear_readout()

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self.cell_at(event.scenePos())
        if hit is not None:
            self.enlarge(hit[0])
            self.sig_cell_clicked.emit(hit[0])

    def _on_enlarged_mouse_moved(self, scene_position: QPointF) -> None:
        self._hover = ("enlarged", QPointF(scene_position))
        self._read_enlarged(scene_position, emit=True)

    def _read_enlarged(self, scene_position: QPointF, emit: bool) -> bool:
        """Show the value at a position in the enlarged view's scene; whether there was one."""
        index = self._enlarged_index
        if index is None or self._images is None:
            return False
        pixel = self._enlarged.pixel_at(scene_position)
        if pixel is None:
            return False
        row, col = pixel
        self._status.setText(self._describe_pixel(index, row, col, self.pixel_value(index, row, col)))
        if emit:
            self.sig_cell_hovered.emit(index, row, col, self.value_at(index, row, col))
        return True

    def _describe_pixel(self, index: int, row: int, col: int, value: float | np.ndarray) -> str:
        shape = None if self._images is None else self._images.shape[1:3]
        return describe_pixel(self._titles[index], row, col, value, self._extent, self._axis_labels, shape)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802  (Qt's name)
        if event.type() == QEvent.Type.Leave and self._hover is not None:
            # The mouse left the grid (or the enlarged map): the text stays readable, but new
            # data will not be read at a place the mouse no longer is.
            if watched is (self._graphics.viewport() if self._hover[0] == "grid"
                           else self._enlarged.graphics_widget().viewport()):
                self._hover = None
        return super().eventFilter(watched, event)
