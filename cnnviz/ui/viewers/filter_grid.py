"""A grid of small images, one per filter or map, that every layer viewer shows its arrays in.

:class:`FilterGrid` lays ``n`` images of one shape out in rows and columns that fill the
available area, with one colour scale (shared across maps, or per map), a colour bar, a title,
an optional reference image beside the grid (the network's input, so that maps can be
compared with it), a status line that reads the value under the mouse, and a side panel
that shows one map enlarged, with axes and its own colour bar, when its cell is clicked.

Images are stored row-major (``image[row, col]``) and drawn with row 0 at the top, as the
arrays are laid out. Live updates with unchanged shapes only call ``ImageItem.setImage``:
the grid is rebuilt only when the number or size of the maps changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QToolButton, QVBoxLayout, QWidget

import cnnviz.ui  # noqa: F401  (configures pyqtgraph: row-major images, white background)

DIVERGING_COLORMAP = "CET-D1"
"""The default diverging colour map (blue - white - red), for signed values centred at zero."""

COLORMAP_NAMES = ("viridis", "inferno", "magma", "gray", DIVERGING_COLORMAP)
"""Colour maps offered in the viewers' colour-map boxes."""

COLORMAP_LABELS = {"viridis": "viridis", "inferno": "inferno", "magma": "magma", "gray": "gray",
                   DIVERGING_COLORMAP: "diverging"}
"""Human-readable names of :data:`COLORMAP_NAMES`."""

_TITLE_HEIGHT = 15          # pixels for each cell's small title
_COMPACT_CELL_WIDTH = 54   # narrower cells show only the last word of their title ("12", not "filter 12")
_MARK_COLOR = "#d62728"     # marked cells (e.g. dead filters): red title and border
_TITLE_COLOR = "#333333"

COLORBAR_MINIMUM_WIDTH = 84
"""Pixels a vertical colour bar keeps however narrow its view: bar, tick labels and axis label."""

READOUT_HINT = "Hover over a map to read its values; click a map to enlarge it."
"""The status line of a grid while no value is read out."""


@cache
def get_colormap(name: str) -> pg.ColorMap:
    """The pyqtgraph colour map called ``name``.

    ``"gray"`` is a black-to-white ramp; any map bundled with pyqtgraph (``"viridis"``,
    ``"inferno"``, ``"magma"``, ``"CET-D1"`` ...) is loaded from its files. Should the bundled
    diverging map be missing, a blue-white-red map is built instead.

    Raises
    ------
    ValueError
        For a name that is neither built in nor bundled with pyqtgraph.
    """
    if name in ("gray", "grey"):
        return pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)], name="gray")
    try:
        return pg.colormap.get(name)
    except (OSError, ValueError, KeyError) as error:
        if is_diverging(name):
            return pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)],
                               name="diverging")
        raise ValueError(f"Unknown colour map {name!r}; expected one of {', '.join(COLORMAP_NAMES)} "
                         f"or another map bundled with pyqtgraph.") from error


def is_diverging(name: str) -> bool:
    """Whether ``name`` is a diverging colour map (meant for values centred at zero)."""
    return name == "diverging" or name.startswith("CET-D")


def hint_label(text: str) -> QLabel:
    """A centred, word-wrapped grey label for an empty viewer ("Draw a digit ...")."""
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet("color: #666; font-size: 13px; padding: 24px;")
    return label


class PageLayout(QVBoxLayout):
    """The vertical layout of a page that the main window shows in a resizable ``QScrollArea``.

    It does not report a height-for-width, even when word-wrapped labels inside it do: a scroll
    area would otherwise make the page as tall as its *preferred* height at the viewport's width
    (a vertical scroll bar on every page with a wrapped note), instead of the viewport's height,
    with a scroll bar only below the page's minimum height.
    """

    def hasHeightForWidth(self) -> bool:  # noqa: N802  (Qt's name)
        return False


def format_value(value: float) -> str:
    """A value as the status lines show it: 4 decimals, or scientific notation when tiny or huge."""
    if not np.isfinite(value):
        return str(value)
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.3e}"


