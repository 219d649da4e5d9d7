"""The input panel: draw, load or pick a picture, see what the model gets and what it says.

:class:`DrawingCanvas` holds a square drawing surface (white ink on black, like MNIST), the
controls around it (brush size, undo, clear, digits, shapes or clothing, dataset samples,
image files), a preview of the model input, and a bar chart of class probabilities.

The panel follows the model it is told about (:meth:`DrawingCanvas.set_model`): the input
has the model's ``(height, width, channels)`` (``28 x 28 x 1`` until told otherwise), the
mode and captions follow the model's training dataset, and when what is drawn does not match
what the model was trained on (shapes for a digit model, a model whose data are unknown),
a notice beside the prediction says that its answer means nothing and offers the bundled
model for the mode in one click (``sig_model_requested``).

A drawn or opened picture is turned into a model input by
:func:`cnnviz.core.preprocessing.preprocess_image` (cropped, scaled to 20/28 of the input's
shorter side, centred by its centre of mass).  Dataset samples are already framed, so they
are only scaled to ``[0, 1]`` (and resized when the model takes another size).  While the
user draws, the input is recomputed at most every :data:`DEBOUNCE_MS` after the last change
and at least every :data:`MAX_WAIT_MS` while a stroke goes on, and announced with
``sig_input_changed``.
"""

from __future__ import annotations

import collections
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QPointF, QRectF, QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QImage,
    QImageReader,
    QKeySequence,
    QPainter,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item is made)
from cnnviz.core.checks import is_int
from cnnviz.core.datasets import CLASS_NAMES, Dataset, load_dataset
from cnnviz.core.preprocessing import (
    EmptyImageError,
    ink_polarity,
    preprocess_batch,
    preprocess_image,
    to_grayscale,
)
from cnnviz.core.resources import resource_path
from cnnviz.ui.drawing.probability_chart import ProbabilityChart
from cnnviz.ui.drawing.surface import CANVAS_SIZE, DEFAULT_BRUSH_SIZE, DrawingSurface
from cnnviz.ui.elided_label import ElidedLabel
from cnnviz.ui.images import gray_array, qimage_to_array

if TYPE_CHECKING:
    from cnnviz.service.payloads import ModelInfo

__all__ = [
    "DrawingCanvas",
    "CANVAS_SIZE",
    "INPUT_SIZE",
    "DEFAULT_INPUT_SHAPE",
    "DEBOUNCE_MS",
    "MAX_WAIT_MS",
    "MODES",
    "DATASET_MODES",
    "BUNDLED_MODELS",
    "EMPTY_MESSAGE",
    "EMPTY_MESSAGES",
]

#: Side of the model input until a model says otherwise (MNIST's).
INPUT_SIZE = 28
#: ``(height, width, channels)`` of the model input until a model says otherwise.
DEFAULT_INPUT_SHAPE = (INPUT_SIZE, INPUT_SIZE, 1)
#: The input is recomputed this many milliseconds after the last change ...
DEBOUNCE_MS = 40
#: ... and at least this often while changes keep coming.
MAX_WAIT_MS = 100
#: Undo snapshots kept (one per stroke, clear or loaded picture).
MAX_UNDO_STEPS = 50
#: A drawing's longer side fills this share of the input's shorter side (MNIST: 20 of 28).
INK_SHARE = 20 / 28

MIN_BRUSH_SIZE = 2
MAX_BRUSH_SIZE = 60

MODES: tuple[str, ...] = ("digits", "shapes", "clothing")
_MODE_TITLES = {"digits": "Digits", "shapes": "Shapes", "clothing": "Clothing"}
#: Where each mode's samples come from.
_MODE_DATASETS = {"digits": "mnist-sample", "shapes": "shapes", "clothing": "fashion-mnist"}
#: What a model trained on each dataset expects to see drawn.
DATASET_MODES = {"mnist-sample": "digits", "mnist": "digits", "shapes": "shapes",
                 "fashion-mnist": "clothing"}
