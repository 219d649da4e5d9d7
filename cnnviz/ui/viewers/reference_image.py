"""The reference image that a filter grid shows beside its maps (the network's input).

:class:`ReferenceImage` is a small titled image in a pyqtgraph layout (:attr:`ReferenceImage.layout`)
that the grid adds to its view or takes out of it; it answers which of its pixels lies under a
point of the scene, so that the grid's status line can read the input too.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QGraphicsRectItem

from cnnviz.ui.viewers.colour_maps import get_colormap
from cnnviz.ui.viewers.grid_cells import make_image_view

MAXIMUM_SIDE = 144
"""Pixels of the image's longer side, at most."""


class ReferenceImage:
    """A titled image, grey or colour, at most :data:`MAXIMUM_SIDE` pixels wide, updated in place."""

    def __init__(self):
        self.layout = pg.GraphicsLayout()
        """The layout holding the title and the image."""
        self.layout.setContentsMargins(0, 0, 6, 0)
        self._label = pg.LabelItem("", size="9pt", bold=True, color="#222")
        self.layout.addItem(self._label, row=0, col=0)
        self._view, self._item = make_image_view(self.layout, 1, 0)
        self._item.setColorMap(get_colormap("gray"))
        self.layout.setMaximumWidth(150)
        self.layout.setMinimumWidth(90)
        self._view.setMaximumSize(MAXIMUM_SIDE, MAXIMUM_SIDE)
        self._image: np.ndarray | None = None
        self._outline = QGraphicsRectItem()
        self._outline.setPen(pg.mkPen("#d62728", width=2, cosmetic=True))
        self._outline.setZValue(10)
        self._outline.hide()
        self._view.addItem(self._outline)

    def set_image(self, image: np.ndarray, title: str) -> bool:
        """Show ``image`` (shape (h, w) grey, or (h, w, 3) RGB; float32) titled ``title``; whether its
        shape changed.

        A grey image's scale runs over its own finite range; a colour one is shown as it is (0 .. 1
        in every channel, or its own range when it leaves that), so its colours are the input's.
        """
        previous = self._image
        self._image = image
        finite = image[np.isfinite(image)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if image.ndim == 3:
            low, high = min(low, 0.0), max(high, 1.0)
        if high <= low:
            high = low + 1.0
        self._item.setImage(image, autoLevels=False, levels=(low, high))
        if self._label.text != title:   # setting a label's text lays it out anew, on every update otherwise
            self._label.setText(title)
        reshaped = previous is None or previous.shape != image.shape
        if reshaped:
            self._view.setMaximumSize(MAXIMUM_SIDE, MAXIMUM_SIDE * image.shape[0] / image.shape[1])
            self._view.setRange(xRange=(0, image.shape[1]), yRange=(0, image.shape[0]), padding=0)
        return reshaped

    def set_outline(self, bounds: tuple[int, int, int, int] | None) -> None:
        """Outline the pixels ``(top, bottom, left, right)`` (inclusive), e.g. a unit's receptive
        field; None takes the outline away."""
        if bounds is None:
            self._outline.hide()
            return
        top, bottom, left, right = bounds
        self._outline.setRect(QRectF(left, top, right - left + 1, bottom - top + 1))
        self._outline.show()

    def outline(self) -> tuple[int, int, int, int] | None:
        """The outlined pixels ``(top, bottom, left, right)``, or None."""
        if not self._outline.isVisible():
            return None
        rectangle = self._outline.rect()
        return (round(rectangle.top()), round(rectangle.bottom()) - 1, round(rectangle.left()),
                round(rectangle.right()) - 1)

    def clear(self) -> None:
        """Forget the image (the grid takes the layout out of its view)."""
        self._image = None

    def image(self) -> np.ndarray | None:
        """The image shown, or None."""
        return self._image

    def title(self) -> str:
        """The image's title, e.g. ``"Input"``."""
        return self._label.text

    def pixel_at(self, scene_position: QPointF) -> tuple[int, int] | None:
        """``(row, col)`` of the image's pixel at a position in the scene, or None."""
        if self._image is None or not self._view.sceneBoundingRect().contains(scene_position):
            return None
        point = self._view.mapSceneToView(scene_position)
        row, col = math.floor(point.y()), math.floor(point.x())
        height, width = self._image.shape[:2]
        return (row, col) if 0 <= row < height and 0 <= col < width else None
