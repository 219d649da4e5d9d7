"""The input panel: draw, load or pick a picture, see what the model gets and what it says.

:class:`DrawingCanvas` holds a square drawing surface (white ink on black, like MNIST), the
controls around it (brush size, undo, clear, digits or shapes, dataset samples, image
files), a preview of the ``28 x 28`` model input, and a bar chart of class probabilities.

A drawn or opened picture is turned into a model input by
:func:`cnnviz.core.preprocessing.preprocess_image` (cropped, scaled to 20 pixels, centred by
its centre of mass).  Dataset samples are already MNIST-formatted, so they are only scaled
to ``[0, 1]``.  While the user draws, the input is recomputed at most every
:data:`DEBOUNCE_MS` after the last change and at least every :data:`MAX_WAIT_MS` while a
stroke goes on, and announced with ``sig_input_changed``.
"""

from __future__ import annotations

import collections
import os
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QElapsedTimer, QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QImage,
    QImageReader,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
    QPointingDevice,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item is made)
from cnnviz.core.datasets import Dataset, load_dataset
from cnnviz.ui.images import gray_array, qimage_to_array
from cnnviz.core.preprocessing import (
    EmptyImageError,
    ink_polarity,
    preprocess_batch,
    preprocess_image,
    to_grayscale,
)
from cnnviz.core.shapes import SHAPE_CLASSES

__all__ = [
    "DrawingCanvas",
    "CANVAS_SIZE",
    "INPUT_SIZE",
    "DEBOUNCE_MS",
    "MAX_WAIT_MS",
    "MODES",
    "EMPTY_MESSAGE",
]

#: Side of the drawing in canvas pixels; ``stroke`` coordinates and brush sizes use it.
CANVAS_SIZE = 280
#: Side of the model input.
INPUT_SIZE = 28
#: The input is recomputed this many milliseconds after the last change ...
DEBOUNCE_MS = 40
#: ... and at least this often while changes keep coming.
MAX_WAIT_MS = 100
#: Undo snapshots kept (one per stroke, clear or loaded picture).
MAX_UNDO_STEPS = 50

DEFAULT_BRUSH_SIZE = 20
MIN_BRUSH_SIZE = 2
MAX_BRUSH_SIZE = 60

MODES: tuple[str, ...] = ("digits", "shapes")
_MODE_TITLES = {"digits": "Digits", "shapes": "Shapes"}
_MODE_DATASETS = {"digits": "mnist-sample", "shapes": "shapes"}
_MODE_CLASS_NAMES = {
    "digits": tuple(str(digit) for digit in range(10)),
    "shapes": tuple(SHAPE_CLASSES),
}
_SAMPLE_SPLIT = "test"

EMPTY_MESSAGE = "Draw a digit or a shape"
_DRAWN_MESSAGE = "Your drawing, cropped, scaled to 20 px and centred as MNIST digits were."

_BAR_COLOUR = QColor(130, 160, 200)
_TOP_BAR_COLOUR = QColor(217, 95, 2)
_ERROR_STYLE = "color: #b00020;"
_PREVIEW_SCALE = 4


@dataclass(frozen=True)
class _Snapshot:
    """What undo restores: the canvas pixels and what they stood for."""

    image: QImage
    direct_input: np.ndarray | None
    label: int | None
    message: str


def _gray_image(gray: np.ndarray) -> QImage:
    """A ``Format_Grayscale8`` QImage holding its own copy of ``(H, W)`` uint8 ``gray``."""
    height, width = gray.shape
    image = QImage(width, height, QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(image.bits(), np.uint8, count=image.sizeInBytes())
    rows.reshape(height, image.bytesPerLine())[:, :width] = gray
    return image


def _light_on_dark(image: np.ndarray) -> np.ndarray:
    """Any picture as ``(H, W)`` uint8 light ink on a black background, full contrast.

    Dark-on-light pictures are inverted and the background level is subtracted, so the
    canvas always looks like MNIST and strokes drawn over the picture match it.
    """
    gray = to_grayscale(image)
    if ink_polarity(gray):
        gray = 1.0 - gray
    if gray.shape[0] >= 3 and gray.shape[1] >= 3:
        border = np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])
        gray = np.clip(gray - np.median(border), 0.0, 1.0)
    highest = float(gray.max())
    if highest > 0:
        gray = gray / highest
    return np.round(gray * 255.0).astype(np.uint8)


def _dataset_input(image: np.ndarray) -> np.ndarray:
    """A ``28 x 28`` MNIST-formatted picture as a read-only ``(1, 28, 28, 1)`` float32 input."""
    array = np.asarray(image)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.shape != (INPUT_SIZE, INPUT_SIZE):
        raise ValueError(
            f"A preprocessed image must be {INPUT_SIZE} x {INPUT_SIZE} grey (shaped "
            f"({INPUT_SIZE}, {INPUT_SIZE}), ({INPUT_SIZE}, {INPUT_SIZE}, 1) or (1, "
            f"{INPUT_SIZE}, {INPUT_SIZE}, 1)); received shape {np.shape(image)}. Pass "
            f"preprocessed=False to have any picture cropped, scaled and centred."
        )
    model_input = preprocess_batch(array[np.newaxis])
    model_input.setflags(write=False)
    return model_input


