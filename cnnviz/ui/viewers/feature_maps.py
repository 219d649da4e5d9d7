"""The feature-maps viewer: the output of any one layer of the model for the current input.

As in the report's §4, each channel of a convolution (or pooling, or dropout) layer's output
is drawn as its own small image, beside the input image so the two can be compared ("in the
first layer, the input image is sort of retained"). Input with several channels (a foreign
RGB model) is shown as the mean of its channels.

Flatten, dense (and dropout after dense) layers output one vector per image, ``(1, n)``: their
units are drawn in a :class:`~cnnviz.ui.viewers.unit_grid.UnitGrid`, one cell per unit on one
colour scale; the output layer's units are named after the classes. So every layer of the
model can be looked at.

A click on a pixel of the enlarged map (or on a dense unit) selects that unit: its receptive field
is outlined on the input image — and, while an earlier layer is chosen, the region of that layer the
unit reads is outlined on each of its maps (:mod:`~cnnviz.ui.viewers.field_outline`, through a graph's
branches too) — and the panel under it (:mod:`~cnnviz.ui.viewers.unit_explainer`)
shows the numbers that made it (:mod:`cnnviz.science.unit_arithmetic`, plain NumPy on one unit of
the arrays the inspection already holds, so it runs here on the interface thread).

The chosen layer, colour map and scale stay as they are when new results arrive (live while
drawing or training); when the shapes are unchanged only the image data is replaced.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QWidget

from cnnviz.science.unit_arithmetic import explain_unit
from cnnviz.service.payloads import InspectionResult
from cnnviz.ui.viewers.colour_maps import COLORMAP_LABELS, COLORMAP_NAMES, is_diverging
from cnnviz.ui.viewers.field_outline import FieldOutlines, input_name, unit_regions
from cnnviz.ui.viewers.filter_grid import FilterGrid
from cnnviz.ui.viewers.grid_view import GridView, describe_layer_items
from cnnviz.ui.viewers.unit_explainer import UnitExplainer
from cnnviz.ui.viewers.unit_grid import UnitGrid

HINT = ("Draw a digit or pick a sample to see its feature maps: the output of every filter of "
        "the convolution and pooling layers, and the units of the dense layers.")
NO_MAPS_HINT = ("This inspection holds no layer outputs to show (neither maps nor unit vectors). "
                "Build or load a model, then draw a digit or pick a sample.")


class FeatureMapsView(GridView):
    """Feature maps of one chosen layer, in a :class:`FilterGrid`, next to the input image."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._result: InspectionResult | None = None
        self._layers: list[tuple[str, tuple[int, ...]]] = []
        self._class_names: list[str] = []

        self._layer_combo = QComboBox()
        self._layer_combo.setToolTip("The layer whose output is shown: the maps of a convolution, pooling or "
                                     "dropout layer (height × width × channels), or the units of a flatten "
                                     "or dense layer.")
        self._layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self._colormap_combo = QComboBox()
        self._colormap_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._colormap_combo.setToolTip("Colour map of the maps; a diverging map is centred at zero "
                                        "(useful for tanh layers, whose outputs are signed).")
        for name in COLORMAP_NAMES:
            self._colormap_combo.addItem(COLORMAP_LABELS[name], name)
        self._colormap_combo.currentIndexChanged.connect(self._on_display_changed)
        self._shared_check = QCheckBox("Shared scale")
        self._shared_check.setChecked(True)
        self._shared_check.setToolTip("Checked: one colour scale for all maps, so their strengths can be "
                                      "compared. Unchecked: each map stretched over its own range.")
        self._shared_check.toggled.connect(self._on_display_changed)

        controls = QHBoxLayout()
        layer_label = QLabel("Layer:")
        layer_label.setBuddy(self._layer_combo)
        colormap_label = QLabel("Colour map:")
        colormap_label.setBuddy(self._colormap_combo)
        controls.addWidget(layer_label)
        controls.addWidget(self._layer_combo)
        controls.addSpacing(16)
        controls.addWidget(colormap_label)
        controls.addWidget(self._colormap_combo)
        controls.addSpacing(16)
        controls.addWidget(self._shared_check)
        controls.addStretch(1)

        self._build_page(FilterGrid(value_label="activation"), HINT, [controls])
        self._units = UnitGrid(value_label="activation")
        self._stack.addWidget(self._units)
        # The unit explainers: under the enlarged map, and under a chosen dense unit's bar chart.
        self._unit: tuple[int, ...] | None = None
        # The last unit clicked and the regions it depends on: outlined on the input, and on the maps
        # of an earlier layer while one is shown.
        self._traced: tuple[str, dict] | None = None
        self._outlines = FieldOutlines()
        self._map_explainer, self._unit_explainer = UnitExplainer(), UnitExplainer()
        enlarged = self._grid.enlarged_map()
        enlarged.add_below(self._map_explainer)
        enlarged.sig_pixel_clicked.connect(lambda row, col: self.select_unit((row, col, self._grid.enlarged_index())))
        enlarged.sig_close_requested.connect(lambda: self.select_unit(None))
        self._grid.sig_cell_clicked.connect(lambda _index: self.select_unit(None))
        self._units.detail_panel().add_below(self._unit_explainer)
        self._units.sig_unit_clicked.connect(lambda unit: self.select_unit((unit,)))

    # -- public API -----------------------------------------------------------------------------
    def show_inspection(self, result: InspectionResult | None) -> None:
        """Show the feature maps of ``result`` (``None``: no input yet, show the hint)."""
        self._result = result
        if result is None:
            self._show_hint(HINT, keep_controls=True)
            return
        layers = [(name, tuple(result.feature_maps[name].shape)) for name in result.layer_names
                  if name in result.feature_maps and np.ndim(result.feature_maps[name]) in (2, 4)]
        if not layers:
            self._show_hint(NO_MAPS_HINT)
            return
        if layers != self._layers:
            self._traced = None
            self._populate_layers(layers)
        self._set_controls_enabled(True)
        self._render()
        self._explain_unit()

    def select_unit(self, index: tuple[int, ...] | None) -> None:
        """Explain unit ``index`` of the layer shown: ``(row, col, channel)`` of a map, ``(unit,)`` of a
        vector layer; None clears the explanation and the receptive field's outlines. The outlines of
        the last unit chosen stay while another layer is shown: on the input, and on the maps of a
        layer the unit depends on (the region of it the unit reads)."""
        self._unit = index
        if index is None:
            self._traced = None
        self._explain_unit()

    def show_filter(self, layer: str, index: int) -> None:
        """Choose ``layer`` and show its map ``index`` enlarged (its page first), or for a vector layer
        select unit ``index`` — what a click on the network overview opens."""
        self.set_current_layer(layer)
        if self.is_showing_units():
            self._units.select(index)
            self.select_unit((index,))
            return
        self._grid.go_to(index)

    def selected_unit(self) -> tuple[int, ...] | None:
        return self._unit

    def map_explainer(self) -> UnitExplainer:
        """The panel under the enlarged map."""
        return self._map_explainer

    def unit_explainer(self) -> UnitExplainer:
        """The panel under a chosen dense unit."""
        return self._unit_explainer

    def available_layers(self) -> list[str]:
        """The layers listed in the layer box."""
        return [name for name, _ in self._layers]

    def set_class_names(self, names: Sequence[str]) -> None:
        """Name the output layer's units after the classes (e.g. ``"0" .. "9"`` or ``"T-shirt/top"``)."""
        self._class_names = [str(name) for name in names]
        if self._result is not None and self._stack.currentWidget() is self._units:
            self._render()

    def units(self) -> UnitGrid:
        """The grid the units of a flatten or dense layer are drawn in."""
        return self._units

    def is_showing_units(self) -> bool:
        """Whether the units of a vector layer (flatten, dense) are shown."""
        return self._stack.currentWidget() is self._units

    def colormap_box(self) -> QComboBox:
        """The colour-map box (for keyboard and mouse tests)."""
        return self._colormap_combo

    def export_widget(self) -> pg.GraphicsLayoutWidget:
        """The graphics widget to export: the maps' grid, or the units of a dense layer."""
        if self.is_showing_units():
            return self._units.graphics_widget()
        return self._grid.graphics_widget()

    def set_colormap(self, name: str) -> None:
        """Choose the colour map (one of :data:`COLORMAP_NAMES`)."""
        index = self._colormap_combo.findData(name)
        if index < 0:
            raise ValueError(f"Unknown colour map {name!r}; expected one of {', '.join(COLORMAP_NAMES)}.")
        self._colormap_combo.setCurrentIndex(index)

    def set_shared_scale(self, shared: bool) -> None:
        """One colour scale for all maps (True) or one per map (False)."""
        self._shared_check.setChecked(shared)

    def title(self) -> str:
        """A figure title such as ``"Feature maps — conv2d (28 filters)"`` or
        ``"Activations — dense (128 units)"``."""
        if self.is_showing_units():
            return self._units.title() or "Activations"
        return self._grid.title() or "Feature maps"

    # -- internals ------------------------------------------------------------------------------
    def _populate_layers(self, layers: list[tuple[str, tuple[int, ...]]]) -> None:
        current = self._layer_combo.currentData()
        self._layers = layers
        with QSignalBlocker(self._layer_combo):
            self._layer_combo.clear()
            for name, shape in layers:
                if len(shape) == 4:
                    self._layer_combo.addItem(f"{name}  ({shape[1]}×{shape[2]}×{shape[3]})", name)
                else:
                    self._layer_combo.addItem(f"{name}  ({shape[1]} unit{'s' if shape[1] != 1 else ''})", name)
            describe_layer_items(self._layer_combo, self._result.layer_graph if self._result is not None else None)
            index = self._layer_combo.findData(current)
            self._layer_combo.setCurrentIndex(max(index, 0))

    def _render(self) -> None:
        result, layer = self._result, self._layer_combo.currentData()
        if result is None or layer is None:
            return
        output = np.asarray(result.feature_maps[layer])
        if output.ndim == 2:
            self._render_units(result, layer, output[0])
            return
        self._shared_check.setEnabled(True)
        maps = output[0]                                               # (h, w, c)
        num_maps = maps.shape[-1]
        is_conv = layer in result.kernels
        noun = "filter" if is_conv else "channel"
        colormap = self._colormap_combo.currentData()
        self._grid.set_images(np.moveaxis(maps, -1, 0), [f"{noun} {index}" for index in range(num_maps)],
                              colormap=colormap, symmetric=is_diverging(colormap),
                              shared_scale=self._shared_check.isChecked())
        self._grid.set_reference(np.asarray(result.image)[0], "Input")
        self._grid.set_title(f"Feature maps — {layer} ({num_maps} {noun}{'s' if num_maps != 1 else ''})")
        self._show_grid()

    def _render_units(self, result: InspectionResult, layer: str, values: np.ndarray) -> None:
        """Show a vector layer's units ``(n,)``; the output layer's are named after the classes."""
        num_units = len(values)
        is_output = (layer == result.layer_names[-1]
                     and num_units == int(np.asarray(result.probabilities).shape[-1]))
        names = None
        if is_output:
            names = (self._class_names if len(self._class_names) == num_units
                     else [str(index) for index in range(num_units)])
        self._units.set_values(values, names, colormap=self._colormap_combo.currentData())
        plural = "s" if num_units != 1 else ""
        detail = f"output layer, {num_units} class{'es' if num_units != 1 else ''}" if is_output \
            else f"{num_units} unit{plural}"
        self._units.set_title(f"Activations — {layer} ({detail})")
        # The units always share one colour scale: there is one value per unit, not a map.
        self._shared_check.setEnabled(False)
        self._stack.setCurrentWidget(self._units)

    def _clear_readouts(self) -> None:
        super()._clear_readouts()
        self._units.clear_readout()

    def _controls(self) -> list:
        return [self._layer_combo, self._colormap_combo, self._shared_check]

    def _explain_unit(self) -> None:
        """Explain the selected unit of the current result and outline its receptive field."""
        result, layer, index = self._result, self._layer_combo.currentData(), self._unit
        shape = None if result is None or layer is None else np.shape(result.feature_maps.get(layer))
        if index is None or shape is None or len(index) != len(shape) - 1 or any(
                not 0 <= i < n for i, n in zip(index, shape[1:])):
            self._unit = None
            self._grid.enlarged_map().mark_pixel(None)
            self._outline_traced()
            self._map_explainer.show_arithmetic(None)
            self._unit_explainer.show_arithmetic(None)
            return
        arithmetic = explain_unit(result.config, result.weights, result.image, result.feature_maps, layer, index)
        where = f"row {index[0]}, column {index[1]}, channel {index[2]}" if len(index) == 3 else f"unit {index[0]}"
        explainer = self._map_explainer if len(index) == 3 else self._unit_explainer
        value = float(result.feature_maps[layer][(0, *index)])
        explainer.show_arithmetic(arithmetic, f"{layer} — {where}: {value:.6g}")
        if len(index) == 3:
            self._grid.enlarged_map().mark_pixel(index[:2])
        self._traced = (layer, unit_regions(result, layer, index))
        self._outline_traced()

    def _outline_traced(self) -> None:
        """Outline the traced unit's field on the input, and on the maps shown if it depends on them."""
        result, layer = self._result, self._layer_combo.currentData()
        regions = self._traced[1] if self._traced is not None and result is not None else {}
        self._grid.graphics_widget().reference.set_outline(regions.get(input_name(result)) if regions else None)
        earlier = self._traced is not None and layer != self._traced[0] and not self.is_showing_units()
        self._outlines.show(self._grid.graphics_widget().cells, regions.get(layer) if earlier else None)

    def receptive_field_outline(self) -> tuple[int, int, int, int] | None:
        """The input pixels outlined as the selected unit's receptive field ``(top, bottom, left, right)``."""
        return self._grid.graphics_widget().reference.outline()

    def map_outlines(self) -> FieldOutlines:
        """The traced unit's region outlined on the maps of an earlier layer."""
        return self._outlines

    def _on_layer_changed(self, _index: int) -> None:
        self._unit = None
        self._render()
        self._explain_unit()
        self._clear_readouts()

    def _on_display_changed(self, *_args) -> None:
        self._render()
        self._outline_traced()
        self._clear_readouts()
