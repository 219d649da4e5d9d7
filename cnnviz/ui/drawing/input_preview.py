"""The model-input preview of the input panel: what the model receives, each pixel a crisp block."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QWidget

from cnnviz.ui.drawing.model_inputs import DEFAULT_INPUT_SHAPE, INPUT_SIZE, gray_image, shape_text

__all__ = ["InputPreview", "PREVIEW_SIDE"]

#: The model input preview is drawn in a square of this many pixels (plus a 1 px frame).
PREVIEW_SIDE = INPUT_SIZE * 4


class InputPreview(QWidget):
    """The model input, each pixel a crisp block, in a square of fixed size.

    The widget keeps its size whatever the input's, so the panel never changes shape when
    a model with another input size is opened.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixels = np.zeros(DEFAULT_INPUT_SHAPE[:2], np.uint8)
        self._image = gray_image(self._pixels)
        self.setFixedSize(PREVIEW_SIDE + 2, PREVIEW_SIDE + 2)
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
            f"What the model receives: {shape_text(input_shape)} levels in [0, 1] (black 0, "
            f"white 1){colour}."
        )
        self._pixels = np.zeros((height, width), np.uint8)
        self._image = gray_image(self._pixels)
        self.update()

    def show_input(self, model_input: np.ndarray | None) -> None:
        """Show a ``(1, H, W, C)`` input in ``[0, 1]``, or black for None."""
        if model_input is None:
            self._pixels = np.zeros_like(self._pixels)
        else:
            plane = np.asarray(model_input, np.float32)[0].mean(axis=-1)
            self._pixels = np.round(np.clip(plane, 0.0, 1.0) * 255.0).astype(np.uint8)
        self._image = gray_image(self._pixels)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setPen(QPen(self.palette().mid().color(), 1.0))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        height, width = self._pixels.shape
        scale = PREVIEW_SIDE / max(height, width)
        target = QRectF(1 + (PREVIEW_SIDE - width * scale) / 2, 1 + (PREVIEW_SIDE - height * scale) / 2,
                        width * scale, height * scale)
        # Nearest-neighbour scaling: each model pixel stays a crisp block.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, self._image)
        painter.end()
