"""The picture on the input panel's canvas, what it stands for, and the model input made from it.

:class:`CanvasInput` keeps the state behind the drawing surface: whether the canvas holds the
user's drawing or a framed picture (a dataset sample, with its true label), the undo history,
and the model input. Pictures come from strokes, from files and from the test split.

A drawn or opened picture is turned into a model input by
:func:`cnnviz.core.preprocessing.preprocess_image` (cropped, scaled to 20/28 of the input's
shorter side, centred by its centre of mass). For a colour model the canvas is in colour (ink of
a chosen colour over a chosen background, :mod:`.colour_layers`), opened colour pictures keep
their colours on it, and the whole canvas as shown is scaled to the input
(:func:`.model_inputs.colour_drawn_input`).  Dataset samples are already framed, so they
are only scaled to ``[0, 1]`` (and resized when the model takes another size).  While the
user draws, the input is recomputed at once from the first change after a pause, then
:data:`DEBOUNCE_MS` after the last change and at least every :data:`MAX_WAIT_MS` while changes keep
coming, and is announced with :attr:`CanvasInput.sig_input_changed`. The caption's default text
depends on this state, so it is written here too.
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QElapsedTimer, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor

from cnnviz.core.checks import is_int
from cnnviz.core.preprocessing import EmptyImageError
from cnnviz.ui.drawing.caption import Caption
from cnnviz.ui.drawing.image_files import ImageFileError, read_image
from cnnviz.ui.drawing.model_inputs import (
    DEFAULT_INPUT_SHAPE,
    colour_drawn_input,
    colour_note,
    dataset_input,
    drawn_input,
    fitted_canvas,
    fitted_colour_canvas,
    ink_box,
    is_colour_picture,
    light_on_dark,
    over_black,
    refitted_input,
    shape_text,
)
from cnnviz.ui.drawing.modes import DRAWN_MESSAGES, EMPTY_MESSAGES
from cnnviz.ui.drawing.sample_picker import SamplePicker
from cnnviz.ui.drawing.surface import DrawingSurface
from cnnviz.ui.drawing.undo_history import Snapshot, UndoHistory
from cnnviz.ui.images import gray_array, qimage_to_array

__all__ = ["CanvasInput", "DEBOUNCE_MS", "MAX_WAIT_MS"]

#: The input is made at once from the first change after this many quiet milliseconds; while
#: changes keep coming, this many milliseconds after the last one ...
DEBOUNCE_MS = 40
#: ... and at least this often: once a frame at 60 Hz, so the viewers follow a pen that keeps
#: moving. Never faster, and never a queue: the model service answers only the newest request.
MAX_WAIT_MS = 16


class CanvasInput(QObject):
    """The drawing surface's picture and the model input made from it.

    Parameters
    ----------
    surface : DrawingSurface
        The canvas whose strokes it follows and whose pixels it replaces.
    caption : Caption
        The caption it writes into: the default text, where a picture came from, errors.
    samples : SamplePicker
        Where test images come from.
    parent : QObject, optional
    """

    sig_input_changed = Signal(object)
    """The model input changed: a read-only ``(1, H, W, C)`` float32 array in ``[0, 1]``."""
    sig_input_cleared = Signal()
    """The canvas holds no ink, so there is no model input (the caption says how to start)."""
    sig_label_changed = Signal(object)
    """The true label of the picture: an int for a dataset sample, None once drawn on."""
    sig_undo_available = Signal(bool)
    """Whether :meth:`undo` has something to take back, after each change of the history."""
    _sig_leading_update = Signal()
    """Posted when the pen starts after a pause; handled at the next turn of the event loop."""

    def __init__(self, surface: DrawingSurface, caption: Caption, samples: SamplePicker,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._surface = surface
        self._caption = caption
        self._samples = samples
        self._last_directory = ""
        self._mode = "digits"
        self._undo_history = UndoHistory()
        self._current_input: np.ndarray | None = None
        self._direct_input: np.ndarray | None = None
        self._label: int | None = None
        self._input_shape: tuple[int, int, int] = DEFAULT_INPUT_SHAPE

        self._update_timer = QTimer(self)
        self._update_timer.setSingleShot(True)
        self._update_timer.timeout.connect(self._on_update_timer)
        # A queued call, not a zero timer: it runs before the canvas's own repaint (a low-priority
        # event), so the worker inspects the new input while the canvas is painted.
        self._sig_leading_update.connect(self._on_leading_update, Qt.ConnectionType.QueuedConnection)
        self._pending_since = QElapsedTimer()
        self._last_change = QElapsedTimer()   # since the picture last changed
        self._last_update = QElapsedTimer()   # since an input was last made from it
        self._leading_update = False          # an update is due at once (the pen started after a pause)

        surface.sig_stroke_started.connect(self._on_stroke_started)
        surface.sig_pixels_changed.connect(self._on_pixels_changed)
        surface.sig_stroke_finished.connect(self._on_stroke_finished)

    # --- state ----------------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        """Draw ``mode``'s pictures: a sample's label is dropped, the default caption follows."""
        self._mode = mode
        self._samples.set_mode(mode)
        self._set_label(None)
        self.refresh_default_caption()

    def input_shape(self) -> tuple[int, int, int]:
        """``(height, width, channels)`` of the inputs made."""
        return self._input_shape

    def set_input_shape(self, input_shape: tuple[int, int, int]) -> None:
        """Make inputs of ``input_shape`` from now on; the picture shown is made into one again.

        Three channels turn the canvas to colour (the picture is kept, white ink over the
        background); one turns it back to grey (the picture's luminance over the background).
        """
        self._input_shape = input_shape
        self._surface.set_colour(input_shape[2] == 3)
        if self._current_input is not None or self._direct_input is not None:
            self.update_now(message=self._caption.kept_text())

    def current_input(self) -> np.ndarray | None:
        """The last emitted ``(1, H, W, C)`` float32 input, or None when there is none."""
        return self._current_input

    def label(self) -> int | None:
        """The true class of the picture (a dataset sample's), or None for a drawing."""
        return self._label

    def canvas_image(self) -> np.ndarray:
        """The canvas as ``(CANVAS_SIZE, CANVAS_SIZE)`` uint8 grey (a copy; 255 = white; a colour
        canvas as shown, by BT.601 luminance)."""
        if not self._surface.is_colour():
            return gray_array(self._surface.image)
        rgb = self._surface.composite_rgb().astype(np.float32)
        return np.round(rgb @ np.array([0.299, 0.587, 0.114], np.float32)).astype(np.uint8)

    def canvas_rgb(self) -> np.ndarray:
        """The canvas as shown, ``(CANVAS_SIZE, CANVAS_SIZE, 3)`` uint8 RGB (a copy)."""
        return self._surface.composite_rgb()

    def set_ink_colour(self, colour: QColor) -> None:
        """Draw the next strokes of a colour canvas in ``colour``."""
        self._surface.set_ink_colour(colour)

    def set_background(self, colour: QColor) -> None:
        """Show a colour canvas over ``colour``; a drawing on it is made into an input again."""
        self._surface.set_background(colour)
        if self._surface.is_colour() and self._direct_input is None and self._current_input is not None:
            self.update_now(message=self._caption.kept_text())

    def undo_steps(self) -> int:
        """How many strokes, clears and loaded pictures :meth:`undo` can take back."""
        return len(self._undo_history)

    def last_directory(self) -> str:
        """The folder of the last picture file opened ("" before the first)."""
        return self._last_directory

    def update_pending(self) -> bool:
        """True while a change waits for its debounced input update."""
        return self._leading_update or self._update_timer.isActive()

    # --- changes ----------------------------------------------------------------------------

    def stroke(self, points: list[tuple[float, float]]) -> None:
        """Draw one stroke through ``points`` with the brush, as the mouse would.

        Parameters
        ----------
        points : list of (float, float)
            Canvas ``(x, y)`` coordinates, at least one; one point paints a single round dot.

        Raises
        ------
        ValueError
            If ``points`` is empty.
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
        """Erase the canvas (undoable); emits :attr:`sig_input_cleared`."""
        self._surface.end_stroke()
        if self._surface.has_ink() or self._direct_input is not None:
            self._push_undo()
        self._surface.replace_image(self._surface.blank_image())
        self._direct_input = None
        self._set_label(None)
        self.update_now()

    def undo(self) -> None:
        """Restore the picture, its label and caption as they were before the last change."""
        self._surface.end_stroke()
        snapshot = self._undo_history.pop()
        if snapshot is None:
            return
        self._surface.replace_image(snapshot.image)
        self._direct_input = snapshot.direct_input
        self._set_label(snapshot.label)
        self.update_now(message=snapshot.message)
        self.sig_undo_available.emit(bool(len(self._undo_history)))

    def set_image(self, image: np.ndarray, label: int | None = None, preprocessed: bool = False) -> None:
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
            The picture's true class, emitted with :attr:`sig_label_changed`.
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
        direct_input = dataset_input(image, self._input_shape) if preprocessed else None
        colour = self._surface.is_colour()
        if direct_input is not None:
            canvas = (fitted_colour_canvas(direct_input[0]) if colour else
                      fitted_canvas(np.round(direct_input[0].mean(axis=-1) * 255.0).astype(np.uint8)))
        elif colour and is_colour_picture(image):
            canvas = fitted_colour_canvas(over_black(np.asarray(image)))
        else:
            canvas = fitted_canvas(light_on_dark(image))
        self._surface.end_stroke()
        self._push_undo()
        self._surface.replace_image(canvas)
        self._direct_input = direct_input
        self._set_label(label, always_emit=True)
        self.update_now()

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
        try:
            image = read_image(path)
        except ImageFileError as error:
            self._caption.show_error(str(error))
            return False
        self._last_directory = os.path.dirname(os.path.abspath(path))
        try:
            picture = qimage_to_array(image)
            self.set_image(picture)
        except ValueError as error:
            self._caption.show_error(f"Could not use {name}: {error}")
            return False
        if self._current_input is not None:
            framing = ("scaled to fit, colours kept" if self._surface.is_colour()
                       else "cropped, scaled and centred")
            self._caption.show_text(
                f"Opened {name} ({image.width()}×{image.height()} px), {framing}"
                f"{colour_note(picture, self._input_shape)}."
            )
        else:
            self._caption.show_text(f"{name} looks blank: no ink stands out from its background.")
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
        sample = self._samples.sample(index, self._input_shape)
        if sample is None:
            return
        self.set_image(sample.image, label=sample.label, preprocessed=True)
        self._samples.show_index(sample.index)
        self._caption.show_text(sample.message)

    def update_now(self, message: str | None = None) -> None:
        """Make the model input from the picture now and emit it (or that there is none).

        Parameters
        ----------
        message : str, optional
            The caption to show with it; None writes the default one for the new state.
        """
        self._update_timer.stop()
        self._leading_update = False
        try:
            self._update_input(message)
        finally:
            self._last_update.start()

    def _update_input(self, message: str | None) -> None:
        if self._direct_input is not None:
            if self._direct_input.shape[1:] != self._input_shape:
                self._direct_input = refitted_input(self._direct_input, self._input_shape)
            self._emit_input(self._direct_input, message)
            if message is None:
                self.show_default_caption()   # it depends on the input just set
            return
        try:
            if self._surface.is_colour():
                if not self._surface.has_ink():
                    raise EmptyImageError("The colour canvas holds no ink.")
                model_input = colour_drawn_input(self.canvas_rgb(), self._input_shape, self._surface.background())
            else:
                model_input = drawn_input(self.canvas_image(), self._input_shape)
        except EmptyImageError:
            self._current_input = None
            self.show_default_caption()
            self.sig_input_cleared.emit()
            return
        # The input goes out before the caption is written: the inspection asked for on it runs on the
        # worker meanwhile.
        self._emit_input(model_input, message)
        if message is None:
            self.show_default_caption()   # it depends on the input just set

    # --- the caption ------------------------------------------------------------------------

    def default_caption(self) -> str:
        """The caption for the current state: how to start, or how the picture was framed."""
        if self._current_input is None:
            return EMPTY_MESSAGES[self._mode]
        if self._direct_input is not None:
            return f"A framed picture, shown as the model's {shape_text(self._input_shape)} input."
        if self._surface.is_colour():
            return (f"Your colour drawing: the whole canvas, colours kept, scaled to the model's "
                    f"{shape_text(self._input_shape)} input.")
        return DRAWN_MESSAGES[self._mode].format(box=ink_box(self._input_shape),
                                                 size=shape_text(self._input_shape))

    def show_default_caption(self) -> None:
        """Write :meth:`default_caption` into the caption."""
        self._caption.show_default(self.default_caption())

    def refresh_default_caption(self) -> None:
        """Write the default caption anew if it is shown (the mode or the model changed)."""
        if self._caption.is_default():
            self.show_default_caption()

    # --- internals --------------------------------------------------------------------------

    def _emit_input(self, model_input: np.ndarray, message: str | None) -> None:
        self._current_input = model_input
        if message is not None:
            self._caption.show_text(message)
        self.sig_input_changed.emit(model_input)

    def _push_undo(self) -> None:
        self._undo_history.push(Snapshot(
            image=self._surface.image.copy(),
            direct_input=self._direct_input,
            label=self._label,
            message=self._caption.kept_text(),
        ))
        self.sig_undo_available.emit(True)

    def _set_label(self, label: int | None, always_emit: bool = False) -> None:
        if label == self._label and not always_emit:
            return
        self._label = label
        self.sig_label_changed.emit(label)

    # --- slots ------------------------------------------------------------------------------

    def _on_stroke_started(self) -> None:
        self._push_undo()
        # Drawing makes the picture the user's own: a dataset label no longer applies.
        self._direct_input = None
        self._set_label(None)

    def _on_pixels_changed(self) -> None:
        """Schedule an update: at once (the next turn of the event loop) when the pen starts after a
        pause, so the viewers follow it within a frame; while changes keep coming, ``DEBOUNCE_MS``
        after the last one and within ``MAX_WAIT_MS``, so a quick series of strokes makes a few
        inputs, not one each."""
        quiet = all(not clock.isValid() or clock.elapsed() >= DEBOUNCE_MS
                    for clock in (self._last_change, self._last_update))
        self._last_change.start()
        if self._leading_update:
            return   # an update is due at once: it reads the newest pixels
        if quiet and not self._update_timer.isActive():
            self._leading_update = True
            self._sig_leading_update.emit()
            return
        if not self._update_timer.isActive():
            self._pending_since.start()
        remaining = MAX_WAIT_MS - self._pending_since.elapsed()
        self._update_timer.start(int(max(0, min(DEBOUNCE_MS, remaining))))

    def _on_stroke_finished(self) -> None:
        self.sig_undo_available.emit(bool(len(self._undo_history)))

    def _on_update_timer(self) -> None:
        self.update_now()

    def _on_leading_update(self) -> None:
        if self._leading_update:   # not made meanwhile by update_now
            self.update_now()
