"""One attribution map over its input: the input in grey or colour, the map in colour with an opacity
slider, a colour bar with the map's range, and the legend saying what the colours mean."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from cnnviz.science.attribution import AttributionMap
from cnnviz.ui.explain.overlay_colours import bar_colour_map, map_levels, overlay_lut

DEFAULT_OPACITY = 85


class AttributionOverlay(QWidget):
    """The map of one :class:`AttributionMap` laid over the input it explains."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._image: np.ndarray | None = None
        self._attribution: AttributionMap | None = None
        self._title = "Explain"
        self.title_label = QLabel("Explain", self)
        self.title_label.setObjectName("explain_title")
        self.title_label.setWordWrap(True)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setBackground("w")
        self.graphics.setMinimumSize(220, 180)
        self.graphics.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.view_box = self.graphics.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMouse=False)
        self.input_item = pg.ImageItem(axisOrder="row-major")
        self.map_item = pg.ImageItem(axisOrder="row-major")
        self.view_box.addItem(self.input_item)
        self.view_box.addItem(self.map_item)
        self.colour_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=bar_colour_map(False), interactive=False,
                                          width=14)
        self.graphics.addItem(self.colour_bar, row=0, col=1)
        self.opacity_slider = QSlider(Qt.Horizontal, self)
        self.opacity_slider.setObjectName("explain_opacity")
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(DEFAULT_OPACITY)
        self.opacity_slider.setToolTip("How strongly the map covers the input (0: only the input)")
        self.opacity_slider.valueChanged.connect(self._on_opacity_changed)
        self.grey_check = QCheckBox("Input in grey", self)
        self.grey_check.setToolTip("Show a colour input in grey, so that the map's colours stand out")
        self.grey_check.toggled.connect(self._redraw_input)
        self.legend_label = QLabel("", self)
        self.legend_label.setObjectName("explain_legend")
        self.legend_label.setWordWrap(True)
        self.legend_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Opacity", self))
        controls.addWidget(self.opacity_slider, 1)
        controls.addWidget(self.grey_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title_label)
        layout.addWidget(self.graphics, 1)
        layout.addLayout(controls)
        layout.addWidget(self.legend_label)
        self._on_opacity_changed(DEFAULT_OPACITY)

    # -- what the panel and tests read --------------------------------------------------------------
    def shown_map(self) -> np.ndarray | None:
        """The map drawn now ``(h, w)``, or None."""
        return None if self._attribution is None else np.asarray(self.map_item.image)

    def attribution(self) -> AttributionMap | None:
        return self._attribution

    def title(self) -> str:
        return self._title

    # -- showing ------------------------------------------------------------------------------------
    def show_map(self, image: np.ndarray, attribution: AttributionMap, title: str) -> None:
        """Draw ``attribution`` over ``image`` ``(1, h, w, c)`` or ``(h, w, c)`` in [0, 1]."""
        self._image = np.asarray(image, dtype=np.float32).reshape(np.shape(image)[-3:])
        self._attribution = attribution
        self._title = title
        self.title_label.setText(title)
        self._redraw_input()
        values = np.asarray(attribution.map, dtype=np.float32)
        levels = map_levels(values, attribution.signed)
        self.map_item.setImage(values, levels=levels, lut=overlay_lut(attribution.signed), autoLevels=False)
        self.map_item.setVisible(True)
        self.colour_bar.setColorMap(bar_colour_map(attribution.signed, self.opacity_slider.value() / 100))
        self.colour_bar.setLevels(values=levels)
        self.legend_label.setText(attribution.legend)
        self.view_box.autoRange(padding=0.0)

    def show_input_only(self, image: np.ndarray | None, title: str, text: str = "") -> None:
        """Show the input without a map (none yet, or it could not be computed); ``text`` says why."""
        self._attribution = None
        self._title = title
        self.title_label.setText(title)
        self._image = None if image is None else np.asarray(image, dtype=np.float32).reshape(np.shape(image)[-3:])
        self.map_item.setVisible(False)
        self._redraw_input()
        self.legend_label.setText(text)
        if self._image is not None:
            self.view_box.autoRange(padding=0.0)

    # -- events -------------------------------------------------------------------------------------
    def _redraw_input(self, *_args) -> None:
        image = self._image
        if image is None:
            self.input_item.clear()
            return
        if image.shape[-1] == 1 or self.grey_check.isChecked():
            plane = image[..., 0] if image.shape[-1] == 1 else image[..., :3].mean(axis=-1)
            self.input_item.setImage(plane, levels=(0.0, 1.0), autoLevels=False)
        else:
            self.input_item.setImage(np.clip(image[..., :3], 0.0, 1.0), levels=(0.0, 1.0), autoLevels=False)

    def _on_opacity_changed(self, value: int) -> None:
        self.map_item.setOpacity(value / 100)
        signed = self._attribution.signed if self._attribution is not None else False
        self.colour_bar.setColorMap(bar_colour_map(signed, value / 100))
