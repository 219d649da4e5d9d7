"""A class-by-class similarity matrix drawn as a heatmap, with class names, values and a colour bar.

Row ``i``, column ``j`` is the mean spectral similarity between the feature maps of classes ``i``
and ``j`` (report §5.1). Each cell is written with its value when the matrix is small enough to
read; hovering reads any cell in the status line. The colour range is fixed at 0 .. 1 by
default, so that a nearly uniform matrix looks nearly uniform; it can be stretched over the
matrix's own minimum to maximum to bring out small differences (:meth:`SimilarityHeatmap.set_stretched`).
The colour bar says which range is in use.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item exists)
from cnnviz.ui.science.common import WrappingLabel
from cnnviz.ui.viewers.colour_bars import set_colorbar_levels
from cnnviz.ui.viewers.colour_maps import get_colormap

MAX_LABELLED_CLASSES = 12
"""Cells are written with their values up to this many classes ..."""
MIN_LABELLED_CELL = 27
"""... and while a cell is at least this many pixels wide on screen."""
MAX_TICK_LENGTH = 7
COLORMAP = "viridis"


def _short_name(name: str) -> str:
    return name if len(name) <= MAX_TICK_LENGTH else name[:MAX_TICK_LENGTH - 1] + "…"


class SimilarityHeatmap(QWidget):
    """A K×K matrix as an image with class-name ticks, per-cell values and a colour bar.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._matrix: np.ndarray | None = None
        self._class_names: tuple[str, ...] = ()
        self._texts: list[pg.TextItem] = []
        self._num_texts = 0
        self._stretched = False
        self._title_text = ""
        self._uncertainty: tuple[np.ndarray, np.ndarray, np.ndarray, float] | None = None

        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setToolTip("Mean spectral similarity between the feature maps of two classes; "
                                  "hover over a cell to read it.")
        outer = self._graphics.ci
        outer.setContentsMargins(4, 4, 4, 4)
        self._title = pg.LabelItem("", size="10pt", bold=True, color="#222")
        outer.addItem(self._title, row=0, col=0, colspan=2)
        self._plot = outer.addPlot(row=1, col=0)
        self._plot.setMenuEnabled(False)
        self._plot.hideButtons()
        self._plot.setMouseEnabled(x=False, y=False)
        # Cells need not be square: the matrix fills the space it is given, without empty axis range.
        self._plot.setAspectLocked(False)
        self._plot.invertY(True)
        self._plot.getViewBox().setDefaultPadding(0.0)
        self._plot.setLabel("bottom", "class")
        self._plot.setLabel("left", "class")
        self._image = pg.ImageItem(axisOrder="row-major")
        self._image.setColorMap(get_colormap(COLORMAP))
        self._plot.addItem(self._image)
        self._colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=get_colormap(COLORMAP),
                                         label="mean similarity", interactive=False, width=12,
                                         colorMapMenu=False)
        self._colorbar.axis.enableAutoSIPrefix(False)
        outer.addItem(self._colorbar, row=1, col=1)
        self._graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._plot.getViewBox().sigResized.connect(self._on_view_resized)

        self._status = WrappingLabel("Hover over a cell to read the similarity of two classes.")
        self._status.setToolTip("The cell under the mouse: its two classes, their mean similarity with its "
                                "bootstrap interval, and how much single image pairs spread around it.")
        self._status.setStyleSheet("color: #333;")
        self._status.setWordWrap(True)
        self._status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self._graphics, 1)
        layout.addWidget(self._status)

    # -- public API -------------------------------------------------------------------------------
    def set_matrix(self, matrix: np.ndarray, class_names: Sequence[str], title: str = "") -> None:
        """Show a square matrix with one row and column per class.

        Parameters
        ----------
        matrix : ndarray, shape (K, K)
            NaN entries (no pair to compare) are drawn in the lowest colour and written "n/a".
        class_names : sequence of K str
        title : str
            Drawn above the matrix (part of an exported figure).
        """
        matrix = np.array(matrix, dtype=np.float64)
        names = tuple(str(name) for name in class_names)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] != len(names):
            raise ValueError(f"matrix must be square with one row per class name; received shape {matrix.shape} "
                             f"and {len(names)} class names.")
        matrix.flags.writeable = False
        self._matrix, self._class_names = matrix, names
        self._uncertainty = None
        self._title_text = title
        self._draw()

    def set_uncertainty(self, low: np.ndarray, high: np.ndarray, spread: np.ndarray,
                        confidence: float) -> None:
        """Give each cell its interval and the spread of its image pairs, for the status line.

        Parameters
        ----------
        low, high : ndarray, shape (K, K)
            Each entry's confidence interval.
        spread : ndarray, shape (K, K)
            Standard deviation of the individual image-pair similarities behind each entry.
        confidence : float
            The intervals' coverage, e.g. 0.95.
        """
        if self._matrix is None:
            raise ValueError("Show a matrix (set_matrix) before giving its intervals.")
        arrays = tuple(np.asarray(array, dtype=np.float64) for array in (low, high, spread))
        if any(array.shape != self._matrix.shape for array in arrays):
            raise ValueError(f"low, high and spread must have the matrix's shape {self._matrix.shape}; received "
                             f"{', '.join(str(array.shape) for array in arrays)}.")
        self._uncertainty = (*arrays, float(confidence))

    def set_stretched(self, stretched: bool) -> None:
        """Stretch the colours over the matrix's own range (True) or keep them at 0 .. 1 (False)."""
        self._stretched = bool(stretched)
        if self._matrix is not None:
            self._draw()

    def is_stretched(self) -> bool:
        """Whether the colours span the matrix's own range rather than 0 .. 1."""
        return self._stretched

    def levels(self) -> tuple[float, float]:
        """The values of the lowest and highest colour."""
        return self._colorbar.levels()

    def _draw(self) -> None:
        matrix, names, title = self._matrix, self._class_names, self._title_text
        size = len(names)
        finite = matrix[np.isfinite(matrix)]
        if self._stretched:
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            if high <= low:
                low, high = low - 0.5e-3, high + 0.5e-3
        else:
            low = min(0.0, float(finite.min())) if finite.size else 0.0
            high = 1.0
        # NaN cells get the lowest colour; the text says "n/a".
        shown = np.where(np.isfinite(matrix), matrix, low).astype(np.float32)
        self._image.setImage(shown, autoLevels=False, levels=(low, high))
        self._image.setRect(QRectF(0, 0, size, size))
        set_colorbar_levels(self._colorbar, (low, high))
        scale = "stretched to the data" if self._stretched else "fixed"
        self._colorbar.getAxis("left").setLabel(f"mean similarity ({scale})")
        ticks = [[(index + 0.5, _short_name(name)) for index, name in enumerate(names)]]
        self._plot.getAxis("bottom").setTicks(ticks)
        self._plot.getAxis("left").setTicks(ticks)
        self._plot.getViewBox().setLimits(xMin=0, xMax=size, yMin=0, yMax=size)
        self._plot.getViewBox().setRange(xRange=(0, size), yRange=(0, size), padding=0)
        self._title.setText(title)
        self._update_texts(shown, low, high)

    def clear(self) -> None:
        """Show nothing."""
        self._matrix, self._class_names, self._title_text = None, (), ""
        self._uncertainty = None
        self._image.clear()
        self._title.setText("")
        self._update_texts(None, 0.0, 1.0)

    def matrix(self) -> np.ndarray | None:
        """The matrix shown (read-only), or None."""
        return self._matrix

    def class_names(self) -> tuple[str, ...]:
        return self._class_names

    def image_item(self) -> pg.ImageItem:
        """The image item drawing the matrix."""
        return self._image

    def cell_texts(self) -> list[str]:
        """The values to write in the cells, row by row (empty when there are too many classes); they
        are drawn while the cells are wide enough on screen."""
        return [text.toPlainText() for text in self._texts[:self._num_texts]]

    def graphics_widget(self) -> pg.GraphicsLayoutWidget:
        """The graphics widget holding title, matrix and colour bar (for export)."""
        return self._graphics

    def status_text(self) -> str:
        return self._status.text()

    def describe_cell(self, row: int, col: int) -> str:
        """What the status line says about cell (row, col)."""
        if self._matrix is None:
            return ""
        value = self._matrix[row, col]
        shown = "n/a (no non-zero maps to compare)" if not np.isfinite(value) else f"{value:.4f}"
        if self._uncertainty is not None and np.isfinite(value):
            low, high, spread, confidence = self._uncertainty
            shown += (f", {confidence:.0%} interval {low[row, col]:.4f}–{high[row, col]:.4f}; single image pairs "
                      f"spread ±{spread[row, col]:.3f} (standard deviation)")
        first, second = self._class_names[row], self._class_names[col]
        if row == col:
            return f"class {first} with itself (different images): {shown}"
        return f"classes {first} and {second}: {shown}"

    # -- internals --------------------------------------------------------------------------------
    def _update_texts(self, shown: np.ndarray | None, low: float, high: float) -> None:
        size = 0 if shown is None else len(shown)
        wanted = size * size if size <= MAX_LABELLED_CLASSES else 0
        while len(self._texts) < wanted:
            text = pg.TextItem("", anchor=(0.5, 0.5))
            self._plot.addItem(text)
            self._texts.append(text)
        for index, text in enumerate(self._texts):
            if index >= wanted:
                text.setVisible(False)
                continue
            row, col = divmod(index, size)
            value = self._matrix[row, col]
            strength = (shown[row, col] - low) / (high - low)
            text.setText("n/a" if not np.isfinite(value) else f"{value:.2f}",
                         color="#000000" if strength > 0.6 else "#ffffff")
            text.setPos(col + 0.5, row + 0.5)
        font = QFont()
        font.setPointSize(7)
        for text in self._texts[:wanted]:
            text.setFont(font)
        self._num_texts = wanted
        self._on_view_resized()

    def _on_view_resized(self, *_args) -> None:
        """Write the values only while the cells are wide enough on screen to hold them."""
        view = self._plot.getViewBox()
        units_per_pixel = view.viewPixelSize()[0] if view.width() > 0 else 0.0
        readable = units_per_pixel > 0 and 1.0 / units_per_pixel >= MIN_LABELLED_CELL
        for index, text in enumerate(self._texts):
            text.setVisible(readable and index < self._num_texts)

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        if self._matrix is None or not self._plot.getViewBox().sceneBoundingRect().contains(scene_position):
            return
        point = self._plot.getViewBox().mapSceneToView(scene_position)
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        size = len(self._matrix)
        if 0 <= row < size and 0 <= col < size:
            self._status.setText(self.describe_cell(row, col))