def tick_label(value: float) -> str:
    """A short tick label: ``0.25``, ``-0.5``, ``6e-4``, ``2e+05`` (a colour bar's axis is narrow)."""
    if value == 0:
        return "0"
    if 1e-2 <= abs(value) < 1e4:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round values (steps of 1, 2 or 5 × 10^k) between ``low`` and ``high``."""
    span = high - low
    if not (np.isfinite(span) and span > 0):
        return [low]
    raw = span / max(count - 1, 1)
    power = 10.0 ** np.floor(np.log10(raw))
    steps = [factor * power for factor in (0.1, 0.2, 0.5, 1, 2, 5, 10)]
    position = next(index for index, step in enumerate(steps) if step >= raw)
    while True:
        step = steps[position]
        first = np.ceil(low / step - 1e-9) * step
        values = np.arange(first, high + step * 1e-9, step)
        # A step just too coarse can leave a single tick (0 for -4e-4 .. 4e-4): take a finer one.
        if len(values) >= min(3, count) or position == 0:
            break
        position -= 1
    return [0.0 if abs(value) < step * 1e-9 else float(value) for value in values]


def colorbar_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Tick values for a colour bar from ``low`` to ``high``: both ends, zero when it lies inside,
    and round values between them (about ``count`` ticks in all) that keep clear of those.

    The ends are always labelled, so that the range can be read off however small it is
    (a gradient of ±3e-7 shows ``-3e-7``, ``0`` and ``3e-7``, not a lone ``0``).
    """
    low, high = float(low), float(high)
    if not (np.isfinite(low) and np.isfinite(high)) or high <= low:
        return [low] if np.isfinite(low) else []
    span = high - low
    ticks = [low, high] + ([0.0] if low < 0.0 < high else [])
    # Round values closer than this to an end or to zero would make their labels collide.
    clearance = 0.6 * span / max(count - 1, 1)
    for value in nice_ticks(low, high, count):
        if all(abs(value - tick) >= clearance for tick in ticks):
            ticks.append(value)
    return sorted(ticks)


def tick_labels(values: Sequence[float]) -> list[str]:
    """Short labels for ``values`` (see :func:`tick_label`), with more digits where two
    neighbouring values would otherwise read the same (a narrow range such as 0.5000 .. 0.5003)."""
    labels = [tick_label(value) for value in values]
    for digits in range(4, 8):
        if len(set(labels)) == len(labels):
            break
        labels = ["0" if value == 0 else f"{value:.{digits}g}" for value in values]
    return labels


def set_colorbar_levels(colorbar: pg.ColorBarItem, levels: tuple[float, float], count: int = 5) -> None:
    """Set a colour bar's range, with its ends, zero and round values between them as ticks,
    labelled short enough for its narrow axis (``count``: about how many ticks)."""
    low, high = (float(value) for value in levels)
    colorbar.setLevels((low, high))
    values = colorbar_ticks(low, high, count)
    # The axis drops a tick that rounding puts a hair outside its range: draw the two ends just
    # inside it (labelled with their exact values).
    inset = (high - low) * 1e-6
    positions = [min(max(value, low + inset), high - inset) for value in values]
    colorbar.axis.setTicks([list(zip(positions, tick_labels(values)))])


def colorbar_tick_labels(colorbar: pg.ColorBarItem) -> list[str]:
    """The tick labels a colour bar shows, lowest value first (for tests and checks)."""
    ticks = colorbar.axis._tickLevels or [[]]
    return [label for _, label in sorted(ticks[0])]


