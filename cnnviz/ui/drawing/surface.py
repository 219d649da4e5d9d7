"""The drawing surface of the input panel: a square grey picture painted with mouse or pen.

:class:`DrawingSurface` holds a ``CANVAS_SIZE`` square ``Grayscale8`` QImage (white ink on
black, like MNIST) and paints it scaled to the largest centred square of the widget. Mouse
drags and tablet pens (pressure sets the width, the eraser end erases) draw round-capped
strokes; :class:`cnnviz.ui.drawing.panel.DrawingCanvas` turns the pixels into model inputs.

For a colour model (:meth:`DrawingSurface.set_colour`) the surface holds instead a transparent
ink layer painted in the chosen ink colour over a background colour (:mod:`.colour_layers`);
the eraser clears the layer, so the background shows again. A grey model's canvas is unchanged.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QImage, QPainter, QPen, QPixmap, QPointingDevice
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnnviz.ui.drawing.colour_layers import (
    INK_FORMAT,
    alpha_array,
    blank_ink_layer,
    composite,
    composite_rgb,
    ink_layer_from_grey,
    ink_layer_from_rgb,
)
from cnnviz.ui.images import gray_array

__all__ = ["DrawingSurface", "CANVAS_SIZE", "DEFAULT_BRUSH_SIZE"]

#: Side of the drawing in canvas pixels; stroke coordinates and brush sizes use it.
CANVAS_SIZE = 280
#: Brush diameter in canvas pixels until the user changes it.
DEFAULT_BRUSH_SIZE = 20


class DrawingSurface(QWidget):
    """The square canvas: a ``CANVAS_SIZE`` grey QImage, painted scaled to the widget.

    Mouse, pen and :meth:`cnnviz.ui.drawing.panel.DrawingCanvas.stroke` all go through :meth:`begin_stroke`,
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
        self._colour = False
        self._ink_colour = QColor("white")
        self._background = QColor("black")
        self.setMinimumSize(160, 160)
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
        """Show ``image`` (``CANVAS_SIZE`` square), ending any stroke.

        A grey canvas takes a ``Grayscale8`` picture (a colour one is composited over the
        background and turned grey); a colour canvas takes an ink layer, and a grey picture
        becomes white ink whose opacity is its grey level.
        """
        if self._colour and image.format() != INK_FORMAT:
            image = (ink_layer_from_grey(image) if image.format() == QImage.Format.Format_Grayscale8
                     else ink_layer_from_rgb(image))
        elif not self._colour and image.format() != QImage.Format.Format_Grayscale8:
            image = composite(image, self._background).convertToFormat(QImage.Format.Format_Grayscale8)
        self._image = image
        self._last_point = None
        self.update()

    def blank_image(self) -> QImage:
        """An empty canvas of the surface's kind: black grey, or a transparent ink layer."""
        if self._colour:
            return blank_ink_layer(CANVAS_SIZE)
        blank = QImage(CANVAS_SIZE, CANVAS_SIZE, QImage.Format.Format_Grayscale8)
        blank.fill(0)
        return blank

    # --- colour ------------------------------------------------------------------------

    def is_colour(self) -> bool:
        """Whether the canvas draws in colour (an ink layer over a background) for a colour model."""
        return self._colour

    def set_colour(self, colour: bool) -> None:
        """Draw in colour (True) or grey (False); the picture shown is converted, not lost."""
        if colour == self._colour:
            return
        image = self._image
        self._colour = bool(colour)
        self.replace_image(image)

    def ink_colour(self) -> QColor:
        """The colour strokes are drawn in on a colour canvas (white until chosen)."""
        return QColor(self._ink_colour)

    def set_ink_colour(self, colour: QColor) -> None:
        """Draw the next strokes of a colour canvas in ``colour`` (a grey canvas draws white)."""
        self._ink_colour = QColor(colour)

    def background(self) -> QColor:
        """The colour canvas's background (black until chosen)."""
        return QColor(self._background)

    def set_background(self, colour: QColor) -> None:
        """Show a colour canvas's strokes over ``colour`` (the strokes are kept)."""
        self._background = QColor(colour)
        self.update()

    def has_ink(self) -> bool:
        """Whether anything is drawn: a grey pixel above black, or an ink-layer pixel not transparent."""
        if self._colour:
            return bool(alpha_array(self._image).any())
        return bool(gray_array(self._image).any())

    def composite_rgb(self):
        """The picture as shown, ``(CANVAS_SIZE, CANVAS_SIZE, 3)`` uint8 RGB (ink over the background)."""
        if self._colour:
            return composite_rgb(self._image, self._background)
        return composite_rgb(self._image.convertToFormat(INK_FORMAT), QColor("black"))

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
        if self._colour:
            colour = self._ink_colour
            if self._erasing:
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        else:
            colour = Qt.GlobalColor.black if self._erasing else Qt.GlobalColor.white
        pen = QPen(colour, max(1.0, float(width)), Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if start == end:
            painter.drawPoint(start)
        else:
            painter.drawLine(start, end)
        painter.end()
        self.update(self._widget_rect(start, end, width))   # only what the segment covers
        self.sig_pixels_changed.emit()

    def _widget_rect(self, start: QPointF, end: QPointF, width: float) -> QRect:
        """The widget pixels showing the canvas around a segment from ``start`` to ``end`` drawn
        ``width`` wide (with a margin for antialiasing and smooth scaling)."""
        target = self._target_rect()
        scale = target.width() / CANVAS_SIZE
        reach = max(1.0, float(width)) / 2 + 2
        left, right = min(start.x(), end.x()) - reach, max(start.x(), end.x()) + reach
        top, bottom = min(start.y(), end.y()) - reach, max(start.y(), end.y()) + reach
        return QRectF(target.left() + left * scale, target.top() + top * scale,
                      (right - left) * scale, (bottom - top) * scale).toAlignedRect().adjusted(-2, -2, 2, 2)

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
        if self._colour:
            painter.fillRect(target, self._background)
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
