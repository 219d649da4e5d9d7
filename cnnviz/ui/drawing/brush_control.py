"""The brush size control of the input panel: *Brush*, a slider and the size in pixels."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from cnnviz.core.checks import is_int
from cnnviz.ui.drawing.surface import CANVAS_SIZE, DEFAULT_BRUSH_SIZE

__all__ = ["BrushControl", "MIN_BRUSH_SIZE", "MAX_BRUSH_SIZE"]

MIN_BRUSH_SIZE = 2
MAX_BRUSH_SIZE = 60
MIN_SLIDER_WIDTH = 100
"""Pixels the slider keeps however narrow the panel: a step of the size about every 2 px."""


class BrushControl(QWidget):
    """*Brush*, a slider from :data:`MIN_BRUSH_SIZE` to :data:`MAX_BRUSH_SIZE` canvas pixels, the size.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_size_changed = Signal(int)
    """The brush diameter changed: the new size in canvas pixels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._slider = QSlider(Qt.Orientation.Horizontal, self)
        self._slider.setRange(MIN_BRUSH_SIZE, MAX_BRUSH_SIZE)
        self._slider.setValue(DEFAULT_BRUSH_SIZE)
        # Room to drag: in a narrow input panel the row puts the brush on a line of its own rather than
        # squeeze the slider to its handle (one pixel of a handle-wide track was about 30 px of brush).
        self._slider.setMinimumWidth(MIN_SLIDER_WIDTH)
        self._slider.setToolTip(
            f"Brush diameter in canvas pixels (the canvas is {CANVAS_SIZE} px wide). The "
            f"drawing is scaled so its longer side fills 20/28 of the model input's shorter "
            f"side (20 of MNIST's 28 pixels), so strokes of about {DEFAULT_BRUSH_SIZE} px look "
            f"most like MNIST."
        )
        self._value = QLabel(self)
        self._value.setMinimumWidth(self.fontMetrics().horizontalAdvance("60 px") + 4)
        self._value.setToolTip(self._slider.toolTip())
        title = QLabel("Brush", self)
        title.setBuddy(self._slider)
        title.setToolTip(self._slider.toolTip())

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self._slider, 1)
        layout.addWidget(self._value)
        self._value.setText(f"{DEFAULT_BRUSH_SIZE} px")
        self._slider.valueChanged.connect(self._on_slider_moved)

    def brush_size(self) -> int:
        """The brush diameter in canvas pixels."""
        return self._slider.value()

    def set_brush_size(self, size: int) -> None:
        """Move the slider to ``size`` canvas pixels.

        Raises
        ------
        ValueError
            If ``size`` is not a whole number from :data:`MIN_BRUSH_SIZE` to :data:`MAX_BRUSH_SIZE`.
        """
        if not is_int(size):
            raise ValueError(
                f"brush_size must be a whole number of canvas pixels; received {size!r}."
            )
        if not MIN_BRUSH_SIZE <= size <= MAX_BRUSH_SIZE:
            raise ValueError(
                f"brush_size must lie from {MIN_BRUSH_SIZE} to {MAX_BRUSH_SIZE} canvas "
                f"pixels; received {size}. The default is {DEFAULT_BRUSH_SIZE}."
            )
        self._slider.setValue(int(size))

    def size_text(self) -> str:
        """The size as shown beside the slider (``"20 px"``)."""
        return self._value.text()

    @property
    def slider(self) -> QSlider:
        """The slider (drag it, or press the arrow keys on it, to change the size)."""
        return self._slider

    def _on_slider_moved(self, value: int) -> None:
        self._value.setText(f"{value} px")
        self.sig_size_changed.emit(value)
