"""Two inputs' feature maps and spectra for one filter, how alike the spectra are, and how their power spreads.

:class:`PairComparisonView` shows a :class:`cnnviz.science.PairComparison` (report §5.1): the
filter's feature map and log-magnitude spectrum for inputs A and B on one colour scale each, the
verdict on the spectra's similarity, and each map's radial power profile with the share of its
power below the low-frequency cutoff. It computes nothing: every number comes with the comparison.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from cnnviz.ui.layout import hint_label
from cnnviz.ui.science.common import ImagePlot, WrappingLabel, format_number, make_colorbar
from cnnviz.ui.viewers.colour_bars import set_colorbar_levels
from cnnviz.ui.viewers.colour_maps import image_levels

SIDE_BY_SIDE_WIDTH = 860
"""Narrower than this, the radial profile goes below the maps and spectra instead of beside them, so
the page never needs to scroll sideways."""
HINT = ("Choose a layer, a filter and input B (a test image of some class), then press Compare: the "
        "filter's feature maps for the current input (A) and for B, their Fourier spectra, and how alike "
        "those spectra are (report §5.1: the spectra of a 4 and a 7 look alike, those of an 8 and a 1 do not).")
STALE_NOTE = "Out of date: A or B changed since this comparison; press “Compare A and B” to redo it."
"""What the similarity line says first once A or B has changed since the comparison shown."""
_COLOUR_A = "#1f77b4"
_COLOUR_B = "#ff7f0e"


class PairComparisonView(QWidget):
    """One filter's maps and spectra for inputs A and B, their similarity and radial power profiles.

    A hint stands in for the results until the first comparison is shown.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._pair = None
        self._stale = False
        self._descriptions = ("A", "B")
        self.images_widget = pg.GraphicsLayoutWidget()
        self.images_widget.setToolTip("Rows: inputs A and B (as compared; see the thumbnails above for the "
                                      "inputs now chosen). Columns: the filter's feature map and its "
                                      "log-magnitude spectrum log(1 + |F|), zero frequency centred. Maps and "
                                      "spectra share one colour scale each, so A and B compare.")
        outer = self.images_widget.ci
        outer.setContentsMargins(2, 2, 2, 2)
        outer.setSpacing(2)
        self.maps, self.spectra = [], []
        for row, name in enumerate(("A", "B")):
            self.maps.append(ImagePlot(outer, row, 0, f"{name}: feature map", with_colorbar=False))
            self.spectra.append(ImagePlot(outer, row, 2, f"{name}: log spectrum", with_colorbar=False,
                                          axis_labels=("fx (cycles/pixel)", "fy (cycles/pixel)")))
        for plot in (self.maps[0], self.spectra[0]):
            # Row B below has the same axes: its label is enough, and row A keeps the height for its image.
            plot.plot.getAxis("bottom").setLabel("")
            plot.plot.getAxis("bottom").showLabel(False)
        self._map_colorbar = make_colorbar("activation")
        outer.addItem(self._map_colorbar, row=0, col=1, rowspan=2)
        self._spectrum_colorbar = make_colorbar("log(1 + |F|)", "inferno")
        outer.addItem(self._spectrum_colorbar, row=0, col=3, rowspan=2)

        self.similarity_label = WrappingLabel("Similarity of the spectra: —")
        self.similarity_label.setStyleSheet("font-size: 13px; font-weight: bold;")
        self.similarity_label.setWordWrap(True)
        self.similarity_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.similarity_label.setToolTip("Cosine similarity of the two log-magnitude spectra: 1 for spectra of "
                                         "the same shape (a map and any shift of it), lower the more their "
                                         "energy sits at different frequencies and orientations. One pair has no "
                                         "spread of its own, so it is judged against the similarities of every "
                                         "pair of the first test images: only outside their middle 95% is it "
                                         "unusually alike or unusually different.")
        self.log_check = QCheckBox("Log scale")
        self.log_check.setToolTip("Draw the fraction of energy on a logarithmic axis, to see the weak high "
                                  "frequencies beside the strong low ones.")
        self.log_check.toggled.connect(self._on_log_toggled)
        header = QHBoxLayout()
        header.addWidget(self.similarity_label, 1)
        header.addWidget(self.log_check)

        self.profile_widget = pg.PlotWidget()
        self.profile_widget.setToolTip("How each map's power |F|² spreads from low to high frequencies: the "
                                       "fraction in each ring around the zero frequency. The dashed line is "
                                       "the low-frequency cutoff of the shares written under the plot.")
        self._profile_plot = self.profile_widget.getPlotItem()
        self._profile_plot.setTitle("Radial power profile")
        self._profile_plot.setLabel("bottom", "frequency (cycles/pixel)")
        self._profile_plot.setLabel("left", "fraction of energy")
        self._profile_plot.showGrid(x=True, y=True, alpha=0.25)
        self._profile_plot.setMenuEnabled(False)
        self._profile_plot.hideButtons()
        for side in ("bottom", "left"):
            self._profile_plot.getAxis(side).enableAutoSIPrefix(False)
        # Top right, where the high frequencies carry little power and the curves run along zero.
        self._legend = self._profile_plot.addLegend(offset=(-6, 6), labelTextSize="8pt",
                                                    brush=pg.mkBrush(255, 255, 255, 170),
                                                    pen=pg.mkPen(200, 200, 200))
        self.profile_curves = (
            self._profile_plot.plot([], [], pen=pg.mkPen(_COLOUR_A, width=2), symbol="o", symbolSize=4,
                                    symbolBrush=_COLOUR_A, symbolPen=None, name="A"),
            self._profile_plot.plot([], [], pen=pg.mkPen(_COLOUR_B, width=2), symbol="s", symbolSize=4,
                                    symbolBrush=_COLOUR_B, symbolPen=None, name="B"),
        )
        self._cutoff_line = pg.InfiniteLine(angle=90, movable=False,
                                            pen=pg.mkPen("#666", width=1, style=Qt.PenStyle.DashLine))
        self._cutoff_line.setVisible(False)
        self._profile_plot.addItem(self._cutoff_line)

        self.low_frequency_label = WrappingLabel()
        self.low_frequency_label.setWordWrap(True)
        self.low_frequency_label.setStyleSheet("color: #333;")
        self.low_frequency_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.low_frequency_label.setToolTip("The share of each map's power below the low-frequency cutoff "
                                            "(the dashed line on the plot).")
        profile_box = QWidget()
        profile_layout = QVBoxLayout(profile_box)
        profile_layout.setContentsMargins(0, 0, 0, 0)
        profile_layout.setSpacing(2)
        profile_layout.addWidget(self.profile_widget, 1)
        profile_layout.addWidget(self.low_frequency_label)
        self.images_widget.setMinimumSize(420, 350)
        self.profile_widget.setMinimumSize(220, 140)
        plots = QSplitter(Qt.Orientation.Horizontal)
        self._splitter = plots
        plots.setChildrenCollapsible(False)
        plots.addWidget(self.images_widget)
        plots.addWidget(profile_box)
        plots.setStretchFactor(0, 3)
        plots.setStretchFactor(1, 2)
        plots.setSizes([600, 400])
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addLayout(header)
        results_layout.addWidget(plots, 1)
        self._stack = QStackedWidget()
        self._hint = hint_label(HINT)
        self._stack.addWidget(self._hint)
        self._stack.addWidget(results)
        box_layout = QVBoxLayout(self)
        box_layout.setContentsMargins(4, 4, 4, 4)
        box_layout.addWidget(self._stack)

    def show_pair(self, comparison, descriptions: tuple[str, str] = ("A", "B")) -> None:
        """Show a :class:`cnnviz.science.PairComparison` of inputs A and B, described by ``descriptions``
        (e.g. ``("current, predicted 4", "7 #1")``) under the radial profiles."""
        self._pair = comparison
        self._descriptions = descriptions
        map_levels = image_levels(np.stack([comparison.map_a, comparison.map_b]), False)
        spectrum_levels = image_levels(np.stack([comparison.spectrum_a, comparison.spectrum_b]), False)
        extent = comparison.spectrum_extent
        for index, (feature_map, spectrum) in enumerate(((comparison.map_a, comparison.spectrum_a),
                                                         (comparison.map_b, comparison.spectrum_b))):
            self.maps[index].set_image(feature_map, levels=map_levels)
            self.spectra[index].set_image(spectrum, colormap="inferno", levels=spectrum_levels, extent=extent)
        set_colorbar_levels(self._map_colorbar, map_levels)
        set_colorbar_levels(self._spectrum_colorbar, spectrum_levels)
        self._stale = True
        self.mark_stale(False)
        frequencies = np.asarray(comparison.frequencies)
        fractions = []
        for index, (curve, profile, low, description) in enumerate(zip(
                self.profile_curves, (comparison.profile_a, comparison.profile_b),
                (comparison.low_frequency_a, comparison.low_frequency_b), self._descriptions)):
            values = np.asarray(profile, dtype=np.float64)
            if self.log_check.isChecked():
                values = np.where(values > 0, values, np.nan)
            curve.setData(frequencies, values)
            fractions.append(f"<span style='color:{(_COLOUR_A, _COLOUR_B)[index]}'>■</span> "
                             f"{'AB'[index]} ({description}): {format_number(100 * low, 3)}% below "
                             f"{comparison.cutoff:g}")
            # A short legend keeps clear of the curves; the line under the plot says what A and B are.
            self._legend.removeItem(curve)
            self._legend.addItem(curve, 'AB'[index])
        self.low_frequency_label.setText(f"Power at low frequencies (cycles/pixel) — {'; '.join(fractions)}")
        self._cutoff_line.setPos(comparison.cutoff)
        self._cutoff_line.setVisible(True)
        self._stack.setCurrentIndex(1)

    def mark_stale(self, stale: bool) -> None:
        """Say that A or B changed since the comparison shown (greyed, and how to refresh it), or
        that it is current again."""
        if self._pair is None or stale == self.is_stale():
            return
        self._stale = stale
        verdict = self._pair.verdict_text()
        self.similarity_label.setText(f"{STALE_NOTE} Shown: {verdict}" if stale else verdict)
        colour = "color: #777;" if stale else ""
        self.similarity_label.setStyleSheet(f"font-size: 13px; font-weight: bold; {colour}")
        self.low_frequency_label.setStyleSheet(colour)

    def is_stale(self) -> bool:
        """Whether A or B changed since the comparison shown."""
        return self._pair is not None and self._stale

    def clear(self) -> None:
        """Forget the comparison shown: the hint again."""
        self._pair = None
        self.similarity_label.setText("Similarity of the spectra: —")
        self.low_frequency_label.setText("")
        for curve in self.profile_curves:
            curve.setData([], [])
        self._stack.setCurrentIndex(0)

    def pair(self):
        """The comparison shown, or None."""
        return self._pair

    def fit_width(self, width: int) -> bool:
        """Put the radial profile beside the maps from :data:`SIDE_BY_SIDE_WIDTH` pixels on, below them
        when narrower; whether that moved it (the layouts above this view must then be told)."""
        wanted = Qt.Orientation.Horizontal if width >= SIDE_BY_SIDE_WIDTH else Qt.Orientation.Vertical
        if self._splitter.orientation() == wanted:
            return False
        self._splitter.setOrientation(wanted)
        self._splitter.setSizes([600, 400] if wanted == Qt.Orientation.Horizontal else [600, 300])
        # The layouts cache their children's minimum sizes: tell each up to this view that this one
        # changed, or the page keeps the side-by-side minimum width (and scrolls sideways).
        widget = self._splitter
        while widget is not None:
            widget.updateGeometry()
            if widget.layout() is not None:
                widget.layout().invalidate()
            if widget is self:
                break
            widget = widget.parentWidget()
        return True

    def plots_side_by_side(self) -> bool:
        """Whether the radial profile is beside the maps and spectra (else below them)."""
        return self._splitter.orientation() == Qt.Orientation.Horizontal

    def _on_log_toggled(self, checked: bool) -> None:
        self._profile_plot.setLogMode(y=checked)
        if self._pair is not None:
            self.show_pair(self._pair, self._descriptions)
