"""The legend strip's samples show each curve's own line and markers, before the curve has data too."""

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter

from cnnviz.ui.plots.legend_strip import LegendStrip

BLUE = "#1f77b4"


def sample_image(item) -> QImage:
    """The legend entry of ``item`` painted alone on white."""
    plot = pg.PlotItem()
    plot.addItem(item)
    legend = LegendStrip.below(plot)
    legend.addItem(item, "curve")
    sample = legend.items[0][0]
    image = QImage(20, 14, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    sample.paint(painter)
    painter.end()
    return image


@pytest.mark.parametrize("with_data", [False, True])
def test_a_hollow_marker_is_hollow_and_a_filled_one_filled_in_the_legend(qtbot, with_data):
    hollow = pg.PlotDataItem(pen=pg.mkPen(BLUE, style=Qt.PenStyle.DashLine), symbol="s", symbolSize=9,
                             symbolBrush=pg.mkBrush("w"), symbolPen=pg.mkPen(BLUE, width=1.5))
    filled = pg.PlotDataItem(pen=pg.mkPen(BLUE), symbol="o", symbolSize=9, symbolBrush=pg.mkBrush(BLUE),
                             symbolPen=pg.mkPen(BLUE))
    if with_data:
        hollow.setData([1.0, 2.0], [0.5, 0.4])
        filled.setData([1.0, 2.0], [0.5, 0.4])
    # The marker is drawn around (10, 7) of the 20 x 14 sample.
    assert QColor(sample_image(hollow).pixel(10, 7)) == QColor("white")
    centre = QColor(sample_image(filled).pixel(10, 7))
    assert (centre.red(), centre.green(), centre.blue()) == (0x1F, 0x77, 0xB4)


def test_a_hidden_curves_entry_still_shows_pyqtgraphs_closed_eye(qtbot):
    item = pg.PlotDataItem(pen=pg.mkPen(BLUE), symbol="o", symbolBrush=pg.mkBrush(BLUE))
    item.setVisible(False)
    image = sample_image(item)
    colours = {QColor(image.pixel(x, y)).name() for x in range(20) for y in range(14)}
    assert "#1f77b4" not in colours and len(colours) > 1   # the eye icon, not the curve's marker
