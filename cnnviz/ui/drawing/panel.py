"""The input panel: draw, load or pick a picture, see what the model gets and what it says.

:class:`DrawingCanvas` lays out its parts, which live beside it in this package, wires them
together and offers the window one interface to them all: the mode selector and the brush
(:mod:`.mode_selector`, :mod:`.brush_control`), the square drawing surface, white ink on black
like MNIST (:mod:`.surface`) — or, for a colour model, ink of a chosen colour over a chosen
background (:mod:`.colour_control`, shown only then) — the picture on it and the model input made from it
(:mod:`.canvas_input`, :mod:`.model_inputs`), test samples and picture files
(:mod:`.sample_picker`, :mod:`.image_files`), the caption (:mod:`.caption`), and the model-input
preview, prediction and probability bars under the model notice (:mod:`.prediction_view`); its
parts are offered to the window, tests and scripts by :mod:`.panel_parts`.

The panel follows the model it is told about (:meth:`DrawingCanvas.set_model`): the input
has the model's ``(height, width, channels)`` (the default model's until told otherwise), the
mode and captions follow the model's training dataset, and when what is drawn does not match
what the model was trained on (shapes for a digit model, a model whose data are unknown),
a notice beside the prediction says that its answer means nothing and offers the bundled
model for the mode in one click (``sig_model_requested``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item is made)
from cnnviz.ui.drawing.brush_control import BrushControl
from cnnviz.ui.drawing.canvas_input import CanvasInput
from cnnviz.ui.drawing.caption import Caption
from cnnviz.ui.drawing.colour_control import ColourControl
from cnnviz.ui.drawing.image_files import ask_for_image_file
from cnnviz.ui.drawing.mode_selector import ModeSelector
from cnnviz.ui.drawing.model_inputs import checked_input_shape
from cnnviz.ui.drawing.modes import DATASET_MODES, MODE_KIND, MODES, class_names_for, training_of
from cnnviz.ui.drawing.panel_parts import PanelParts
from cnnviz.ui.drawing.prediction_view import PredictionView
from cnnviz.ui.drawing.sample_picker import SamplePicker
from cnnviz.ui.drawing.surface import DrawingSurface
from cnnviz.ui.layout_barrier import LayoutBarrier
from cnnviz.ui.reflow_row import ReflowRow, row

if TYPE_CHECKING:
    from cnnviz.service.payloads import ModelInfo

__all__ = ["DrawingCanvas"]


class DrawingCanvas(PanelParts, QWidget):
    """The input panel: a drawing canvas, input sources, the model input and its prediction.

    Parameters
    ----------
    parent : QWidget, optional
        Parent widget.

    Notes
    -----
    Model inputs are read-only ``(1, H, W, C)`` float32 arrays in ``[0, 1]``, NHWC, light
    ink on black (a colour model's: the canvas's colours), where ``(H, W, C)`` is the model's
    input shape (:meth:`input_shape`, the default model's until :meth:`set_model` says otherwise).  Coordinates given to
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
        # What the model was trained on: None until a model is set, then its dataset name
        # or "" when the model does not say.
        self._model_dataset: str | None = None

        self._build_controls()
        self._prediction = PredictionView(self)
        self._input = CanvasInput(self._surface, self._caption, self._samples, self)
        self._build_layout()
        self._connect()

        self._prediction.reset(self.class_names())
        self._input.show_default_caption()
        self._undo_button.setEnabled(False)
        self._update_notice()

    # --- construction ----------------------------------------------------------------

    def _build_controls(self) -> None:
        self._surface = DrawingSurface(self)

        self._mode_combo = ModeSelector(self)
        self._brush = BrushControl(self)
        self._colours = ColourControl(self)
        self._colours.hide()   # a grey model's canvas draws white on black

        self._undo_button = QPushButton("Undo", self)
        self._undo_button.setToolTip("Undo the last stroke, clear or loaded picture (Ctrl+Z).")
        self._clear_button = QPushButton("Clear", self)
        self._clear_button.setToolTip("Erase the canvas (Undo brings it back).")
        self._open_button = QPushButton("Open image…", self)
        self._open_button.setToolTip(
            "Open a picture file (PNG, JPEG, BMP, GIF, ...) of one digit or shape. Dark ink "
            "on a light background is inverted; the picture is cropped, scaled and centred."
        )

        # The style's 80 px minimum would put Open image… under them in a laptop-sized panel.
        for button in (self._undo_button, self._clear_button):
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 28)

        self._samples = SamplePicker(self)
        self._caption = Caption(self)

        self._undo_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        self._undo_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _build_layout(self) -> None:
        top_row = ReflowRow([row(self._mode_combo), row(self._brush)], spacing=8, stretches=[0, 1], parent=self)

        edit_row = ReflowRow([row(self._undo_button, self._clear_button), row(self._open_button)], parent=self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(top_row)
        layout.addWidget(self._colours)
        layout.addWidget(self._surface, 3)
        layout.addWidget(edit_row)
        layout.addWidget(self._samples)
        # A caption of fixed lines: its new text at a drawing's first stroke lays out nothing else.
        layout.addWidget(LayoutBarrier(self._caption))
        layout.addWidget(self._prediction, 2)

    def _connect(self) -> None:
        self._input.sig_input_changed.connect(self._on_input_changed)
        self._input.sig_input_cleared.connect(self._on_input_cleared)
        self._input.sig_label_changed.connect(self.sig_label_changed)
        self._input.sig_undo_available.connect(self._undo_button.setEnabled)
        self._mode_combo.sig_mode_selected.connect(self.set_mode)
        self._brush.sig_size_changed.connect(self._on_brush_size_changed)
        self._colours.sig_ink_chosen.connect(self._input.set_ink_colour)
        self._colours.sig_background_chosen.connect(self._input.set_background)
        self._undo_button.clicked.connect(self._on_undo_clicked)
        self._clear_button.clicked.connect(self._on_clear_clicked)
        self._open_button.clicked.connect(self._on_open_clicked)
        self._samples.sig_sample_requested.connect(self._on_sample_requested)
        self._samples.sig_error.connect(self._caption.show_error)
        self._undo_shortcut.activated.connect(self._on_undo_clicked)
        self._prediction.notice.sig_model_requested.connect(self._on_notice_model_requested)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(320, 640)

    # --- public API ------------------------------------------------------------------

    @property
    def brush_size(self) -> int:
        """Brush diameter in canvas pixels (``MIN_BRUSH_SIZE`` to ``MAX_BRUSH_SIZE``)."""
        return self._surface.brush_size

    @brush_size.setter
    def brush_size(self, size: int) -> None:
        self._brush.set_brush_size(size)

    def mode(self) -> str:
        """The current mode, ``"digits"``, ``"shapes"`` or ``"clothing"``."""
        return self._mode

    def set_mode(self, mode: str) -> None:
        """Switch what is drawn: ``"digits"``, ``"shapes"`` or ``"clothing"`` (its samples).

        The drawing stays and is emitted again at once (so its prediction follows without
        a new stroke); a dataset label from the other mode is dropped, the *Sample #* box
        is emptied and the probabilities are reset.  When the model was trained on
        something else, the notice beside the prediction says so.
        """
        if mode not in MODES:
            raise ValueError(
                f"mode must be one of {', '.join(map(repr, MODES))}; received {mode!r}."
            )
        if mode == self._mode:
            return
        self._mode = mode
        self._mode_combo.show_mode(mode)
        self._reset_chart()
        self._input.set_mode(mode)
        self._update_notice()
        self.sig_mode_changed.emit(mode)
        # The picture is asked about again at once: the answer (or the notice) shows without a stroke.
        if self._input.current_input() is not None:
            self._input.update_now()

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
            input_shape = checked_input_shape(input_shape)
        self._model_dataset = "" if dataset is None else str(dataset)
        wanted = DATASET_MODES.get(self._model_dataset)
        if wanted is not None and wanted != self._mode:
            self.set_mode(wanted)
        self._reset_chart()
        if input_shape is not None and input_shape != self._input.input_shape():
            self._prediction.set_input_shape(input_shape)
            self._colours.setVisible(input_shape[2] == 3)
            self._input.set_input_shape(input_shape)
        self._input.refresh_default_caption()
        self._update_notice()

    def set_model_info(self, info: ModelInfo | None) -> None:
        """:meth:`set_model` from the model service's description of its model (:func:`.modes.training_of`)."""
        if info is not None:
            self.set_model(*training_of(info))

    def model_dataset(self) -> str | None:
        """The dataset the panel was told the model learned from; "" if unknown, None if no model."""
        return self._model_dataset

    def input_shape(self) -> tuple[int, int, int]:
        """``(height, width, channels)`` of the inputs the panel makes."""
        return self._input.input_shape()

    def class_names(self) -> tuple[str, ...]:
        """The class names the bars stand for: the model's dataset's, else the mode's."""
        return class_names_for(self._mode, self._model_dataset)

    def notice(self) -> str:
        """The notice beside the prediction ("" when the model fits what is drawn)."""
        return self._prediction.notice.text()

    def offered_model(self) -> Path | None:
        """The bundled model the notice offers, or None."""
        return self._prediction.notice.offered_model()

    def current_input(self) -> np.ndarray | None:
        """The last emitted ``(1, H, W, C)`` float32 input, or None when there is none."""
        return self._input.current_input()

    def label(self) -> int | None:
        """The true class of the picture shown (a dataset sample's), or None once drawn on."""
        return self._input.label()

    def canvas_image(self) -> np.ndarray:
        """The canvas as ``(CANVAS_SIZE, CANVAS_SIZE)`` uint8 grey (a copy; 255 = white; colour by luminance)."""
        return self._input.canvas_image()

    def canvas_rgb(self) -> np.ndarray:
        """The canvas as shown, ``(CANVAS_SIZE, CANVAS_SIZE, 3)`` uint8 RGB (a copy)."""
        return self._input.canvas_rgb()

    def surface_size(self) -> QSize:
        """The drawing surface's size on screen, in widget pixels."""
        return self._surface.size()

    def stroke(self, points: list[tuple[float, float]]) -> None:
        """Draw one stroke through ``points`` (canvas ``(x, y)``), as the mouse would: :meth:`CanvasInput.stroke`."""
        self._input.stroke(points)

    def clear(self) -> None:
        """Erase the canvas (undoable); emits ``sig_input_cleared``."""
        self._input.clear()

    def undo(self) -> None:
        """Restore the canvas as it was before the last stroke, clear or loaded picture."""
        self._input.undo()

    def set_image(
        self, image: np.ndarray, label: int | None = None, preprocessed: bool = False
    ) -> None:
        """Show a picture on the canvas (scaled to fit) and emit its model input: :meth:`CanvasInput.set_image`."""
        self._input.set_image(image, label=label, preprocessed=preprocessed)

    def load_image_file(self, path: str) -> bool:
        """Open a picture file and show it like :meth:`set_image`: :meth:`CanvasInput.load_image_file`."""
        return self._input.load_image_file(path)

    def load_sample(self, index: int | None = None) -> None:
        """Show a test image of the mode's dataset and emit its label: :meth:`CanvasInput.load_sample`."""
        self._input.load_sample(index)

    def show_probabilities(
        self, probabilities: np.ndarray, class_names: tuple[str, ...] | None = None
    ) -> None:
        """Show class probabilities as bars, the most probable one highlighted.

        As :meth:`PredictionView.show_probabilities` (which says what is refused), whose
        ``default_names`` are :meth:`class_names`.
        """
        self._prediction.show_probabilities(probabilities, class_names, default_names=self.class_names())

    def clear_probabilities(self) -> None:
        """Remove the bars (the prediction no longer matches the input); the classes stay."""
        self._prediction.reset(self.chart.class_names() or self.class_names())

    def probabilities(self) -> np.ndarray | None:
        """The probabilities shown (clipped to ``[0, 1]``), or None."""
        if self.chart.highlighted() is None:
            return None
        return self.chart.bar_heights()

    def prediction_text(self) -> str:
        """The line above the chart: the most probable class and its probability."""
        return self._prediction.prediction_text()

    def show_message(self, text: str) -> None:
        """Replace the line under the canvas (e.g. to say where a loaded image came from)."""
        self._caption.show_text(text)

    def message(self) -> str:
        """The whole text of the caption under the canvas (it may be shown elided)."""
        return self._caption.full_text()

    def message_is_elided(self) -> bool:
        """True when the caption is too long for its reserved lines (its tooltip shows it all)."""
        return self._caption.is_elided()

    # --- internals -------------------------------------------------------------------

    def _reset_chart(self) -> None:
        """Empty bars for :meth:`class_names` (the model or the mode changed)."""
        self._prediction.reset(self.class_names())

    def _update_notice(self) -> None:
        """Say beside the prediction when the model was not trained on what is drawn."""
        self._prediction.notice.update_for(self._mode, self._model_dataset)

    # --- slots -----------------------------------------------------------------------

    def _on_input_changed(self, model_input: np.ndarray) -> None:
        # The inspection is asked for first: the worker computes it while the preview is drawn.
        self.sig_input_changed.emit(model_input)
        self._prediction.show_input(model_input)

    def _on_input_cleared(self) -> None:
        self._prediction.show_input(None)
        self.clear_probabilities()
        self.sig_input_cleared.emit()

    def _on_brush_size_changed(self, size: int) -> None:
        self._surface.brush_size = size

    def _on_undo_clicked(self) -> None:
        self.undo()

    def _on_clear_clicked(self) -> None:
        self.clear()

    def _on_open_clicked(self) -> None:
        path = ask_for_image_file(self, self._input.last_directory())
        if path:
            self.load_image_file(path)

    def _on_sample_requested(self, index: int | None) -> None:
        self.load_sample(index)

    def _on_notice_model_requested(self, path: str) -> None:
        self._caption.show_text(f"Opening the bundled {MODE_KIND[self._mode]} model ({Path(path).name})…")
        # Only until the model arrives: then the caption describes the input again.
        self._caption.mark_default()
        self.sig_model_requested.emit(path)