def wrap_title(text: str, width: float, point_size: float = 11.0, bold: bool = True) -> str:
    """``text`` broken into lines (joined by ``<br>``) that each fit ``width`` pixels.

    A graphics label (``pg.LabelItem``) does not wrap, and a figure title wider than its view
    is cut off; this breaks it between words instead, for the font the title is drawn in.
    """
    font = QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    metrics = QFontMetricsF(font)
    if width <= 0 or metrics.horizontalAdvance(text) <= width:
        return text
    lines: list[str] = []
    for word in text.split(" "):
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and metrics.horizontalAdvance(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return "<br>".join(lines)


def _image_levels(images: np.ndarray, symmetric: bool, shared_scale: bool) -> np.ndarray:
    """Display range ``(low, high)`` of each image, shape (n, 2); never empty (low < high)."""
    finite = np.isfinite(images)
    clean = images if finite.all() else np.where(finite, images, 0.0)
    if symmetric:
        high = np.abs(clean).max(axis=(1, 2)).astype(np.float64)
        if shared_scale:
            high[:] = high.max()
        high[high == 0] = 1.0
        return np.stack([-high, high], axis=1)
    low = clean.min(axis=(1, 2)).astype(np.float64)
    high = clean.max(axis=(1, 2)).astype(np.float64)
    if shared_scale:
        low[:], high[:] = low.min(), high.max()
    flat = high <= low
    high[flat] = low[flat] + 1.0
    return np.stack([low, high], axis=1)


def _best_columns(num_images: int, image_shape: tuple[int, int], area: tuple[float, float]) -> int:
    """How many columns make the cells largest in ``area`` (width, height), titles included."""
    height, width = image_shape
    area_width, area_height = max(area[0], 50.0), max(area[1], 50.0)
    best_columns, best_scale = 1, -1.0
    for columns in range(1, num_images + 1):
        rows = math.ceil(num_images / columns)
        cell_width = area_width / columns - 4
        cell_height = area_height / rows - _TITLE_HEIGHT - 4
        scale = min(cell_width / width, cell_height / height)
        if scale > best_scale + 1e-9:
            best_columns, best_scale = columns, scale
    return best_columns


@dataclass
class _Cell:
    """One grid cell: a small title above a view box holding the image."""

    layout: pg.GraphicsLayout
    label: pg.LabelItem
    view: pg.ViewBox
    image: pg.ImageItem


def _image_view(parent_layout: pg.GraphicsLayout, row: int, col: int) -> tuple[pg.ViewBox, pg.ImageItem]:
    """A fixed (no pan/zoom) view box with row 0 at the top, holding one image item."""
    view = pg.ViewBox(lockAspect=True, enableMouse=False, enableMenu=False, invertY=True,
                      defaultPadding=0.0)
    view.setMouseEnabled(x=False, y=False)
    image = pg.ImageItem(axisOrder="row-major")
    view.addItem(image)
    parent_layout.addItem(view, row=row, col=col)
    return view, image


class FilterGrid(QWidget):
    """A grid of same-shaped images with a shared colour bar, hover read-out and click-to-enlarge.

    Parameters
    ----------
    parent : QWidget, optional
    value_label : str
        What the values are ("activation", "weight" ...), written beside the colour bars.
    """

    sig_cell_hovered = Signal(int, int, int, float)
    """The mouse is over pixel (row, col) of image ``index``, whose value is the float."""
    sig_cell_clicked = Signal(int)
    """Cell ``index`` was clicked (and is now shown enlarged)."""

    def __init__(self, parent: QWidget | None = None, *, value_label: str = "value"):
        super().__init__(parent)
        self._images: np.ndarray | None = None
        self._levels = np.zeros((0, 2))
        self._titles: list[str] = []
        self._marked: frozenset[int] = frozenset()
        self._colormap_name = "viridis"
        self._symmetric = False
        self._shared_scale = True
        self._value_label = value_label
        self._extent: tuple[float, float, float, float] | None = None
        self._axis_labels = ("column", "row")
        self._cells: list[_Cell] = []
        self._cell_shape = (1, 1)
        self._num_columns = 0
        self._enlarged_index: int | None = None
        self._reference_image: np.ndarray | None = None
        self._compact_titles = False
        # Where the mouse was last seen over the grid ("grid") or the enlarged map ("enlarged"),
        # in that scene's coordinates; None once it has left. New data re-reads the value there.
        self._hover: tuple[str, QPointF] | None = None

        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setToolTip(READOUT_HINT)
        outer = self._graphics.ci
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(6)
        self._title = pg.LabelItem("", size="11pt", bold=True, color="#222")
        self._title_text = ""
        outer.addItem(self._title, row=0, col=0, colspan=3)
        self._reference_layout = pg.GraphicsLayout()
        self._reference_layout.setContentsMargins(0, 0, 6, 0)
        self._reference_label = pg.LabelItem("", size="9pt", bold=True, color="#222")
        self._reference_layout.addItem(self._reference_label, row=0, col=0)
        self._reference_view, self._reference_item = _image_view(self._reference_layout, 1, 0)
        self._reference_item.setColorMap(get_colormap("gray"))
        self._reference_layout.setMaximumWidth(150)
        self._reference_layout.setMinimumWidth(90)
        self._reference_view.setMaximumSize(144, 144)
        self._reference_shown = False
        self._grid = pg.GraphicsLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        outer.addItem(self._grid, row=1, col=1)
        self._colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=get_colormap("viridis"),
                                         label=value_label, interactive=False, width=12,
                                         colorMapMenu=False)
        self._colorbar.axis.enableAutoSIPrefix(False)
        self._colorbar.setMinimumWidth(COLORBAR_MINIMUM_WIDTH)
        outer.addItem(self._colorbar, row=1, col=2)
        outer.layout.setColumnStretchFactor(1, 1)
        outer.layout.setRowStretchFactor(1, 1)
        scene = self._graphics.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)

        self._status = QLabel(READOUT_HINT)
        self._status.setToolTip("The value under the mouse: map, pixel (row, column) and value.")
        self._status.setStyleSheet("color: #333;")
        self._status.setWordWrap(True)   # a narrow grid wraps its status line rather than widening
        self._status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._enlarged_panel = self._build_enlarged_panel()
        self._splitter = QSplitter(Qt.Orientation.Horizontal)
        self._splitter.addWidget(self._graphics)
        self._splitter.addWidget(self._enlarged_panel)
        self._splitter.setStretchFactor(0, 3)
        self._splitter.setStretchFactor(1, 2)
        self._splitter.setChildrenCollapsible(False)
        self._enlarged_panel.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self._splitter, 1)
        layout.addWidget(self._status)

        # Timers owned by the widget, so that they never fire into a deleted view: one lays the
        # cells out again shortly after resizing stops, one refits the view once layouts settle.
        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(60)
        self._relayout_timer.timeout.connect(self._on_relayout_due)
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_central_item)
        self._graphics.installEventFilter(self)
        self._enlarged_panel.installEventFilter(self)
        self._graphics.viewport().installEventFilter(self)
        self._enlarged_graphics.viewport().installEventFilter(self)

    # -- construction of the enlarged panel ---------------------------------------------------
    def _build_enlarged_panel(self) -> QWidget:
        panel = QWidget()
        panel.setMinimumWidth(220)
        self._enlarged_title = QLabel()
        self._enlarged_title.setStyleSheet("font-weight: bold;")
        self._enlarged_title.setWordWrap(True)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Close the enlarged view")
        close.clicked.connect(self._on_close_enlarged)
        header = QHBoxLayout()
        header.setContentsMargins(4, 0, 0, 0)
        header.addWidget(self._enlarged_title, 1)
        header.addWidget(close)
        self._enlarged_graphics = pg.GraphicsLayoutWidget()
        self._enlarged_graphics.setToolTip("The clicked map, enlarged; hover to read its values.")
        self._enlarged_plot = self._enlarged_graphics.addPlot(row=0, col=0)
        self._enlarged_plot.setMenuEnabled(False)
        self._enlarged_plot.hideButtons()
        self._enlarged_plot.setMouseEnabled(x=False, y=False)
        self._enlarged_plot.setAspectLocked(True)
        self._enlarged_plot.invertY(True)
        self._enlarged_plot.getViewBox().setDefaultPadding(0.0)
        for side in ("bottom", "left"):
            # Frequencies are written as they are (0.25), not as 250 "x0.001".
            self._enlarged_plot.getAxis(side).enableAutoSIPrefix(False)
        self._enlarged_item = pg.ImageItem(axisOrder="row-major")
        self._enlarged_plot.addItem(self._enlarged_item)
        self._enlarged_colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=get_colormap("viridis"),
                                                  label=self._value_label, interactive=False, width=12,
                                                  colorMapMenu=False)
        self._enlarged_colorbar.axis.enableAutoSIPrefix(False)
        self._enlarged_graphics.addItem(self._enlarged_colorbar, row=0, col=1)
        self._enlarged_graphics.scene().sigMouseMoved.connect(self._on_enlarged_mouse_moved)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self._enlarged_graphics, 1)
        layout.addStretch(0)
        return panel

    # -- public API -----------------------------------------------------------------------------
    def set_title(self, text: str) -> None:
        """Set the figure title drawn above the grid (part of the exported graphic)."""
        self._title_text = text
        self._fit_title()

    def title(self) -> str:
        """The figure title drawn above the grid."""
        return self._title_text

    def _fit_title(self) -> None:
        """Draw the title on as many lines as the view's width needs (never cut off)."""
        self._title.setText(wrap_title(self._title_text, self._graphics.width() - 24))

    def set_value_label(self, text: str) -> None:
        """Name the values (e.g. ``"activation"``) beside the colour bars."""
        self._value_label = text
        self._update_colorbar()
        self._enlarged_colorbar.getAxis("left").setLabel(text)

    def set_images(self, images: np.ndarray, titles: Sequence[str] | None = None, *,
                   colormap: str = "viridis", symmetric: bool = False, shared_scale: bool = True,
                   marked: Iterable[int] = frozenset(),
                   extent: tuple[float, float, float, float] | None = None,
                   axis_labels: tuple[str, str] = ("column", "row")) -> None:
        """Show ``n`` images, one per cell.

        Parameters
        ----------
        images : ndarray, shape (n, h, w)
            The maps, row-major (``images[i, row, col]``).
        titles : sequence of str, optional
            One small title per cell; default ``"filter i"``.
        colormap : str
            A name from :data:`COLORMAP_NAMES` (or any map bundled with pyqtgraph).
        symmetric : bool
            Centre the colour range at zero, ``-m .. m`` with ``m`` the largest ``|value|``
            (for signed data shown with a diverging map).
        shared_scale : bool
            One colour range for all maps (True), or each map stretched over its own range.
        marked : iterable of int
            Cells to mark with a red title and border (e.g. dead filters).
        extent : (x0, x1, y0, y1), optional
            Data coordinates of the image's left, right, top and bottom edges for the axes of
            the enlarged view (e.g. frequencies); default: pixel columns and rows.
        axis_labels : (str, str)
            Labels of the enlarged view's horizontal and vertical axes.

        Raises
        ------
        ValueError
            If ``images`` is not 3-D, the number of titles differs from the number of images,
            or the colour map is unknown.
        """
        images = np.asarray(images)
        if images.ndim != 3:
            raise ValueError(f"images must have shape (n, height, width), received an array of shape "
                             f"{images.shape}. Move the map axis first, e.g. maps.transpose(2, 0, 1).")
        if not np.issubdtype(images.dtype, np.number):
            raise ValueError(f"images must hold numbers, received dtype {images.dtype}.")
        num_images, height, width = images.shape
        titles = [f"filter {index}" for index in range(num_images)] if titles is None else list(titles)
        if len(titles) != num_images:
            raise ValueError(f"Received {len(titles)} titles for {num_images} images; give one title "
                             f"per image or none.")
        colormap_object = get_colormap(colormap)
        images = np.array(images, dtype=np.float32)
        images.flags.writeable = False
        levels = (_image_levels(images, symmetric, shared_scale) if num_images and height and width
                  else np.zeros((num_images, 2)))

        reshaped = self._images is None or self._images.shape != images.shape
        if reshaped:
            self._rebuild(num_images, (height, width))
            self._colormap_name = ""  # force the colour map onto the new items
        self._images, self._levels = images, levels
        self._symmetric, self._shared_scale = bool(symmetric), bool(shared_scale)
        self._extent, self._axis_labels = extent, tuple(axis_labels)
        if colormap != self._colormap_name:
            for cell in self._cells:
                cell.image.setColorMap(colormap_object)
            self._colormap_name = colormap
        for cell, image, level in zip(self._cells, images, levels):
            cell.image.setImage(image, autoLevels=False, levels=(float(level[0]), float(level[1])))
        marked = frozenset(int(index) for index in marked)
        if titles != self._titles or marked != self._marked:
            self._titles, self._marked = titles, marked
            for index, cell in enumerate(self._cells):
                self._style_cell(index, cell)
        self._update_colorbar()
        if self._enlarged_index is not None and self._enlarged_index >= num_images:
            self.enlarge(None)
        else:
            self._update_enlarged()
        if reshaped:
            # The cells move once laid out again: what was under the mouse is gone.
            self.clear_readout()
        else:
            self._refresh_readout()

    def set_colormap(self, name: str) -> None:
        """Change the colour map of every cell, the colour bars and the enlarged view."""
        colormap_object = get_colormap(name)
        for cell in self._cells:
            cell.image.setColorMap(colormap_object)
        self._colormap_name = name
        self._update_colorbar()
        self._update_enlarged()

    def colormap(self) -> str:
        """The name of the colour map in use."""
        return self._colormap_name

    def set_marked(self, indices: Iterable[int]) -> None:
        """Mark cells (red title and border), e.g. dead filters; an empty set clears the marks."""
        self._marked = frozenset(int(index) for index in indices)
        for index, cell in enumerate(self._cells):
            self._style_cell(index, cell)

    def marked(self) -> frozenset[int]:
        """Indices of the marked cells."""
        return self._marked

    def set_reference(self, image: np.ndarray | None, title: str = "Input") -> None:
        """Show (or with ``None`` hide) a reference image, grey, to the left of the grid.

        Parameters
        ----------
        image : ndarray, shape (h, w), or None
        title : str
            Its label, e.g. ``"Input"``.
        """
        if image is None:
            if self._reference_shown:
                self._graphics.ci.removeItem(self._reference_layout)
                self._reference_shown = False
            self._reference_image = None
            return
        image = np.asarray(image, dtype=np.float32)
        if image.ndim != 2:
            raise ValueError(f"The reference image must have shape (height, width), received {image.shape}.")
        previous = self._reference_image
        self._reference_image = image
        finite = image[np.isfinite(image)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if high <= low:
            high = low + 1.0
        self._reference_item.setImage(image, autoLevels=False, levels=(low, high))
        self._reference_label.setText(title)
        if previous is None or previous.shape != image.shape:
            self._reference_view.setMaximumSize(144, 144 * image.shape[0] / image.shape[1])
            self._reference_view.setRange(xRange=(0, image.shape[1]), yRange=(0, image.shape[0]), padding=0)
        if not self._reference_shown:
            self._graphics.ci.addItem(self._reference_layout, row=1, col=0)
            self._reference_shown = True
        if previous is None or previous.shape != image.shape:
            self.clear_readout()
        else:
            self._refresh_readout()

    def reference_image(self) -> np.ndarray | None:
        """The reference image shown beside the grid, or None."""
        return self._reference_image

    def clear(self) -> None:
        """Remove every image (and the reference)."""
        self._rebuild(0, (0, 0))
        self._images, self._levels, self._titles = None, np.zeros((0, 2)), []
        self.set_reference(None)
        self.enlarge(None)
        self.clear_readout()

    def images(self) -> np.ndarray | None:
        """The images shown, shape (n, h, w), read-only; None before the first ``set_images``."""
        return self._images

    def image_items(self) -> list[pg.ImageItem]:
        """The cells' image items, in image order."""
        return [cell.image for cell in self._cells]

    def levels(self) -> np.ndarray:
        """The colour range ``(low, high)`` of each image, shape (n, 2)."""
        return self._levels.copy()

    def titles(self) -> list[str]:
        """The cells' titles."""
        return list(self._titles)

    def num_columns(self) -> int:
        """How many columns the grid has now."""
        return self._num_columns

    def value_at(self, index: int, row: int, col: int) -> float:
        """The value of pixel (row, col) of image ``index``."""
        if self._images is None:
            raise ValueError("The grid shows no images yet; call set_images first.")
        return float(self._images[index, row, col])

    def graphics_widget(self) -> pg.GraphicsLayoutWidget:
        """The graphics widget holding title, reference, grid and colour bar (for export)."""
        return self._graphics

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

    def enlarged_index(self) -> int | None:
        """The index of the map shown enlarged, or None."""
        return self._enlarged_index

    def enlarge(self, index: int | None) -> None:
        """Show map ``index`` enlarged in the side panel (``None`` closes the panel)."""
        if index is not None and (self._images is None or not 0 <= index < len(self._images)):
            raise ValueError(f"No map {index} to enlarge: the grid shows "
                             f"{0 if self._images is None else len(self._images)} maps.")
        self._enlarged_index = index
        if index is None:
            self._enlarged_panel.hide()
            return
        if self._enlarged_panel.isHidden():
            total = max(self._splitter.width(), 600)
            self._enlarged_panel.show()
            self._splitter.setSizes([int(total * 0.6), total - int(total * 0.6)])
        self._fit_enlarged_height()
        self._update_enlarged(reset_range=True)

    # -- hover and click ---------------------------------------------------------------------------
    def cell_at(self, scene_position: QPointF) -> tuple[int, int, int] | None:
        """``(index, row, col)`` of the pixel at a position in the grid's scene, or None."""
        if self._images is None:
            return None
        _, height, width = self._images.shape
        for index, cell in enumerate(self._cells):
            if not cell.view.sceneBoundingRect().contains(scene_position):
                continue
            point = cell.view.mapSceneToView(scene_position)
            row, col = math.floor(point.y()), math.floor(point.x())
            if 0 <= row < height and 0 <= col < width:
                return index, row, col
            return None
        return None

    def pixel_scene_position(self, index: int, row: int, col: int) -> QPointF:
        """The scene position of the centre of pixel (row, col) of image ``index``."""
        return self._cells[index].view.mapViewToScene(QPointF(col + 0.5, row + 0.5))

    def _reference_pixel_at(self, scene_position: QPointF) -> tuple[int, int] | None:
        if not self._reference_shown or self._reference_image is None:
            return None
        if not self._reference_view.sceneBoundingRect().contains(scene_position):
            return None
        point = self._reference_view.mapSceneToView(scene_position)
        row, col = math.floor(point.y()), math.floor(point.x())
        height, width = self._reference_image.shape
        return (row, col) if 0 <= row < height and 0 <= col < width else None

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        self._hover = ("grid", QPointF(scene_position))
        self._read_grid(scene_position, emit=True)

    def _read_grid(self, scene_position: QPointF, emit: bool) -> bool:
        """Show the value at a position in the grid's scene; whether there was one."""
        hit = self.cell_at(scene_position)
        if hit is not None:
            index, row, col = hit
            value = self.value_at(index, row, col)
            self._status.setText(self._describe_pixel(index, row, col, value))
            if emit:
                self.sig_cell_hovered.emit(index, row, col, value)
            return True
        reference = self._reference_pixel_at(scene_position)
        if reference is not None:
            row, col = reference
            value = float(self._reference_image[row, col])
            self._status.setText(f"{self._reference_label.text} (row {row}, col {col}): {format_value(value)}")
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
        view = self._enlarged_plot.getViewBox()
        if not view.sceneBoundingRect().contains(scene_position):
            return False
        point = self._enlarged_item.mapFromScene(scene_position)
        row, col = math.floor(point.y()), math.floor(point.x())
        _, height, width = self._images.shape
        if not (0 <= row < height and 0 <= col < width):
            return False
        value = self.value_at(index, row, col)
        self._status.setText(self._describe_pixel(index, row, col, value))
        if emit:
            self.sig_cell_hovered.emit(index, row, col, value)
        return True

    def _describe_pixel(self, index: int, row: int, col: int, value: float) -> str:
        """The status line for a pixel: ``"filter 5 (row 3, col 7): 0.4213"``, plus its
        coordinates on the enlarged view's axes when an extent was given (e.g. frequencies)."""
        text = f"{self._titles[index]} (row {row}, col {col}): {format_value(value)}"
        if self._extent is None or self._images is None:
            return text
        _, height, width = self._images.shape
        x0, x1, y0, y1 = self._extent
        x = x0 + (col + 0.5) * (x1 - x0) / width
        y = y0 + (row + 0.5) * (y1 - y0) / height
        x_name, y_name = (label.split(" (")[0] for label in self._axis_labels)
        return f"{text}   at {x_name} = {x:.4g}, {y_name} = {y:.4g}"

    def _on_close_enlarged(self) -> None:
        self.enlarge(None)

    # -- layout -----------------------------------------------------------------------------------
    def _grid_area(self) -> tuple[float, float]:
        """The pixels available to the cells: the graphics view less title, reference and bar."""
        width = self._graphics.width() - 110 - (150 if self._reference_shown else 0)
        height = self._graphics.height() - 40
        return float(width), float(height)

    def _rebuild(self, num_images: int, image_shape: tuple[int, int]) -> None:
        self._grid.clear()
        self._cells = []
        self._titles = []
        height, width = image_shape
        self._cell_shape = (max(height, 1), max(width, 1))
        for _ in range(num_images):
            layout = pg.GraphicsLayout()
            layout.setContentsMargins(1, 0, 1, 1)
            layout.setSpacing(0)
            label = pg.LabelItem("", size="8pt", color=_TITLE_COLOR)
            label.setMaximumHeight(_TITLE_HEIGHT)
            layout.addItem(label, row=0, col=0)
            view, image = _image_view(layout, 1, 0)
            view.setRange(xRange=(0, width), yRange=(0, height), padding=0)
            self._cells.append(_Cell(layout, label, view, image))
        self._num_columns = 0
        self._place_cells()

    def _place_cells(self) -> None:
        """Put the cells in the grid with the column count that makes them largest.

        Each view box is also capped at the size its image fills, so that the spare room goes
        between cells and every title stays right above its image.
        """
        if not self._cells:
            self._num_columns = 0
            return
        area_width, area_height = self._grid_area()
        columns = _best_columns(len(self._cells), self._cell_shape, (area_width, area_height))
        rows = math.ceil(len(self._cells) / columns)
        height, width = self._cell_shape
        scale = max(min((area_width / columns - 4) / width,
                        (area_height / rows - _TITLE_HEIGHT - 4) / height), 0.5)
        for cell in self._cells:
            cell.view.setMaximumSize(width * scale, height * scale)
            cell.layout.setMaximumSize(width * scale + 2, height * scale + _TITLE_HEIGHT + 1)
        compact = width * scale < _COMPACT_CELL_WIDTH
        if compact != self._compact_titles:
            self._compact_titles = compact
            for index, cell in enumerate(self._cells):
                self._style_cell(index, cell)
        # The view clamped its central item to the maximum size it had at the last resize; once
        # the layouts have taken the new caps into account, give the item the whole view again.
        self._fit_timer.start()
        if columns == self._num_columns:
            return
        for cell in self._cells:
            if cell.layout in self._grid.items:
                self._grid.removeItem(cell.layout)
        for index, cell in enumerate(self._cells):
            self._grid.addItem(cell.layout, row=index // columns, col=index % columns)
        self._num_columns = columns

    def _fit_central_item(self) -> None:
        self._graphics.ci.setGeometry(QRectF(self._graphics.range))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802  (Qt's name)
        if event.type() == QEvent.Type.Leave and self._hover is not None:
            # The mouse left the grid (or the enlarged map): the text stays readable, but new
            # data will not be read at a place the mouse no longer is.
            if watched is (self._graphics.viewport() if self._hover[0] == "grid"
                           else self._enlarged_graphics.viewport()):
                self._hover = None
        if event.type() == QEvent.Type.Resize:
            if watched is self._graphics:
                self._relayout_timer.start()
            elif watched is self._enlarged_panel:
                self._fit_enlarged_height()
        return super().eventFilter(watched, event)

    def _fit_enlarged_height(self) -> None:
        """Keep the enlarged plot about as tall as its image is at the panel's width."""
        height, width = self._cell_shape
        if self._extent is not None:
            x0, x1, y0, y1 = self._extent
            height, width = abs(y1 - y0) or 1.0, abs(x1 - x0) or 1.0
        # 60 px for the axes beside the image, 80 px for the colour bar and its label.
        image_width = max(self._enlarged_panel.width() - 140, 60)
        self._enlarged_graphics.setMaximumHeight(int(image_width * height / width) + 60)

    def _on_relayout_due(self) -> None:
        self._fit_title()
        self._place_cells()

    def cell_title_text(self, index: int) -> str:
        """The title drawn above cell ``index``: only its last word (``"12"`` for ``"filter 12"``)
        while the cells are too narrow for the whole title (the status line names the map in full)."""
        title = self._titles[index] if index < len(self._titles) else ""
        return title.split()[-1] if self._compact_titles and title.split() else title

    def _style_cell(self, index: int, cell: _Cell) -> None:
        title = self.cell_title_text(index)
        size = "7pt" if self._compact_titles else "8pt"
        if index in self._marked:
            cell.label.setText(title, size=size, color=_MARK_COLOR, bold=True)
            cell.view.setBorder(pg.mkPen(_MARK_COLOR, width=2))
        else:
            cell.label.setText(title, size=size, color=_TITLE_COLOR, bold=False)
            cell.view.setBorder(None)

    def _update_colorbar(self) -> None:
        """Show the shared range on the colour bar, or a normalised 'each map' scale."""
        colormap_object = get_colormap(self._colormap_name or "viridis")
        axis = self._colorbar.axis
        if self._colorbar.colorMap() is not colormap_object:
            self._colorbar.setColorMap(colormap_object)
        label = self._value_label
        if self._shared_scale and len(self._levels):
            set_colorbar_levels(self._colorbar, tuple(float(value) for value in self._levels[0]))
        elif self._symmetric:
            self._colorbar.setLevels((-1.0, 1.0))
            axis.setTicks([[(-1.0, "−max|x|"), (0.0, "0"), (1.0, "+max|x|")]])
            label = f"{label} (each map)"
        else:
            self._colorbar.setLevels((0.0, 1.0))
            axis.setTicks([[(0.0, "min"), (1.0, "max")]])
            label = f"{label} (each map)"
        self._colorbar.getAxis("left").setLabel(label)

    def _update_enlarged(self, reset_range: bool = False) -> None:
        index = self._enlarged_index
        if index is None or self._images is None:
            return
        image = self._images[index]
        low, high = (float(value) for value in self._levels[index])
        colormap_object = get_colormap(self._colormap_name or "viridis")
        previous_shape = None if self._enlarged_item.image is None else self._enlarged_item.image.shape
        self._enlarged_item.setImage(image, autoLevels=False, levels=(low, high))
        self._enlarged_item.setColorMap(colormap_object)
        height, width = image.shape
        if self._extent is None:
            rectangle = QRectF(0, 0, width, height)
        else:
            x0, x1, y0, y1 = self._extent
            rectangle = QRectF(x0, y0, x1 - x0, y1 - y0)
        self._enlarged_item.setRect(rectangle)
        self._enlarged_colorbar.setColorMap(colormap_object)
        set_colorbar_levels(self._enlarged_colorbar, (low, high))
        self._enlarged_plot.setLabel("bottom", self._axis_labels[0])
        self._enlarged_plot.setLabel("left", self._axis_labels[1])
        if reset_range or previous_shape != image.shape:
            self._enlarged_plot.getViewBox().setRange(rect=rectangle, padding=0)
        finite = image[np.isfinite(image)]
        span = (f"min {format_value(float(finite.min()))}, max {format_value(float(finite.max()))}"
                if finite.size else "no finite values")
        self._enlarged_title.setText(f"{self._titles[index]} ({height}×{width}): {span}")
        self._enlarged_title.setToolTip("Click another map to show it here; ✕ closes this view.")

    def sizeHint(self):  # noqa: N802  (Qt's name)
        hint = super().sizeHint()
        hint.setWidth(max(hint.width(), 600))
        hint.setHeight(max(hint.height(), 420))
        return hint


__all__ = ["FilterGrid", "get_colormap", "is_diverging", "hint_label", "format_value", "tick_label",
           "tick_labels", "nice_ticks", "colorbar_ticks", "set_colorbar_levels", "colorbar_tick_labels",
           "PageLayout", "READOUT_HINT", "wrap_title",
           "COLORMAP_NAMES", "COLORMAP_LABELS", "DIVERGING_COLORMAP"]
