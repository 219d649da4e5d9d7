"""Shared by the input panel's tests: strokes, drags, mode choices, pictures and label geometry."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QMouseEvent, QPainter, QPen, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication

from cnnviz.ui.drawing.probability_chart import VERTICAL

#: A stroke shaped like a 7, in canvas pixels.
SEVEN = [(80, 70), (200, 70), (170, 150), (140, 220)]
SIGNAL_TIMEOUT_MS = 2000


def draw(qtbot, canvas, points):
    """Draw a stroke and wait for the debounced input."""
    with qtbot.waitSignal(canvas.sig_input_changed, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        canvas.stroke(points)
    return blocker.args[0]


def centre_of_mass(model_input):
    plane = np.asarray(model_input)[0, :, :, 0].astype(np.float64)
    rows, columns = np.indices(plane.shape)
    total = plane.sum()
    return (rows * plane).sum() / total, (columns * plane).sum() / total


def send_mouse(widget, kind, position, button, buttons):
    event = QMouseEvent(kind, QPointF(position), widget.mapToGlobal(QPointF(position)),
                        button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def send_tablet(widget, kind, position, pressure):
    device = QPointingDevice.primaryPointingDevice()
    event = QTabletEvent(kind, device, QPointF(position), widget.mapToGlobal(QPointF(position)),
                         pressure, 0.0, 0.0, 0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier,
                         Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton)
    QApplication.sendEvent(widget, event)
    return event


def write_digit_png(path, size=(200, 150)):
    """A dark '1'-like bar with a foot, on a white background, off centre."""
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(20, 20, 20), 9, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.drawLine(40, 20, 40, 120)
    painter.drawLine(40, 20, 25, 40)
    painter.drawLine(25, 120, 55, 120)
    painter.end()
    assert image.save(str(path))


def choose_mode_with_keys(qtbot, canvas, mode):
    """Give the mode combo the focus and press Down or Up until it shows ``mode``."""
    combo = canvas.mode_combo
    combo.setFocus()
    target = combo.findData(mode)
    assert target >= 0
    while combo.currentIndex() != target:
        key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)
    assert canvas.mode() == mode


def drag(qtbot, widget, points):
    """Press the left button at the first point, move through the rest, release at the last."""
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(*points[0]))
    for point in points[1:]:
        qtbot.mouseMove(widget, QPoint(*point))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(*points[-1]))


def circle_points(centre=(140, 140), radius=90, count=40):
    angles = np.linspace(0.0, 2.0 * np.pi, count)
    return [(int(centre[0] + radius * np.cos(angle)), int(centre[1] + radius * np.sin(angle)))
            for angle in angles]


def label_extents(chart):
    """Pixel extents of the class labels along the class axis, in axis order."""
    metrics = QFontMetrics(chart.label_font())
    view = chart.plot_widget().getPlotItem().getViewBox()
    extents = []
    for index, text in chart.tick_labels():
        if chart.orientation() == VERTICAL:
            centre = view.mapViewToScene(QPointF(index, 0.5)).x()
            half = metrics.horizontalAdvance(text) / 2
        else:
            centre = view.mapViewToScene(QPointF(0.5, index)).y()
            half = metrics.height() / 2
        extents.append((centre - half, centre + half))
    return sorted(extents)
