"""The kernels viewer: the learned weights of every filter of one convolution layer.

A kernel of shape ``(kh, kw, in_channels, out_channels)`` is shown as one small ``kh × kw``
image per output filter. For the first layer of an MNIST model (one input channel) that is
the whole kernel; for deeper layers (or colour input) one input channel is chosen with a
spin box, or the mean over all input channels is shown. Weights are signed, so they are drawn
with a diverging colour map centred at zero (white = 0).

Kernels with three input channels (the first layer of a colour model) are shown by default as
colour patches, the classic picture of a first layer: each ``kh × kw × 3`` kernel an RGB image,
each channel mapped symmetrically around zero (``-m`` dark, ``0`` mid grey, ``+m`` full light,
``m`` the largest ``|w|``), so a grey patch is a filter blind to colour and a red one responds to
red. Unchecking *Colour patches* shows one channel (R, G or B) or the mean, as for any layer.

Filters can be marked (red title and border) through :meth:`KernelsView.set_marked`, e.g. dead
filters found by an analysis.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from cnnviz.core.layer_graph import kernel_order
from cnnviz.service.payloads import InspectionResult
from cnnviz.ui.viewers.colour_maps import COLORMAP_LABELS, COLORMAP_NAMES, DIVERGING_COLORMAP
from cnnviz.ui.viewers.filter_grid import FilterGrid
from cnnviz.ui.viewers.grid_view import GridView, describe_layer_items

CHANNEL_NAMES = ("R", "G", "B")
"""Names of the input channels of a three-channel (colour) kernel."""

HINT = "Draw a digit or pick a sample to see the kernels (learned weights) of the convolution layers."
NO_KERNELS_HINT = "This model has no convolution layers: there are no kernels to show."


class KernelsView(GridView):
    """The kernels of one convolution layer, one image per output filter."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._result: InspectionResult | None = None
        self._layers: list[tuple[str, tuple[int, ...]]] = []
        self._marked: dict[str, frozenset[int]] = {}

        self._layer_combo = QComboBox()
        self._layer_combo.setToolTip("The convolution layer whose kernels are shown "
                                     "(kernel height × width × input channels × filters).")
        self._layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self._channel_spin = QSpinBox()
        self._channel_spin.setToolTip("Which input channel of each filter to show: a filter of a deeper "
                                      "layer has one kh × kw kernel per channel of the layer below.")
        self._channel_spin.valueChanged.connect(self._on_display_changed)
        self._mean_check = QCheckBox("Mean over input channels")
        self._mean_check.setToolTip("Show each filter's kernel averaged over all its input channels "
                                    "instead of one channel.")
        self._mean_check.toggled.connect(self._on_display_changed)
        self._channel_name = QLabel("")
        self._channel_name.setToolTip("The colour of the input channel shown (channels 0, 1, 2 are R, G, B).")
        self._rgb_check = QCheckBox("Colour patches (RGB)")
        self._rgb_check.setChecked(True)
        self._rgb_check.setToolTip("Kernels with three input channels (a colour model's first layer): show each "
                                   "filter as one RGB patch, every channel normalised symmetrically around 0 "
                                   "(grey = 0). Unchecked: one channel at a time, or their mean.")
        self._rgb_check.toggled.connect(self._on_display_changed)
        self._colormap_combo = QComboBox()
        self._colormap_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._colormap_combo.setToolTip("Colour map of the weights; the range is always centred at zero "
                                        "(-max|w| .. +max|w|), so a diverging map shows the sign.")
        for name in COLORMAP_NAMES:
            self._colormap_combo.addItem(COLORMAP_LABELS[name], name)
        self._colormap_combo.setCurrentIndex(self._colormap_combo.findData(DIVERGING_COLORMAP))
        self._colormap_combo.currentIndexChanged.connect(self._on_display_changed)
        self._shared_check = QCheckBox("Shared scale")
        self._shared_check.setChecked(True)
        self._shared_check.setToolTip("Checked: one colour scale for all filters, so weak (possibly dead) "
                                      "filters look faint. Unchecked: each filter on its own scale.")
        self._shared_check.toggled.connect(self._on_display_changed)

        controls = QHBoxLayout()
        for text, control in (("Layer:", self._layer_combo), ("Input channel:", self._channel_spin)):
            label = QLabel(text)
            label.setBuddy(control)
            controls.addWidget(label)
            controls.addWidget(control)
            if control is self._channel_spin:
                controls.addWidget(self._channel_name)
            controls.addSpacing(12)
        controls.addStretch(1)
        # A second row keeps the view narrow enough for a laptop screen beside the docks.
        display = QHBoxLayout()
        # How the channels are shown sits here too: the first row is the layer box's and the channel's.
        display.addWidget(self._rgb_check)
        display.addWidget(self._mean_check)
        display.addSpacing(12)
        colormap_label = QLabel("Colour map:")
        colormap_label.setBuddy(self._colormap_combo)
        display.addWidget(colormap_label)
        display.addWidget(self._colormap_combo)
        display.addSpacing(12)
        display.addWidget(self._shared_check)
        display.addStretch(1)

        self._build_page(FilterGrid(value_label="weight"), HINT, [controls, display])

    # -- public API -----------------------------------------------------------------------------
    def show_inspection(self, result: InspectionResult | None) -> None:
        """Show the kernels in ``result`` (``None``: no model or input yet, show the hint)."""
        self._result = result
        if result is None:
            self._show_hint(HINT, keep_controls=True)
            return
        order = kernel_order(result.layer_names, list(result.kernels))
        layers = [(name, tuple(result.kernels[name].shape)) for name in order
                  if np.ndim(result.kernels[name]) == 4]
        if not layers:
            self._show_hint(NO_KERNELS_HINT)
            return
        if layers != self._layers:
            self._populate_layers(layers)
        self._set_controls_enabled(True)
        self._update_channel_controls()
        self._render()

    def set_marked(self, layer: str, indices: Iterable[int]) -> None:
        """Mark filters of ``layer`` (red title and border), e.g. dead ones; empty clears the marks."""
        self._marked[layer] = frozenset(int(index) for index in indices)
        if layer == self._layer_combo.currentData():
            self._grid.set_marked(self._marked[layer])

    def marked(self, layer: str) -> frozenset[int]:
        """The marked filters of ``layer``."""
        return self._marked.get(layer, frozenset())

    def available_layers(self) -> list[str]:
        """The convolution layers listed in the layer box."""
        return [name for name, _ in self._layers]

    def shows_colour_patches(self) -> bool:
        """Whether the kernels are shown as RGB patches (three input channels, *Colour patches* checked)."""
        return self._rgb_check.isChecked() and self.num_input_channels() == 3

    def set_colour_patches(self, colour: bool) -> None:
        """Show three-channel kernels as RGB patches (True) or one channel at a time (False)."""
        self._rgb_check.setChecked(colour)

    def colour_patches_check(self) -> QCheckBox:
        """The *Colour patches (RGB)* box (for tests that click it as a person does)."""
        return self._rgb_check

    def input_channel(self) -> int | None:
        """The input channel shown, or None when the mean over channels is shown."""
        return None if self._mean_check.isChecked() and self._mean_check.isEnabled() else \
            self._channel_spin.value()

    def set_input_channel(self, channel: int) -> None:
        """Show input channel ``channel`` of every filter (and turn the mean and colour patches off)."""
        self._rgb_check.setChecked(False)
        self._mean_check.setChecked(False)
        self._channel_spin.setValue(channel)

    def set_channel_mean(self, mean: bool) -> None:
        """Show the mean over input channels (True, colour patches off) or the chosen channel (False)."""
        if mean:
            self._rgb_check.setChecked(False)
        self._mean_check.setChecked(mean)

    def channel_spin(self) -> QSpinBox:
        """The input-channel box (for tests that use it as a person does)."""
        return self._channel_spin

    def num_input_channels(self) -> int:
        """Input channels of the current layer's kernels (1 for the first layer of an MNIST model)."""
        layer = self._layer_combo.currentData()
        shapes = dict(self._layers)
        return shapes[layer][2] if layer in shapes else 0

    def title(self) -> str:
        """A figure title such as ``"Kernels — conv2d (28 filters, 3×3)"``."""
        return self._grid.title() or "Kernels"

    # -- internals ------------------------------------------------------------------------------
    def _populate_layers(self, layers: list[tuple[str, tuple[int, ...]]]) -> None:
        current = self._layer_combo.currentData()
        self._layers = layers
        with QSignalBlocker(self._layer_combo):
            self._layer_combo.clear()
            for name, shape in layers:
                self._layer_combo.addItem(f"{name}  ({shape[0]}×{shape[1]}×{shape[2]}×{shape[3]})", name)
            describe_layer_items(self._layer_combo, self._result.layer_graph if self._result is not None else None)
            self._layer_combo.setCurrentIndex(max(self._layer_combo.findData(current), 0))

    def _update_channel_controls(self) -> None:
        """Fit the channel spin box to the current layer; disable it for one input channel."""
        num_channels = self.num_input_channels()
        colour = self.shows_colour_patches()
        if self._channel_spin.maximum() != max(num_channels - 1, 0):   # a range set again lays the page out
            with QSignalBlocker(self._channel_spin):
                self._channel_spin.setRange(0, max(num_channels - 1, 0))
        self._channel_spin.setEnabled(num_channels > 1 and not self._mean_check.isChecked() and not colour)
        self._mean_check.setEnabled(num_channels > 1 and not colour)
        self._rgb_check.setVisible(num_channels == 3)
        self._colormap_combo.setEnabled(not colour)
        self._channel_name.setText(f"({CHANNEL_NAMES[self._channel_spin.value()]})"
                                   if num_channels == 3 and self._channel_spin.value() < 3 else "")

    def _render(self) -> None:
        result, layer = self._result, self._layer_combo.currentData()
        if result is None or layer is None or layer not in result.kernels:
            return
        kernels = np.asarray(result.kernels[layer])                  # (kh, kw, in, out)
        kernel_height, kernel_width, num_inputs, num_filters = kernels.shape
        channel = self.input_channel()
        names = CHANNEL_NAMES if num_inputs == 3 else ()
        if self.shows_colour_patches():
            self._render_colour_patches(layer, kernels)
            return
        if num_inputs == 1:
            maps, detail = kernels[:, :, 0, :], ""
        elif channel is None:
            maps, detail = kernels.mean(axis=2), f", mean over {num_inputs} input channels"
        else:
            name = f" ({names[channel]})" if channel < len(names) else ""
            maps, detail = kernels[:, :, channel, :], f", input channel {channel}{name} of {num_inputs}"
        self._grid.set_images(np.moveaxis(maps, -1, 0), [f"filter {index}" for index in range(num_filters)],
                              colormap=self._colormap_combo.currentData(), symmetric=True,
                              shared_scale=self._shared_check.isChecked(),
                              marked=self._marked.get(layer, frozenset()))
        self._grid.set_title(f"Kernels — {layer} ({num_filters} filter{'s' if num_filters != 1 else ''}, "
                             f"{kernel_height}×{kernel_width}{detail})")
        self._show_grid()

    def _render_colour_patches(self, layer: str, kernels: np.ndarray) -> None:
        """Each filter's ``(kh, kw, 3)`` kernel as one RGB patch, symmetric around 0 (grey = 0)."""
        kernel_height, kernel_width, _, num_filters = kernels.shape
        shared = self._shared_check.isChecked()
        self._grid.set_images(np.moveaxis(kernels, -1, 0), [f"filter {index}" for index in range(num_filters)],
                              symmetric=True, shared_scale=shared, marked=self._marked.get(layer, frozenset()))
        bound = "max|w| over all filters" if shared else "each filter's own max|w|"
        self._grid.set_title(f"Kernels — {layer} ({num_filters} filter{'s' if num_filters != 1 else ''}, "
                             f"{kernel_height}×{kernel_width}×3 as RGB patches; each channel −m dark, 0 grey, "
                             f"+m bright, m = {bound})")
        self._show_grid()

    def _controls(self) -> list:
        return [self._layer_combo, self._channel_spin, self._mean_check, self._colormap_combo,
                        self._shared_check, self._rgb_check]

    def _on_layer_changed(self, _index: int) -> None:
        self._update_channel_controls()
        self._render()
        self._clear_readouts()

    def _on_display_changed(self, *_args) -> None:
        self._update_channel_controls()
        self._render()
        self._clear_readouts()