#: The model file in ``resources/`` offered for each mode, when one is bundled.
BUNDLED_MODELS = {"digits": "reference_model.npz", "shapes": "shapes_model.npz"}
_MODE_CLASS_NAMES = {mode: CLASS_NAMES[dataset] for mode, dataset in _MODE_DATASETS.items()}
# How messages name what a mode's pictures show: one of them, and all of them.
_MODE_ONE = {"digits": "a digit", "shapes": "a shape", "clothing": "a piece of clothing"}
_MODE_KIND = {"digits": "digits", "shapes": "shapes", "clothing": "clothing"}
_SAMPLE_SPLIT = "test"

EMPTY_MESSAGES = {
    "digits": "Draw a digit from 0 to 9, or load a test sample.",
    "shapes": "Draw a square, a triangle or a circle, or load a test sample.",
    "clothing": "Draw a piece of clothing, or load a Fashion-MNIST test sample.",
}
#: The caption of an empty canvas in the default (digits) mode.
EMPTY_MESSAGE = EMPTY_MESSAGES["digits"]
_DRAWN_MESSAGES = {
    "digits": "Your drawing, cropped, scaled to {box} px and centred in {size}, as MNIST digits were.",
    "shapes": "Your drawing, cropped, scaled to {box} px and centred in {size}, like the generated shapes.",
    "clothing": "Your drawing, cropped, scaled to {box} px and centred in {size}, the size of "
                "Fashion-MNIST pictures.",
}
#: Lines reserved for the caption under the canvas (longer text is elided, whole in its tooltip).
MESSAGE_LINES = 3
#: Lines of the notice over the chart until it knows the chart's height.
NOTICE_LINES = 3

_ERROR_STYLE = "color: #b00020;"
_NOTICE_STYLE = "#model_notice { background: #fff4e5; border: 1px solid #e0a040; border-radius: 4px; }"
#: The model input preview is drawn in a square of this many pixels (plus a 1 px frame).
_PREVIEW_SIDE = INPUT_SIZE * 4


@dataclass(frozen=True)
class _Snapshot:
    """What undo restores: the canvas pixels and what they stood for.

    ``message`` is None when the caption was the default one for the state (it is then
    written anew, in the mode and input size of the moment).
    """

    image: QImage
    direct_input: np.ndarray | None
    label: int | None
    message: str | None


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


def _shape_text(input_shape: tuple[int, int, int]) -> str:
    """``"28×28"`` for a grey input, ``"32×24×3"`` otherwise."""
    height, width, channels = input_shape
    return f"{height}×{width}" if channels == 1 else f"{height}×{width}×{channels}"


def _model_input(plane: np.ndarray, input_shape: tuple[int, int, int]) -> np.ndarray:
    """A ``(height, width)`` float plane in ``[0, 1]`` as a read-only ``(1, H, W, C)`` input.

    A grey picture becomes a colour input by repeating it in every channel (white ink on
    black stays white on black).
    """
    channels = input_shape[2]
    model_input = np.repeat(np.asarray(plane, np.float32)[np.newaxis, :, :, np.newaxis], channels, axis=3)
    model_input.setflags(write=False)
    return model_input


