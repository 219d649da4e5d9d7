"""The model-input preview of the input panel: what the model receives, each pixel a crisp block."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QWidget

from cnnviz.ui.drawing.model_inputs import DEFAULT_INPUT_SHAPE, shape_text
from cnnviz.ui.images import picture_qimage

__all__ = ["InputPreview", "PREVIEW_SIDE"]

#: The model input preview is drawn in a square of this many screen pixels (plus a 1 px frame),
#: whatever the input's size: about a fifth of a laptop panel's width, where a 28×28 input is
#: still four screen pixels a pixel and a 96×96 one more than one.
PREVIEW_SIDE = 112


class InputPreview(QWidget):
    """The model input, each pixel a crisp block, in a square of fixed size; grey or in colour.

    The widget keeps its size whatever the input's, so the panel never changes shape when
    a model with another input size is opened.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._levels = np.zeros(DEFAULT_INPUT_SHAPE, np.float32)
        self._image = picture_qimage(self._levels)
        self.setFixedSize(PREVIEW_SIDE + 2, PREVIEW_SIDE + 2)
        self.set_input_shape(DEFAULT_INPUT_SHAPE)

    @property
    def pixels(self) -> np.ndarray:
        """The shown input as ``(height, width)`` uint8 grey levels (a copy; colour by its channels' mean)."""
        return np.round(np.clip(self._levels.mean(axis=-1), 0.0, 1.0) * 255.0).astype(np.uint8)

    @property
    def colour_pixels(self) -> np.ndarray:
        """The shown input as ``(height, width, channels)`` uint8 levels (a copy; colour as it is)."""
        return np.round(np.clip(self._levels, 0.0, 1.0) * 255.0).astype(np.uint8)

    def set_input_shape(self, input_shape: tuple[int, int, int]) -> None:
        """Show a black input of ``(height, width, channels)`` until the next input."""
        height, width, channels = input_shape
        colour = " in colour (R, G, B)" if channels == 3 else ""
        self.setToolTip(
            f"What the model receives: {shape_text(input_shape)} levels in [0, 1] (black 0, "
            f"white 1){colour}."
        )
        self._levels = np.zeros((height, width, channels), np.float32)
        self._image = picture_qimage(self._levels)
        self.update()

    def show_input(self, model_input: np.ndarray | None) -> None:
        """Show a ``(1, H, W, C)`` input in ``[0, 1]`` (C = 1 grey, 3 colour), or black for None."""
        if model_input is None:
            self._levels = np.zeros_like(self._levels)
        else:
            self._levels = np.asarray(model_input, np.float32)[0].copy()
        self._image = picture_qimage(self._levels if self._levels.shape[-1] in (1, 3)
                                     else self._levels.mean(axis=-1))
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setPen(QPen(self.palette().mid().color(), 1.0))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        height, width = self._levels.shape[:2]
        scale = PREVIEW_SIDE / max(height, width)
        target = QRectF(1 + (PREVIEW_SIDE - width * scale) / 2, 1 + (PREVIEW_SIDE - height * scale) / 2,
                        width * scale, height * scale)
        # Nearest-neighbour scaling: each model pixel stays a crisp block.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, self._image)
        painter.end()