class _DrawingSurface(QWidget):
    """The square canvas: a ``CANVAS_SIZE`` grey QImage, painted scaled to the widget.

    Mouse, pen and :meth:`DrawingCanvas.stroke` all go through :meth:`begin_stroke`,
    :meth:`extend_stroke` and :meth:`end_stroke`.
    """

    sig_stroke_started = Signal()
    """A stroke is about to change the pixels (the pixels are still the old ones)."""
    sig_pixels_changed = Signal()
    """Ink was added to, or erased from, the canvas."""
    sig_stroke_finished = Signal()
    """The pen or mouse button was released."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = QImage(CANVAS_SIZE, CANVAS_SIZE, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self._brush_size = DEFAULT_BRUSH_SIZE
        self._last_point: QPointF | None = None
        self._erasing = False
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAccessibleName("Drawing canvas")
        self.setToolTip(
            "Draw with the mouse or a pen (pressure sets the width; the pen's eraser end "
            "erases). Ctrl+Z undoes the last stroke."
        )
        self._update_cursor()

    # --- state -----------------------------------------------------------------------

    @property
    def image(self) -> QImage:
        """The canvas pixels (do not modify; use :meth:`replace_image`)."""
        return self._image

    @property
    def brush_size(self) -> int:
        """Brush diameter in canvas pixels."""
        return self._brush_size

    @brush_size.setter
    def brush_size(self, size: int) -> None:
        self._brush_size = int(size)
        self._update_cursor()

    @property
    def is_drawing(self) -> bool:
        """True between the press and the release of a stroke."""
        return self._last_point is not None

    def replace_image(self, image: QImage) -> None:
        """Show ``image`` (``CANVAS_SIZE`` square, Grayscale8), ending any stroke."""
        self._image = image
        self._last_point = None
        self.update()

    # --- strokes ---------------------------------------------------------------------

    def begin_stroke(self, point: QPointF, width: float, erase: bool = False) -> None:
        """Start a stroke at ``point`` (canvas coordinates): paints one round dot."""
        if self._last_point is not None:
            self.end_stroke()
        self.sig_stroke_started.emit()
        self._erasing = erase
        self._last_point = QPointF(point)
        self._paint_segment(point, point, width)

    def extend_stroke(self, point: QPointF, width: float) -> None:
        """Continue the stroke with a straight, round-capped segment to ``point``."""
        if self._last_point is None:
            return
        start, self._last_point = self._last_point, QPointF(point)
        self._paint_segment(start, point, width)

    def end_stroke(self) -> None:
        """Finish the stroke (nothing happens if none is going on)."""
        if self._last_point is None:
            return
        self._last_point = None
        self.sig_stroke_finished.emit()

    def _paint_segment(self, start: QPointF, end: QPointF, width: float) -> None:
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = Qt.GlobalColor.black if self._erasing else Qt.GlobalColor.white
        pen = QPen(colour, max(1.0, float(width)), Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if start == end:
            painter.drawPoint(start)
        else:
            painter.drawLine(start, end)
        painter.end()
        self.update()
        self.sig_pixels_changed.emit()

    # --- geometry --------------------------------------------------------------------

    def _target_rect(self) -> QRectF:
        """The largest centred square of the widget, where the canvas is shown."""
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) / 2.0, (self.height() - side) / 2.0, side, side)

    def _to_canvas(self, position: QPointF) -> QPointF:
        target = self._target_rect()
        scale = CANVAS_SIZE / max(target.width(), 1.0)
        return QPointF((position.x() - target.left()) * scale,
                       (position.y() - target.top()) * scale)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(CANVAS_SIZE, CANVAS_SIZE)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._update_cursor()

    def _update_cursor(self) -> None:
        """A ring the size of the brush, so the user sees where ink will go."""
        scale = self._target_rect().width() / CANVAS_SIZE if self.width() > 0 else 1.0
        diameter = int(round(min(max(self._brush_size * scale, 4.0), 96.0)))
        side = diameter + 4
        pixmap = QPixmap(side, side)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(0, 0, 0, 200), 3.0))
        painter.drawEllipse(QRectF(2, 2, diameter, diameter))
        painter.setPen(QPen(QColor(255, 255, 255, 230), 1.0))
        painter.drawEllipse(QRectF(2, 2, diameter, diameter))
        painter.end()
        self.setCursor(QCursor(pixmap, side // 2, side // 2))

    # --- events ----------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        target = self._target_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)
        painter.setPen(QPen(self.palette().mid().color(), 1.0))
        painter.drawRect(target.adjusted(0, 0, -1, -1))
        painter.end()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        self.begin_stroke(self._to_canvas(event.position()), self._brush_size)
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        # The stroke's own state, not event.buttons(), decides: synthesized and test
        # events do not always report the held button.
        if self._last_point is None:
            event.ignore()
            return
        self.extend_stroke(self._to_canvas(event.position()), self._brush_size)
        event.accept()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton or self._last_point is None:
            event.ignore()
            return
        self.extend_stroke(self._to_canvas(event.position()), self._brush_size)
        self.end_stroke()
        event.accept()

    def tabletEvent(self, event) -> None:  # noqa: N802 (Qt override)
        # Light pressure still leaves a visible line; full pressure gives the brush size.
        width = self._brush_size * (0.3 + 0.7 * min(max(event.pressure(), 0.0), 1.0))
        point = self._to_canvas(event.position())
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            erase = event.pointerType() == QPointingDevice.PointerType.Eraser
            self.begin_stroke(point, width, erase=erase)
        elif kind == QEvent.Type.TabletMove:
            if self._last_point is None:
                event.ignore()
                return
            self.extend_stroke(point, width)
        elif kind == QEvent.Type.TabletRelease:
            self.end_stroke()
        else:
            event.ignore()
            return
        # Accepted tablet events are not repeated as synthesized mouse events.
        event.accept()


class _InputPreview(QWidget):
    """The ``28 x 28`` model input, each pixel a ``_PREVIEW_SCALE`` wide block."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixels = np.zeros((INPUT_SIZE, INPUT_SIZE), np.uint8)
        self._image = _gray_image(self._pixels)
        side = INPUT_SIZE * _PREVIEW_SCALE + 2
        self.setFixedSize(side, side)
        self.setToolTip(
            "What the model receives: 28 x 28 grey levels in [0, 1] (black 0, white 1)."
        )

    @property
    def pixels(self) -> np.ndarray:
        """The shown input as ``(28, 28)`` uint8 grey levels (a copy)."""
        return self._pixels.copy()

    def show_input(self, model_input: np.ndarray | None) -> None:
        """Show a ``(1, 28, 28, 1)`` input in ``[0, 1]``, or black for None."""
        if model_input is None:
            self._pixels = np.zeros((INPUT_SIZE, INPUT_SIZE), np.uint8)
        else:
            plane = np.asarray(model_input, np.float32).reshape(INPUT_SIZE, INPUT_SIZE)
            self._pixels = np.round(np.clip(plane, 0.0, 1.0) * 255.0).astype(np.uint8)
        self._image = _gray_image(self._pixels)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setPen(QPen(self.palette().mid().color(), 1.0))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        # Nearest-neighbour scaling: each model pixel stays a crisp square.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(QRectF(1, 1, self.width() - 2, self.height() - 2), self._image)
        painter.end()