def _resized_plane(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    """A float ``[0, 1]`` plane scaled smoothly to ``(height, width)`` (aspect not kept)."""
    if plane.shape == (height, width):
        return np.asarray(plane, np.float32)
    gray = np.round(np.clip(plane, 0.0, 1.0) * 255.0).astype(np.uint8)
    scaled = _gray_image(gray).scaled(
        width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    ).convertToFormat(QImage.Format.Format_Grayscale8)
    return gray_array(scaled).astype(np.float32) / np.float32(255.0)


def _framed_plane(square: np.ndarray, height: int, width: int) -> np.ndarray:
    """A square plane centred in a black ``(height, width)`` frame (its side is the shorter)."""
    frame = np.zeros((height, width), np.float32)
    side = square.shape[0]
    top, left = (height - side) // 2, (width - side) // 2
    frame[top:top + side, left:left + side] = square
    return frame


def _dataset_input(image: np.ndarray, input_shape: tuple[int, int, int]) -> np.ndarray:
    """A framed picture (a dataset image) as a read-only ``(1, H, W, C)`` float32 input.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W)``, ``(H, W, 1)``, ``(H, W, C)`` or ``(1, H, W, C)`` with the input's height
        and width, ``uint8`` or float in ``[0, 1]``.
    input_shape : tuple of int
        ``(H, W, C)`` of the model input.
    """
    height, width, channels = input_shape
    array = np.asarray(image)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 2:
        array = array[..., np.newaxis]
    if array.ndim != 3 or array.shape[:2] != (height, width) or array.shape[2] not in (1, channels):
        raise ValueError(
            f"A preprocessed image must have the model input's size, {height} x {width} "
            f"(shaped ({height}, {width}), ({height}, {width}, 1), ({height}, {width}, {channels}) "
            f"or (1, {height}, {width}, {channels})); received shape {np.shape(image)}. Pass "
            f"preprocessed=False to have any picture cropped, scaled and centred."
        )
    # preprocess_batch checks the value range and scales each channel plane like an image.
    planes = preprocess_batch(np.moveaxis(array, -1, 0))[..., 0]
    model_input = np.repeat(np.moveaxis(planes, 0, -1)[np.newaxis], channels // planes.shape[0], axis=3)
    model_input = np.ascontiguousarray(model_input, dtype=np.float32)
    model_input.setflags(write=False)
    return model_input


class _InputPreview(QWidget):
    """The model input, each pixel a crisp block, in a square of fixed size.

    The widget keeps its size whatever the input's, so the panel never changes shape when
    a model with another input size is opened.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixels = np.zeros(DEFAULT_INPUT_SHAPE[:2], np.uint8)
        self._image = _gray_image(self._pixels)
        self.setFixedSize(_PREVIEW_SIDE + 2, _PREVIEW_SIDE + 2)
        self.set_input_shape(DEFAULT_INPUT_SHAPE)

    @property
    def pixels(self) -> np.ndarray:
        """The shown input as ``(height, width)`` uint8 grey levels (a copy; colour is averaged)."""
        return self._pixels.copy()

    def set_input_shape(self, input_shape: tuple[int, int, int]) -> None:
        """Show a black input of ``(height, width, channels)`` until the next input."""
        height, width, channels = input_shape
        colour = " (shown grey: the mean of its channels)" if channels > 1 else ""
        self.setToolTip(
            f"What the model receives: {_shape_text(input_shape)} levels in [0, 1] (black 0, "
            f"white 1){colour}."
        )
        self._pixels = np.zeros((height, width), np.uint8)
        self._image = _gray_image(self._pixels)
        self.update()

    def show_input(self, model_input: np.ndarray | None) -> None:
        """Show a ``(1, H, W, C)`` input in ``[0, 1]``, or black for None."""
        if model_input is None:
            self._pixels = np.zeros_like(self._pixels)
        else:
            plane = np.asarray(model_input, np.float32)[0].mean(axis=-1)
            self._pixels = np.round(np.clip(plane, 0.0, 1.0) * 255.0).astype(np.uint8)
        self._image = _gray_image(self._pixels)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setPen(QPen(self.palette().mid().color(), 1.0))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        height, width = self._pixels.shape
        scale = _PREVIEW_SIDE / max(height, width)
        target = QRectF(1 + (_PREVIEW_SIDE - width * scale) / 2, 1 + (_PREVIEW_SIDE - height * scale) / 2,
                        width * scale, height * scale)
        # Nearest-neighbour scaling: each model pixel stays a crisp block.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, self._image)
        painter.end()


class DrawingCanvas(QWidget):
    """The input panel: a drawing canvas, input sources, the model input and its prediction.

    Parameters
    ----------
    parent : QWidget, optional
        Parent widget.

    Notes
    -----
    Model inputs are read-only ``(1, H, W, C)`` float32 arrays in ``[0, 1]``, NHWC, light
    ink on black, where ``(H, W, C)`` is the model's input shape (:meth:`input_shape`,
    ``28 x 28 x 1`` until :meth:`set_model` says otherwise).  Coordinates given to
    :meth:`stroke` and brush sizes are in canvas pixels (the canvas is ``CANVAS_SIZE``
    square whatever its size on screen).
    """

    sig_input_changed = Signal(object)
    """The model input changed: a read-only ``(1, H, W, C)`` float32 array in ``[0, 1]``."""
    sig_input_cleared = Signal()
    """The canvas holds no ink, so there is no model input."""
    sig_label_changed = Signal(object)
    """The true label of the shown picture: an int for a dataset sample, None once drawn on."""
    sig_mode_changed = Signal(str)
    """The mode changed to ``"digits"``, ``"shapes"`` or ``"clothing"`` (and so the samples)."""
    sig_model_requested = Signal(str)
    """The user asked for the bundled model that fits the mode: the path of its file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._mode = "digits"
        self._datasets: dict[str, Dataset] = {}
        self._rng = np.random.default_rng()
        self._undo_stack: collections.deque[_Snapshot] = collections.deque(maxlen=MAX_UNDO_STEPS)
        self._current_input: np.ndarray | None = None
        self._direct_input: np.ndarray | None = None
        self._label: int | None = None
        self._message = ""
        self._message_is_default = True
        self._last_directory = ""
        self._input_shape: tuple[int, int, int] = DEFAULT_INPUT_SHAPE
        # What the model was trained on: None until a model is set, then its dataset name
        # or "" when the model does not say.
        self._model_dataset: str | None = None
        self._offered_model: Path | None = None

        self._update_timer = QTimer(self)
        self._update_timer.setSingleShot(True)
        self._update_timer.timeout.connect(self._on_update_timer)
        self._pending_since = QElapsedTimer()

        self._build_controls()
        self._build_prediction_area()
        self._build_layout()
        self._connect()

        self._chart.reset(self.class_names())
        self._prediction_label.set_full_text("Prediction: none yet")
        self._show_default_message()
        self._update_undo_button()
        self._update_notice()

    # --- construction ----------------------------------------------------------------

    def _build_controls(self) -> None:
        self._surface = DrawingSurface(self)

        self._mode_combo = QComboBox(self)
        for mode in MODES:
            self._mode_combo.addItem(_MODE_TITLES[mode], mode)
        self._mode_combo.setToolTip(
            "What to draw and classify: digits 0-9 (samples from the bundled MNIST sample), "
            "shapes (square, triangle, circle; samples from the generated shapes set) or "
            "clothing (samples from Fashion-MNIST). A model answers only for what it was "
            "trained on; the panel says so when they differ."
        )
        self._mode_combo.setAccessibleName("What to draw")

        self._brush_slider = QSlider(Qt.Orientation.Horizontal, self)
        self._brush_slider.setRange(MIN_BRUSH_SIZE, MAX_BRUSH_SIZE)
        self._brush_slider.setValue(DEFAULT_BRUSH_SIZE)
        self._brush_slider.setToolTip(
            f"Brush diameter in canvas pixels (the canvas is {CANVAS_SIZE} px wide). The "
            f"drawing is scaled so its longer side fills 20/28 of the model input's shorter "
            f"side (20 of MNIST's 28 pixels), so strokes of about {DEFAULT_BRUSH_SIZE} px look "
            f"most like MNIST."
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

        # A fixed number of lines: a long caption is elided (whole in the tooltip) instead
        # of growing and squeezing the canvas.
        self._message_label = ElidedLabel(
            MESSAGE_LINES, "What the panel is showing, or why it could not.", self)
        self._message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._undo_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        self._undo_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _build_prediction_area(self) -> None:
        self._preview = _InputPreview(self)
        self._preview_title = QLabel(self)
        self._preview_title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self._preview_title.setFixedWidth(self._preview.width())
        self._update_preview_title()

        self._prediction_label = ElidedLabel(1, "The most probable class and its probability.", self)
        font = self._prediction_label.font()
        font.setBold(True)
        self._prediction_label.setFont(font)

        # The notice lies over the chart, whose bars mean nothing while it shows: it takes
        # no room of its own, so nothing in the panel moves when it comes or goes.
        self._chart_area = QWidget(self)
        self._chart = ProbabilityChart(self._chart_area)
        chart_layout = QVBoxLayout(self._chart_area)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self._chart)
        self._notice = QFrame(self._chart_area)
        self._notice.setObjectName("model_notice")
        self._notice.setStyleSheet(_NOTICE_STYLE)
        self._notice.setAccessibleName("Model notice")
        self._notice_label = ElidedLabel(NOTICE_LINES, parent=self._notice)
        self._notice_label.setObjectName("model_notice_text")
        self._notice_label.setStyleSheet("color: #7a4100; background: transparent; border: none;")
        self._notice_button = QPushButton(self._notice)
        self._notice_button.setObjectName("use_bundled_model")
        notice_layout = QVBoxLayout(self._notice)
        notice_layout.setContentsMargins(6, 4, 6, 4)
        notice_layout.setSpacing(2)
        notice_layout.addWidget(self._notice_label)
        notice_layout.addWidget(self._notice_button, 0, Qt.AlignmentFlag.AlignRight)
        notice_layout.addStretch(1)
        self._notice.setVisible(False)
        self._chart_area.installEventFilter(self)

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

        # The prediction line spans the panel's width, so a long class name still fits.
        prediction_row = QGridLayout()
        prediction_row.addWidget(self._prediction_label, 0, 0, 1, 2)
        prediction_row.addWidget(self._preview, 1, 0, Qt.AlignmentFlag.AlignTop)
        prediction_row.addWidget(self._preview_title, 2, 0, Qt.AlignmentFlag.AlignTop)
        prediction_row.addWidget(self._chart_area, 1, 1, 2, 1)
        prediction_row.setColumnStretch(1, 1)
        prediction_row.setRowStretch(2, 1)
        prediction_row.setHorizontalSpacing(10)
        prediction_row.setVerticalSpacing(2)

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
        self._notice_button.clicked.connect(self._on_notice_button_clicked)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(360, 640)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if watched is self._chart_area and event.type() == QEvent.Type.Resize:
            self._place_notice()
        return super().eventFilter(watched, event)

    # --- public API ------------------------------------------------------------------

    @property
    def brush_size(self) -> int:
        """Brush diameter in canvas pixels (``MIN_BRUSH_SIZE`` to ``MAX_BRUSH_SIZE``)."""
        return self._surface.brush_size

    @brush_size.setter
    def brush_size(self, size: int) -> None:
        if not is_int(size):
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
        """The current mode, ``"digits"``, ``"shapes"`` or ``"clothing"``."""
        return self._mode

    def set_mode(self, mode: str) -> None:
        """Switch what is drawn: ``"digits"``, ``"shapes"`` or ``"clothing"`` (its samples).

        The drawing stays; a dataset label from the other mode is dropped and the
        probabilities are reset.  When the model was trained on something else, the
        notice beside the prediction says so.
        """
        if mode not in MODES:
            raise ValueError(
                f"mode must be one of {', '.join(map(repr, MODES))}; received {mode!r}."
            )
        if mode == self._mode:
            return
        self._mode = mode
        with QSignalBlocker(self._mode_combo):
            self._mode_combo.setCurrentIndex(MODES.index(mode))
        dataset = self._datasets.get(mode)
        self._sample_spin.setMaximum(len(dataset) - 1 if dataset is not None else 9999)
        self._reset_chart()
        self._set_label(None)
        if self._message_is_default:
            self._show_default_message()
        self._update_notice()
        self.sig_mode_changed.emit(mode)

    def set_model(self, dataset: str | None, input_shape: tuple[int, int, int] | None = None) -> None:
        """Tell the panel what the current model was trained on and what input it takes.

        The mode follows a known dataset (a digit model: digits, a shapes model: shapes, a
        Fashion-MNIST model: clothing), and so do the captions and class names; the input
        takes the model's shape and is emitted again when that changes.  Switching the mode
        afterwards to something the model was not trained on shows a notice.

        Parameters
        ----------
        dataset : str or None
            The model's training dataset (``"mnist-sample"``, ``"mnist"``,
            ``"fashion-mnist"``, ``"shapes"``, or another name), or None when the model
            does not say (a model opened without a cnnviz configuration).
        input_shape : tuple of int, optional
            The model's ``(height, width, channels)``; None keeps the current one.

        Raises
        ------
        ValueError
            If ``input_shape`` is not three positive whole numbers.
        """
        if input_shape is not None:
            input_shape = tuple(input_shape)
            if len(input_shape) != 3 or not all(
                    is_int(size) and size > 0
                    for size in input_shape):
                raise ValueError(
                    f"input_shape must be (height, width, channels), three positive whole "
                    f"numbers; received {input_shape!r}."
                )
            input_shape = tuple(int(size) for size in input_shape)
        self._model_dataset = "" if dataset is None else str(dataset)
        wanted = DATASET_MODES.get(self._model_dataset)
        if wanted is not None and wanted != self._mode:
            self.set_mode(wanted)
        self._reset_chart()
        if input_shape is not None and input_shape != self._input_shape:
            self._set_input_shape(input_shape)
        if self._message_is_default:
            self._show_default_message()
        self._update_notice()

    def set_model_info(self, info: ModelInfo | None) -> None:
        """:meth:`set_model` from the model service's description of its model.

        A model without a configuration, or one opened from a ``.keras`` file (which
        stores no training dataset; the engine only guesses one from the number of
        classes), counts as trained on unknown data.
        """
        if info is None:
            return
        config = info.config
        dataset = config.training.dataset if config is not None else None
        if Path(str(info.source)).suffix.lower() == ".keras":
            dataset = None
        self.set_model(dataset, tuple(config.input_shape) if config is not None else None)

    def model_dataset(self) -> str | None:
        """The dataset the panel was told the model learned from; "" if unknown, None if no model."""
        return self._model_dataset

    def input_shape(self) -> tuple[int, int, int]:
        """``(height, width, channels)`` of the inputs the panel makes."""
        return self._input_shape

    def class_names(self) -> tuple[str, ...]:
        """The class names the bars stand for: the model's dataset's, else the mode's."""
        names = CLASS_NAMES.get(self._model_dataset or "")
        return tuple(names) if names else _MODE_CLASS_NAMES[self._mode]

    def notice(self) -> str:
        """The notice beside the prediction ("" when the model fits what is drawn)."""
        return self._notice_label.full_text() if self._notice.isVisibleTo(self) else ""

    def offered_model(self) -> Path | None:
        """The bundled model the notice offers, or None."""
        return self._offered_model if self._notice.isVisibleTo(self) else None

    def current_input(self) -> np.ndarray | None:
        """The last emitted ``(1, H, W, C)`` float32 input, or None when there is none."""
        return self._current_input

    def canvas_image(self) -> np.ndarray:
        """The canvas as ``(CANVAS_SIZE, CANVAS_SIZE)`` uint8 grey (a copy; 255 = ink)."""
        return gray_array(self._surface.image)

    def surface_size(self) -> QSize:
        """The drawing surface's size on screen, in widget pixels."""
        return self._surface.size()

    # The controls, for tests and scripts that drive the panel as a person does.

    @property
    def surface(self) -> QWidget:
        """The drawing surface (press, move and release the left button on it to draw)."""
        return self._surface

    @property
    def mode_combo(self) -> QComboBox:
        """The Digits / Shapes / Clothing selector."""
        return self._mode_combo

    @property
    def notice_button(self) -> QPushButton:
        """The notice's button that opens the bundled model fitting the mode."""
        return self._notice_button

    @property
    def clear_button(self) -> QPushButton:
        """The Clear button."""
        return self._clear_button

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
            picture already framed like the model's inputs, of the model input's height and
            width (``(H, W)``, ``(H, W, 1)``, ``(H, W, C)`` or ``(1, H, W, C)``), ``uint8``
            or float in ``[0, 1]``.
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
            if not is_int(label) or label < 0:
                raise ValueError(
                    f"label must be None or a class index (a non-negative int); received "
                    f"{label!r}."
                )
            label = int(label)
        direct_input = _dataset_input(image, self._input_shape) if preprocessed else None
        if preprocessed:
            canvas_gray = np.round(direct_input[0].mean(axis=-1) * 255.0).astype(np.uint8)
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
        if not is_int(index) or not 0 <= index < len(dataset):
            raise ValueError(
                f"Sample index must be a whole number from 0 to {len(dataset) - 1} (the "
                f"{_SAMPLE_SPLIT} split of {dataset.name!r} has {len(dataset)} images); "
                f"received {index!r}."
            )
        index = int(index)
        label = int(dataset.labels[index])
        image = dataset.images[index]
        height, width, _ = self._input_shape
        resized = ""
        if image.shape[:2] != (height, width):
            # A model with another input size still gets the sample, scaled to its input.
            resized = f", scaled from {image.shape[0]}×{image.shape[1]} to {height}×{width}"
            image = _resized_plane(preprocess_batch(image[np.newaxis])[0, :, :, 0], height, width)
        self.set_image(image, label=label, preprocessed=True)
        self._sample_spin.setValue(index)
        self._show_message(
            f"Test sample #{index} of {dataset.name}{resized}: true class "
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
            Name of each class; default :meth:`class_names`, or the class indices when
            their number differs.

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
        self._chart.show_probabilities(values, class_names)
        top = int(np.argmax(values))
        self._prediction_label.set_full_text(
            f"Prediction: {class_names[top]}  ({100.0 * values[top]:.1f} %)"
        )

    def clear_probabilities(self) -> None:
        """Remove the bars (the prediction no longer matches the input); the classes stay."""
        self._chart.reset(self._chart.class_names() or self.class_names())
        self._prediction_label.set_full_text("Prediction: none yet")

    def _reset_chart(self) -> None:
        """Empty bars for :meth:`class_names` (the model or the mode changed)."""
        self._chart.reset(self.class_names())
        self._prediction_label.set_full_text("Prediction: none yet")

    def probabilities(self) -> np.ndarray | None:
        """The probabilities shown (clipped to ``[0, 1]``), or None."""
        if self._chart.highlighted() is None:
            return None
        return self._chart.bar_heights()

    def prediction_text(self) -> str:
        """The line above the chart: the most probable class and its probability."""
        return self._prediction_label.full_text()

    @property
    def chart(self) -> ProbabilityChart:
        """The bar chart of class probabilities."""
        return self._chart

    def show_message(self, text: str) -> None:
        """Replace the line under the canvas (e.g. to say where a loaded image came from)."""
        self._show_message(text)

    def message(self) -> str:
        """The whole text of the caption under the canvas (it may be shown elided)."""
        return self._message

    def message_is_elided(self) -> bool:
        """True when the caption is too long for its reserved lines (its tooltip shows it all)."""
        return self._message_label.is_elided()

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
            if self._direct_input.shape[1:] != self._input_shape:
                self._direct_input = self._refit(self._direct_input)
            if message is None:
                self._current_input = self._direct_input  # the default caption depends on it
                self._show_default_message()
            self._emit_input(self._direct_input, message)
            return
        height, width, _ = self._input_shape
        side = min(height, width)
        try:
            # The canvas background is black by definition; a one-pixel black margin keeps
            # ink that touches every edge from being taken for the background.
            result = preprocess_image(np.pad(self.canvas_image(), 1), invert=False,
                                      box=self._ink_box(), size=side)
        except EmptyImageError:
            self._current_input = None
            self._preview.show_input(None)
            self.clear_probabilities()
            self._show_default_message()
            self.sig_input_cleared.emit()
            return
        model_input = _model_input(_framed_plane(result.image28, height, width), self._input_shape)
        if message is None:
            self._current_input = model_input  # the default caption depends on it
            self._show_default_message()
        self._emit_input(model_input, message)

    def _emit_input(self, model_input: np.ndarray, message: str | None) -> None:
        self._current_input = model_input
        self._preview.show_input(model_input)
        if message is not None:
            self._show_message(message)
        self.sig_input_changed.emit(model_input)

    def _ink_box(self) -> int:
        """Pixels the drawing's longer side gets in the input (20 of 28, like MNIST)."""
        return max(1, int(round(min(self._input_shape[:2]) * INK_SHARE)))

    def _refit(self, model_input: np.ndarray) -> np.ndarray:
        """A framed input of another shape scaled to the current input shape."""
        height, width, _ = self._input_shape
        plane = np.asarray(model_input, np.float32)[0].mean(axis=-1)
        return _model_input(_resized_plane(plane, height, width), self._input_shape)

    def _set_input_shape(self, input_shape: tuple[int, int, int]) -> None:
        self._input_shape = input_shape
        self._preview.set_input_shape(input_shape)
        self._update_preview_title()
        if self._current_input is not None or self._direct_input is not None:
            self._update_input_now(message=None if self._message_is_default else self._message)

    def _update_preview_title(self) -> None:
        self._preview_title.setText(f"Input {_shape_text(self._input_shape)}")

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
            message=None if self._message_is_default else self._message,
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

    # --- the model notice ------------------------------------------------------------

    def _update_notice(self) -> None:
        """Say beside the prediction when the model was not trained on what is drawn."""
        dataset = self._model_dataset
        trained_for = DATASET_MODES.get(dataset or "")
        mode = self._mode
        if dataset is None or trained_for == mode:
            self._notice.setVisible(False)
            self._offered_model = None
            return
        one = _MODE_ONE[mode]
        if not dataset:
            text = (f"This model does not say what it was trained on (it has no cnnviz "
                    f"configuration), so its answer for {one} may mean nothing.")
        else:
            kind = _MODE_KIND.get(trained_for, "")
            trained_on = f"{kind} ({dataset})" if kind else dataset
            text = f"This model was trained on {trained_on}: its answer for {one} means nothing."
        bundled = BUNDLED_MODELS.get(mode)
        path = resource_path(bundled) if bundled else None
        if path is not None and path.is_file():
            self._offered_model = path
            self._notice_button.setText(f"Use the {_MODE_KIND[mode]} model")
            self._notice_button.setToolTip(f"Open the bundled {_MODE_KIND[mode]} model ({path.name}).")
            self._notice_button.setVisible(True)
        else:
            self._offered_model = None
            self._notice_button.setVisible(False)
            text += (f" Build and train a model on {_MODE_DATASETS[mode]} in the Model panel, "
                     f"or open one.")
        self._notice_label.set_full_text(text)
        self._place_notice()
        self._notice.setVisible(True)
        self._notice.raise_()

    def _place_notice(self) -> None:
        """Cover the chart with the notice; its text gets every line the box has room for."""
        self._notice.setGeometry(self._chart_area.rect())
        margins = self._notice.contentsMargins()
        layout_margins = self._notice.layout().contentsMargins()
        room = (self._chart_area.height() - margins.top() - margins.bottom() - layout_margins.top()
                - layout_margins.bottom() - self._notice_button.sizeHint().height() - 6)
        width = (self._chart_area.width() - margins.left() - margins.right() - layout_margins.left()
                 - layout_margins.right())
        label = self._notice_label
        label.set_max_lines(min(label.needed_lines(width), room // label.line_height()))

    def _on_notice_button_clicked(self) -> None:
        if self._offered_model is None:
            return
        self._show_message(f"Opening the bundled {_MODE_KIND[self._mode]} model "
                           f"({self._offered_model.name})…")
        # Only until the model arrives: then the caption describes the input again.
        self._message_is_default = True
        self.sig_model_requested.emit(str(self._offered_model))

    # --- messages --------------------------------------------------------------------

    def _default_message(self) -> str:
        """The caption for the current state: how to start, or how the drawing was framed."""
        if self._current_input is None:
            return EMPTY_MESSAGES[self._mode]
        if self._direct_input is not None:
            return f"A framed picture, shown as the model's {_shape_text(self._input_shape)} input."
        return _DRAWN_MESSAGES[self._mode].format(box=self._ink_box(),
                                                  size=_shape_text(self._input_shape))

    def _show_default_message(self) -> None:
        self._show_message(self._default_message())
        self._message_is_default = True

    def _show_message(self, text: str) -> None:
        self._message = text
        self._message_is_default = False
        self._message_label.setStyleSheet("")
        self._message_label.set_full_text(text)

    def _show_error(self, text: str) -> None:
        self._show_message(text)
        self._message_label.setStyleSheet(_ERROR_STYLE)

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