class DrawingCanvas(QWidget):
    """The input panel: a drawing canvas, input sources, the model input and its prediction.

    Parameters
    ----------
    parent : QWidget, optional
        Parent widget.

    Notes
    -----
    Model inputs are read-only ``(1, 28, 28, 1)`` float32 arrays in ``[0, 1]``, NHWC, light
    ink on black.  Coordinates given to :meth:`stroke` and brush sizes are in canvas pixels
    (the canvas is ``CANVAS_SIZE`` square whatever its size on screen).
    """

    sig_input_changed = Signal(object)
    """The model input changed: a read-only ``(1, 28, 28, 1)`` float32 array in ``[0, 1]``."""
    sig_input_cleared = Signal()
    """The canvas holds no ink, so there is no model input."""
    sig_label_changed = Signal(object)
    """The true label of the shown picture: an int for a dataset sample, None once drawn on."""
    sig_mode_changed = Signal(str)
    """The mode changed to ``"digits"`` or ``"shapes"`` (and so the class names)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._mode = "digits"
        self._datasets: dict[str, Dataset] = {}
        self._rng = np.random.default_rng()
        self._undo_stack: collections.deque[_Snapshot] = collections.deque(maxlen=MAX_UNDO_STEPS)
        self._current_input: np.ndarray | None = None
        self._direct_input: np.ndarray | None = None
        self._label: int | None = None
        self._message = EMPTY_MESSAGE
        self._last_directory = ""
        self._bar_class_names: tuple[str, ...] = ()
        self._probabilities: np.ndarray | None = None

        self._update_timer = QTimer(self)
        self._update_timer.setSingleShot(True)
        self._update_timer.timeout.connect(self._on_update_timer)
        self._pending_since = QElapsedTimer()

        self._build_controls()
        self._build_prediction_area()
        self._build_layout()
        self._connect()

        self._reset_bars(self.class_names())
        self._show_message(EMPTY_MESSAGE)
        self._update_undo_button()

    # --- construction ----------------------------------------------------------------

    def _build_controls(self) -> None:
        self._surface = _DrawingSurface(self)

        self._mode_combo = QComboBox(self)
        for mode in MODES:
            self._mode_combo.addItem(_MODE_TITLES[mode], mode)
        self._mode_combo.setToolTip(
            "What to draw and classify: digits 0-9 (samples from the bundled MNIST sample) "
            "or shapes (square, triangle, circle; samples from the generated shapes set)."
        )

        self._brush_slider = QSlider(Qt.Orientation.Horizontal, self)
        self._brush_slider.setRange(MIN_BRUSH_SIZE, MAX_BRUSH_SIZE)
        self._brush_slider.setValue(DEFAULT_BRUSH_SIZE)
        self._brush_slider.setToolTip(
            f"Brush diameter in canvas pixels (the canvas is {CANVAS_SIZE} px wide). The "
            f"drawing is scaled so its longer side is 20 of the model's 28 pixels, so "
            f"strokes of about {DEFAULT_BRUSH_SIZE} px look most like MNIST."
        )
        self._brush_value = QLabel(self)
        self._brush_value.setMinimumWidth(self.fontMetrics().horizontalAdvance("60 px") + 4)
        self._brush_value.setToolTip(self._brush_slider.toolTip())

        self._undo_button = QPushButton("Undo", self)
        self._undo_button.setToolTip("Undo the last stroke, clear or loaded picture (Ctrl+Z).")
        self._clear_button = QPushButton("Clear", self)
        self._clear_button.setToolTip("Erase the canvas (Undo brings it back).")
        self._open_button = QPushButton("Open image…", self)
        self._open_button.setToolTip(
            "Open a picture file (PNG, JPEG, BMP, GIF, ...) of one digit or shape. Dark ink "
            "on a light background is inverted; the picture is cropped, scaled and centred."
        )

        self._random_button = QPushButton("Random sample", self)
        self._random_button.setToolTip(
            "Show a random test image of the current mode's dataset and use its label as "
            "the gradient target."
        )
        self._sample_label = QLabel("Sample #", self)
        self._sample_spin = QSpinBox(self)
        self._sample_spin.setRange(0, 9999)
        self._sample_spin.setToolTip("Index of the test image to load.")
        self._sample_label.setBuddy(self._sample_spin)
        self._load_button = QPushButton("Load", self)
        self._load_button.setToolTip("Show the test image with the index on the left.")
        # The style's 80 px minimum would make the panel wider than a narrow dock.
        self._load_button.setMinimumWidth(self.fontMetrics().horizontalAdvance("Load") + 28)

        self._message_label = QLabel(self)
        self._message_label.setWordWrap(True)
        self._message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._message_label.setToolTip("What the panel is showing, or why it could not.")

        self._undo_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        self._undo_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _build_prediction_area(self) -> None:
        self._preview = _InputPreview(self)
        self._preview_title = QLabel("Model input (28×28)", self)
        self._preview_title.setAlignment(Qt.AlignmentFlag.AlignHCenter)

        self._prediction_label = QLabel(self)
        self._prediction_label.setToolTip("The most probable class and its probability.")
        font = self._prediction_label.font()
        font.setBold(True)
        self._prediction_label.setFont(font)

        self._plot = pg.PlotWidget(self)
        self._plot.setToolTip("Class probabilities predicted for the model input.")
        self._plot.setMinimumHeight(150)
        self._plot.setMinimumWidth(150)
        plot_item = self._plot.getPlotItem()
        plot_item.setMouseEnabled(x=False, y=False)
        plot_item.setMenuEnabled(False)
        plot_item.hideButtons()
        plot_item.setLabel("left", "probability")
        plot_item.setLabel("bottom", "class")
        plot_item.getAxis("left").setTicks([[(0.0, "0"), (0.5, "0.5"), (1.0, "1")], []])
        plot_item.showGrid(y=True, alpha=0.25)
        self._bars = pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=0.7)
        plot_item.addItem(self._bars)

    def _build_layout(self) -> None:
        top_row = QHBoxLayout()
        top_row.addWidget(self._mode_combo)
        top_row.addSpacing(8)
        brush_title = QLabel("Brush", self)
        brush_title.setBuddy(self._brush_slider)
        brush_title.setToolTip(self._brush_slider.toolTip())
        top_row.addWidget(brush_title)
        top_row.addWidget(self._brush_slider, 1)
        top_row.addWidget(self._brush_value)

        edit_row = QHBoxLayout()
        edit_row.addWidget(self._undo_button)
        edit_row.addWidget(self._clear_button)
        edit_row.addWidget(self._open_button)

        sample_row = QHBoxLayout()
        sample_row.addWidget(self._random_button)
        sample_row.addStretch(1)
        sample_row.addWidget(self._sample_label)
        sample_row.addWidget(self._sample_spin)
        sample_row.addWidget(self._load_button)

        preview_column = QVBoxLayout()
        preview_column.setSpacing(2)
        preview_column.addWidget(self._preview_title)
        preview_column.addWidget(self._preview, 0, Qt.AlignmentFlag.AlignHCenter)
        preview_column.addStretch(1)

        chart_column = QVBoxLayout()
        chart_column.setSpacing(2)
        chart_column.addWidget(self._prediction_label)
        chart_column.addWidget(self._plot, 1)

        prediction_row = QGridLayout()
        prediction_row.addLayout(preview_column, 0, 0)
        prediction_row.addLayout(chart_column, 0, 1)
        prediction_row.setColumnStretch(1, 1)
        prediction_row.setHorizontalSpacing(10)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(top_row)
        layout.addWidget(self._surface, 3)
        layout.addLayout(edit_row)
        layout.addLayout(sample_row)
        layout.addWidget(self._message_label)
        layout.addLayout(prediction_row, 2)

        self._brush_value.setText(f"{DEFAULT_BRUSH_SIZE} px")

    def _connect(self) -> None:
        self._surface.sig_stroke_started.connect(self._on_stroke_started)
        self._surface.sig_pixels_changed.connect(self._on_pixels_changed)
        self._surface.sig_stroke_finished.connect(self._on_stroke_finished)
        self._mode_combo.currentIndexChanged.connect(self._on_mode_selected)
        self._brush_slider.valueChanged.connect(self._on_brush_slider_moved)
        self._undo_button.clicked.connect(self._on_undo_clicked)
        self._clear_button.clicked.connect(self._on_clear_clicked)
        self._open_button.clicked.connect(self._on_open_clicked)
        self._random_button.clicked.connect(self._on_random_clicked)
        self._load_button.clicked.connect(self._on_load_clicked)
        self._undo_shortcut.activated.connect(self._on_undo_clicked)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(360, 640)

    # --- public API ------------------------------------------------------------------

    @property
    def brush_size(self) -> int:
        """Brush diameter in canvas pixels (``MIN_BRUSH_SIZE`` to ``MAX_BRUSH_SIZE``)."""
        return self._surface.brush_size

    @brush_size.setter
    def brush_size(self, size: int) -> None:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise ValueError(
                f"brush_size must be a whole number of canvas pixels; received {size!r}."
            )
        if not MIN_BRUSH_SIZE <= size <= MAX_BRUSH_SIZE:
            raise ValueError(
                f"brush_size must lie from {MIN_BRUSH_SIZE} to {MAX_BRUSH_SIZE} canvas "
                f"pixels; received {size}. The default is {DEFAULT_BRUSH_SIZE}."
            )
        self._brush_slider.setValue(int(size))

    def mode(self) -> str:
        """The current mode, ``"digits"`` or ``"shapes"``."""
        return self._mode

    def set_mode(self, mode: str) -> None:
        """Switch between ``"digits"`` and ``"shapes"`` (class names, sample dataset).

        The drawing stays; a dataset label from the other mode is dropped and the
        probabilities, which belonged to the other classes, are reset.
        """
        if mode not in MODES:
            raise ValueError(
                f"mode must be one of {', '.join(map(repr, MODES))}; received {mode!r}."
            )
        if mode == self._mode:
            return
        self._mode = mode
        self._mode_combo.blockSignals(True)
        self._mode_combo.setCurrentIndex(MODES.index(mode))
        self._mode_combo.blockSignals(False)
        dataset = self._datasets.get(mode)
        self._sample_spin.setMaximum(len(dataset) - 1 if dataset is not None else 9999)
        self._reset_bars(self.class_names())
        self._set_label(None)
        self.sig_mode_changed.emit(mode)

    def class_names(self) -> tuple[str, ...]:
        """Class names of the current mode: ``"0"``..``"9"`` or the three shapes."""
        return _MODE_CLASS_NAMES[self._mode]

    def current_input(self) -> np.ndarray | None:
        """The last emitted ``(1, 28, 28, 1)`` float32 input, or None when there is none."""
        return self._current_input

    def canvas_image(self) -> np.ndarray:
        """The canvas as ``(CANVAS_SIZE, CANVAS_SIZE)`` uint8 grey (a copy; 255 = ink)."""
        return gray_array(self._surface.image)

    def stroke(self, points: list[tuple[float, float]]) -> None:
        """Draw one stroke through ``points`` (canvas ``(x, y)``), as the mouse would.

        Parameters
        ----------
        points : list of (float, float)
            At least one point; one point paints a single round dot.
        """
        points = list(points)
        if not points:
            raise ValueError("stroke needs at least one (x, y) point in canvas coordinates.")
        coordinates = [QPointF(float(x), float(y)) for x, y in points]
        width = self._surface.brush_size
        self._surface.begin_stroke(coordinates[0], width)
        for point in coordinates[1:]:
            self._surface.extend_stroke(point, width)
        self._surface.end_stroke()

    def clear(self) -> None:
        """Erase the canvas (undoable); emits ``sig_input_cleared``."""
        self._surface.end_stroke()
        if self._canvas_has_ink() or self._direct_input is not None:
            self._push_undo()
        blank = QImage(CANVAS_SIZE, CANVAS_SIZE, QImage.Format.Format_Grayscale8)
        blank.fill(0)
        self._surface.replace_image(blank)
        self._direct_input = None
        self._set_label(None)
        self._update_input_now()

    def undo(self) -> None:
        """Restore the canvas as it was before the last stroke, clear or loaded picture."""
        self._surface.end_stroke()
        if not self._undo_stack:
            return
        snapshot = self._undo_stack.pop()
        self._surface.replace_image(snapshot.image)
        self._direct_input = snapshot.direct_input
        self._set_label(snapshot.label)
        self._update_input_now(message=snapshot.message)
        self._update_undo_button()

    def set_image(
        self, image: np.ndarray, label: int | None = None, preprocessed: bool = False
    ) -> None:
        """Show a picture on the canvas (scaled to fit) and emit its model input.

        Parameters
        ----------
        image : numpy.ndarray
            ``(H, W)`` grey, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA, any polarity (dark
            ink on a light background is shown inverted).  With ``preprocessed=True``: a
            ``28 x 28`` MNIST-formatted picture, ``uint8`` or float in ``[0, 1]``.
        label : int, optional
            The picture's true class, emitted with ``sig_label_changed``.
        preprocessed : bool, default False
            True: the picture already is a model input (a dataset image) and is only
            scaled to ``[0, 1]``; drawing over it switches to preprocessing the canvas.
            False: it is cropped, scaled and centred like a drawing.

        Raises
        ------
        ValueError
            If ``image`` is not a picture of a supported shape, or ``label`` is not a
            non-negative whole number.
        """
        if label is not None:
            if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or label < 0:
                raise ValueError(
                    f"label must be None or a class index (a non-negative int); received "
                    f"{label!r}."
                )
            label = int(label)
        direct_input = _dataset_input(image) if preprocessed else None
        if preprocessed:
            canvas_gray = np.round(direct_input[0, :, :, 0] * 255.0).astype(np.uint8)
        else:
            canvas_gray = _light_on_dark(image)
        self._surface.end_stroke()
        self._push_undo()
        self._surface.replace_image(self._fitted_canvas(canvas_gray))
        self._direct_input = direct_input
        self._set_label(label, always_emit=True)
        self._update_input_now()

    def load_image_file(self, path: str) -> bool:
        """Open a picture file and show it like :meth:`set_image`.

        Parameters
        ----------
        path : str
            Any format Qt reads (PNG, JPEG, BMP, GIF, ...).

        Returns
        -------
        bool
            True if the file was opened and shown; False if it could not be read, in
            which case the message line says why (nothing is raised).
        """
        name = os.path.basename(str(path)) or str(path)
        if not os.path.isfile(path):
            self._show_error(f"Could not open {name}: no such file ({path}).")
            return False
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)  # photos: honour the EXIF orientation
        image = reader.read()
        if image.isNull():
            formats = ", ".join(sorted({bytes(item).decode().upper()
                                        for item in QImageReader.supportedImageFormats()}))
            self._show_error(
                f"Could not open {name}: {reader.errorString()}. Expected a picture in one "
                f"of these formats: {formats}."
            )
            return False
        self._last_directory = os.path.dirname(os.path.abspath(path))
        try:
            self.set_image(qimage_to_array(image))
        except ValueError as error:
            self._show_error(f"Could not use {name}: {error}")
            return False
        if self._current_input is not None:
            self._show_message(
                f"Opened {name} ({image.width()}×{image.height()} px), cropped, scaled and "
                f"centred."
            )
        else:
            self._show_message(f"{name} looks blank: no ink stands out from its background.")
        return True

    def load_sample(self, index: int | None = None) -> None:
        """Show a test image of the current mode's dataset, and emit its label.

        Parameters
        ----------
        index : int, optional
            Index into the test split; None picks one at random.  If the dataset cannot
            be loaded, the message line says why (nothing is raised).

        Raises
        ------
        ValueError
            If ``index`` is out of range.
        """
        dataset = self._dataset()
        if dataset is None:
            return
        if index is None:
            index = int(self._rng.integers(len(dataset)))
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) \
                or not 0 <= index < len(dataset):
            raise ValueError(
                f"Sample index must be a whole number from 0 to {len(dataset) - 1} (the "
                f"{_SAMPLE_SPLIT} split of {dataset.name!r} has {len(dataset)} images); "
                f"received {index!r}."
            )
        index = int(index)
        label = int(dataset.labels[index])
        self.set_image(dataset.images[index], label=label, preprocessed=True)
        self._sample_spin.setValue(index)
        self._show_message(
            f"Test sample #{index} of {dataset.name}: true class "
            f"{dataset.class_names[label]!r}. Draw over it to change it."
        )

    def show_probabilities(
        self, probabilities: np.ndarray, class_names: tuple[str, ...] | None = None
    ) -> None:
        """Show class probabilities as bars, the most probable one highlighted.

        Parameters
        ----------
        probabilities : numpy.ndarray
            ``(num_classes,)`` (or ``(1, num_classes)``) finite values, normally in
            ``[0, 1]``; values outside are clipped for display.
        class_names : tuple of str, optional
            Name of each class; default the current mode's names, or the class indices
            when their number differs.

        Raises
        ------
        ValueError
            If ``probabilities`` is not a non-empty vector of finite numbers, or
            ``class_names`` has a different length.
        """
        values = np.asarray(probabilities, dtype=np.float64)
        if values.ndim == 2 and values.shape[0] == 1:
            values = values[0]
        if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
            raise ValueError(
                f"probabilities must be a non-empty (num_classes,) vector of finite numbers; "
                f"received shape {np.shape(probabilities)}."
            )
        if class_names is None:
            class_names = self.class_names()
            if len(class_names) != values.size:
                class_names = tuple(str(index) for index in range(values.size))
        class_names = tuple(str(name) for name in class_names)
        if len(class_names) != values.size:
            raise ValueError(
                f"{len(class_names)} class names for {values.size} probabilities; pass one "
                f"name per class."
            )
        shown = np.clip(values, 0.0, 1.0)
        top = int(np.argmax(values))
        self._set_bar_axes(class_names)
        brushes = [pg.mkBrush(_TOP_BAR_COLOUR if index == top else _BAR_COLOUR)
                   for index in range(values.size)]
        pens = [pg.mkPen(colour.darker(140)) for colour in
                (_TOP_BAR_COLOUR if index == top else _BAR_COLOUR for index in range(values.size))]
        self._bars.setOpts(x=np.arange(values.size), height=shown, brushes=brushes, pens=pens)
        self._probabilities = shown
        self._prediction_label.setText(
            f"Prediction: {class_names[top]}  ({100.0 * values[top]:.1f} %)"
        )

    def clear_probabilities(self) -> None:
        """Remove the bars (the prediction no longer matches the input)."""
        self._reset_bars(self._bar_class_names or self.class_names())

    def probabilities(self) -> np.ndarray | None:
        """The probabilities shown (clipped to ``[0, 1]``), or None."""
        return None if self._probabilities is None else self._probabilities.copy()

    def show_message(self, text: str) -> None:
        """Replace the line under the canvas (e.g. to say where a loaded image came from)."""
        self._show_message(text)

    def message(self) -> str:
        """The text of the message line."""
        return self._message

    # --- drawing and input updates ---------------------------------------------------

    def _on_stroke_started(self) -> None:
        self._push_undo()
        # Drawing makes the picture the user's own: a dataset label no longer applies.
        self._direct_input = None
        self._set_label(None)

    def _on_pixels_changed(self) -> None:
        """Schedule an update: ``DEBOUNCE_MS`` after the last change, within ``MAX_WAIT_MS``."""
        if not self._update_timer.isActive():
            self._pending_since.start()
        remaining = MAX_WAIT_MS - self._pending_since.elapsed()
        self._update_timer.start(int(max(0, min(DEBOUNCE_MS, remaining))))

    def _on_stroke_finished(self) -> None:
        self._update_undo_button()

    def _on_update_timer(self) -> None:
        self._update_input_now()

    def _update_input_now(self, message: str | None = None) -> None:
        """Compute the model input from the canvas (or the loaded sample) and emit it."""
        self._update_timer.stop()
        if self._direct_input is not None:
            self._emit_input(self._direct_input, message)
            return
        try:
            # The canvas background is black by definition; a one-pixel black margin keeps
            # ink that touches every edge from being taken for the background.
            result = preprocess_image(np.pad(self.canvas_image(), 1), invert=False)
        except EmptyImageError:
            self._current_input = None
            self._preview.show_input(None)
            self.clear_probabilities()
            self._show_message(EMPTY_MESSAGE)
            self.sig_input_cleared.emit()
            return
        self._emit_input(result.input, message if message is not None else _DRAWN_MESSAGE)

    def _emit_input(self, model_input: np.ndarray, message: str | None) -> None:
        self._current_input = model_input
        self._preview.show_input(model_input)
        if message is not None:
            self._show_message(message)
        self.sig_input_changed.emit(model_input)

    def _fitted_canvas(self, gray: np.ndarray) -> QImage:
        """``gray`` scaled (smoothly, keeping its aspect) and centred on a black canvas."""
        source = _gray_image(gray)
        scaled = source.scaled(
            CANVAS_SIZE, CANVAS_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        ).convertToFormat(QImage.Format.Format_Grayscale8)
        canvas = QImage(CANVAS_SIZE, CANVAS_SIZE, QImage.Format.Format_Grayscale8)
        canvas.fill(0)
        painter = QPainter(canvas)
        painter.drawImage((CANVAS_SIZE - scaled.width()) // 2,
                          (CANVAS_SIZE - scaled.height()) // 2, scaled)
        painter.end()
        return canvas

    def _canvas_has_ink(self) -> bool:
        return bool(self.canvas_image().any())

    def _push_undo(self) -> None:
        self._undo_stack.append(_Snapshot(
            image=self._surface.image.copy(),
            direct_input=self._direct_input,
            label=self._label,
            message=self._message,
        ))
        self._update_undo_button()

    def _update_undo_button(self) -> None:
        self._undo_button.setEnabled(bool(self._undo_stack))

    def _set_label(self, label: int | None, always_emit: bool = False) -> None:
        if label == self._label and not always_emit:
            return
        self._label = label
        self.sig_label_changed.emit(label)

    # --- datasets --------------------------------------------------------------------

    def _dataset(self) -> Dataset | None:
        """The current mode's test split, loaded once; None (and a message) on failure."""
        dataset = self._datasets.get(self._mode)
        if dataset is not None:
            return dataset
        name = _MODE_DATASETS[self._mode]
        try:
            dataset = load_dataset(name, _SAMPLE_SPLIT)
        except (ValueError, OSError) as error:
            self._show_error(f"Could not load the {name} dataset: {error}")
            return None
        self._datasets[self._mode] = dataset
        self._sample_spin.setMaximum(len(dataset) - 1)
        self._sample_spin.setToolTip(
            f"Index of the {_SAMPLE_SPLIT} image to load, 0 to {len(dataset) - 1} "
            f"({dataset.name})."
        )
        return dataset

    # --- probabilities ---------------------------------------------------------------

    def _set_bar_axes(self, class_names: tuple[str, ...]) -> None:
        if class_names == self._bar_class_names:
            return
        self._bar_class_names = class_names
        plot_item = self._plot.getPlotItem()
        plot_item.getAxis("bottom").setTicks(
            [[(index, name) for index, name in enumerate(class_names)], []]
        )
        plot_item.setXRange(-0.6, len(class_names) - 0.4, padding=0)
        plot_item.setYRange(0.0, 1.0, padding=0.1)

    def _reset_bars(self, class_names: tuple[str, ...]) -> None:
        self._set_bar_axes(tuple(class_names))
        count = len(class_names)
        self._bars.setOpts(x=np.arange(count), height=np.zeros(count),
                           brushes=[pg.mkBrush(_BAR_COLOUR)] * count,
                           pens=[pg.mkPen(_BAR_COLOUR.darker(140))] * count)
        self._probabilities = None
        self._prediction_label.setText("Prediction: none yet")

    # --- messages --------------------------------------------------------------------

    def _show_message(self, text: str) -> None:
        self._message = text
        self._message_label.setStyleSheet("")
        self._message_label.setText(text)

    def _show_error(self, text: str) -> None:
        self._message = text
        self._message_label.setStyleSheet(_ERROR_STYLE)
        self._message_label.setText(text)

    # --- control slots ---------------------------------------------------------------

    def _on_mode_selected(self, index: int) -> None:
        self.set_mode(self._mode_combo.itemData(index))

    def _on_brush_slider_moved(self, value: int) -> None:
        self._surface.brush_size = value
        self._brush_value.setText(f"{value} px")

    def _on_undo_clicked(self) -> None:
        self.undo()

    def _on_clear_clicked(self) -> None:
        self.clear()

    def _on_open_clicked(self) -> None:
        patterns = " ".join(sorted(f"*.{bytes(item).decode()}"
                                   for item in QImageReader.supportedImageFormats()))
        path, _ = QFileDialog.getOpenFileName(
            self, "Open image", self._last_directory,
            f"Images ({patterns});;All files (*)",
        )
        if path:
            self.load_image_file(path)

    def _on_random_clicked(self) -> None:
        self.load_sample(None)

    def _on_load_clicked(self) -> None:
        requested = self._sample_spin.value()
        dataset = self._dataset()
        if dataset is None:
            return
        if requested >= len(dataset):
            self._show_error(
                f"Sample #{requested} does not exist: the {_SAMPLE_SPLIT} split of "
                f"{dataset.name} has {len(dataset)} images (0 to {len(dataset) - 1})."
            )
            return
        self.load_sample(requested)
