"""The spectra viewer: Fourier magnitude spectra of feature maps or kernels (the report's §5).

Each map's centred log-magnitude spectrum ``log(1 + |F|)`` is drawn in a :class:`FilterGrid`:
zero frequency in the centre, ±0.5 cycles per pixel at the edges. The view computes none of
them: the model service's worker attaches them to every inspection
(:class:`cnnviz.core.layer_spectra.InspectionSpectra`). Kernels are tiny (3×3), so they are
zero-padded (default 32×32) before the transform, which samples their spectrum finely enough to
read; the padding and the kernels' input channel are this view's settings, so changing them asks
the inspection's spectra for that choice rather than for a new inspection. Each spectrum has its
own colour scale by default, because the overall magnitude differs a lot between maps while the
shape of the spectrum is what is compared.
"""

from __future__ import annotations

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
from cnnviz.core.layer_spectra import DEFAULT_KERNEL_PADDING, MAX_KERNEL_PADDING
from cnnviz.service.payloads import InspectionResult
from cnnviz.ui.viewers.colour_maps import COLORMAP_LABELS, COLORMAP_NAMES
from cnnviz.ui.viewers.filter_grid import FilterGrid
from cnnviz.ui.viewers.grid_view import GridView, describe_layer_items
from cnnviz.ui.wording import counted

FEATURE_MAPS = "feature maps"
KERNELS = "kernels"
HINT = ("Draw a digit or pick a sample to see the Fourier spectra of its feature maps and of the "
        "kernels.")
NO_SPECTRA_HINT = "This inspection came without spectra; draw or pick the input again to compute them."


class SpectraView(GridView):
    """Centred log-magnitude spectra of one layer's feature maps or kernels."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._result: InspectionResult | None = None
        self._layers: dict[str, list[tuple[str, tuple[int, ...]]]] = {FEATURE_MAPS: [], KERNELS: []}
        self._spectra: np.ndarray | None = None

        self._source_combo = QComboBox()
        self._source_combo.addItem("Feature maps", FEATURE_MAPS)
        self._source_combo.addItem("Kernels", KERNELS)
        self._source_combo.setToolTip("Transform the layer's output maps for the current input, or the "
                                      "layer's learned kernels.")
        self._source_combo.currentIndexChanged.connect(self._on_source_changed)
        self._layer_combo = QComboBox()
        self._layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._layer_combo.setToolTip("The layer whose maps or kernels are transformed.")
        self._layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self._padding_spin = QSpinBox()
        self._padding_spin.setRange(3, MAX_KERNEL_PADDING)
        self._padding_spin.setValue(DEFAULT_KERNEL_PADDING)
        self._padding_spin.setSuffix(" px")
        self._padding_spin.setToolTip("Kernels are zero-padded to this size before the transform: the "
                                      "spectrum is the same, sampled more finely.")
        self._padding_spin.valueChanged.connect(self._on_display_changed)
        self._channel_spin = QSpinBox()
        self._channel_spin.setToolTip("Which input channel of each kernel to transform (deeper layers "
                                      "have one kernel per channel of the layer below).")
        self._channel_spin.valueChanged.connect(self._on_display_changed)
        self._colormap_combo = QComboBox()
        self._colormap_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for name in COLORMAP_NAMES:
            self._colormap_combo.addItem(COLORMAP_LABELS[name], name)
        self._colormap_combo.setCurrentIndex(self._colormap_combo.findData("inferno"))
        self._colormap_combo.setToolTip("Colour map of the log magnitude log(1 + |F|).")
        self._colormap_combo.currentIndexChanged.connect(self._on_display_changed)
        self._shared_check = QCheckBox("Shared scale")
        self._shared_check.setChecked(False)
        self._shared_check.setToolTip("Checked: one colour scale for all spectra. Unchecked (default): each "
                                      "spectrum on its own scale, to compare their shapes.")
        self._shared_check.toggled.connect(self._on_display_changed)

        first_row = QHBoxLayout()
        second_row = QHBoxLayout()
        for row, entries in ((first_row, (("Source:", self._source_combo), ("Layer:", self._layer_combo),
                                          ("Colour map:", self._colormap_combo))),
                             (second_row, (("Pad kernels to:", self._padding_spin),
                                           ("Kernel input channel:", self._channel_spin)))):
            for text, control in entries:
                label = QLabel(text)
                label.setBuddy(control)
                row.addWidget(label)
                row.addWidget(control)
                row.addSpacing(12)
        first_row.addStretch(1)
        second_row.addWidget(self._shared_check)
        self._note = QLabel("Centre: zero frequency; edges: ±0.5 cycles/pixel. Colour: log(1 + |F|).")
        self._note.setStyleSheet("color: #555;")
        self._note.setWordWrap(True)
        self._note.setToolTip("Horizontal position = horizontal frequency fx, vertical = vertical "
                              "frequency fy; click a spectrum for labelled frequency axes.")
        second_row.addSpacing(8)
        second_row.addWidget(self._note, 1)

        self._build_page(FilterGrid(value_label="log(1 + |F|)"), HINT, [first_row, second_row])

    # -- public API -----------------------------------------------------------------------------
    def show_inspection(self, result: InspectionResult | None) -> None:
        """Show the spectra for ``result`` (``None``: no input yet, show the hint)."""
        self._result = result
        if result is None:
            self._show_hint(HINT, keep_controls=True)
            return
        layers = {
            FEATURE_MAPS: [(name, tuple(result.feature_maps[name].shape)) for name in result.layer_names
                           if name in result.feature_maps and np.ndim(result.feature_maps[name]) == 4],
            KERNELS: [(name, tuple(result.kernels[name].shape)) for name in kernel_order(result.layer_names,
                                                                                        list(result.kernels))
                      if np.ndim(result.kernels[name]) == 4],
        }
        if not layers[FEATURE_MAPS] and not layers[KERNELS]:
            self._show_hint("This model has no convolution or pooling layers: there are no maps or "
                            "kernels to transform.")
            return
        changed = layers != self._layers
        self._layers = layers
        self._set_controls_enabled(True)
        if changed:
            self._populate_layers()
        self._render()

    def source(self) -> str:
        """``"feature maps"`` or ``"kernels"``."""
        return self._source_combo.currentData()

    def set_source(self, source: str) -> None:
        """Transform ``"feature maps"`` or ``"kernels"``."""
        index = self._source_combo.findData(source)
        if index < 0:
            raise ValueError(f"Unknown source {source!r}; expected {FEATURE_MAPS!r} or {KERNELS!r}.")
        self._source_combo.setCurrentIndex(index)

    def wanted_layers(self) -> tuple[str, ...] | None:
        """The layers whose feature-map spectra this view shows, for the inspection to make at once:
        none while it shows kernels, its layer while it shows feature maps, None before it has layers."""
        if self.source() == KERNELS:
            return ()
        layer = self._layer_combo.currentData()
        return None if layer is None else (str(layer),)

    def available_layers(self) -> list[str]:
        """The layers listed for the current source."""
        return [name for name, _ in self._layers[self.source()]]

    def padding(self) -> int:
        """The size kernels are zero-padded to."""
        return self._padding_spin.value()

    def set_padding(self, size: int) -> None:
        """Zero-pad kernels to ``size × size`` (clamped to kernel size .. 128)."""
        self._padding_spin.setValue(size)

    def set_input_channel(self, channel: int) -> None:
        """Transform input channel ``channel`` of each kernel."""
        self._channel_spin.setValue(channel)

    def source_combo(self) -> QComboBox:
        """The box choosing feature maps or kernels (for tests that choose as a person does)."""
        return self._source_combo

    def padding_spin(self) -> QSpinBox:
        """The size kernels are zero-padded to (for tests that type into it as a person does)."""
        return self._padding_spin

    def spectra(self) -> np.ndarray | None:
        """The spectra shown, shape (n, H, W)."""
        return self._spectra

    def title(self) -> str:
        """A figure title such as ``"Spectra — conv2d kernels (28 filters, padded to 32×32)"``."""
        return self._grid.title() or "Spectra"

    # -- internals ------------------------------------------------------------------------------
    def _populate_layers(self) -> None:
        current = self._layer_combo.currentData()
        with QSignalBlocker(self._layer_combo):
            self._layer_combo.clear()
            for name, shape in self._layers[self.source()]:
                # Feature maps (1, h, w, c) without the batch axis; kernels (kh, kw, in, out) in full.
                sizes = shape[1:] if self.source() == FEATURE_MAPS else shape
                self._layer_combo.addItem(f"{name}  ({'×'.join(str(size) for size in sizes)})", name)
            describe_layer_items(self._layer_combo, self._result.layer_graph if self._result is not None else None)
            self._layer_combo.setCurrentIndex(max(self._layer_combo.findData(current), 0))
        self._update_kernel_controls()

    def _update_kernel_controls(self) -> None:
        """Fit padding and channel spin boxes to the current kernel; only kernels use them."""
        is_kernel = self.source() == KERNELS
        shapes = dict(self._layers[KERNELS])
        shape = shapes.get(self._layer_combo.currentData())
        # Set only on a change: a range set again redraws the box, after every stroke.
        if shape is not None and (self._padding_spin.minimum() != max(shape[0], shape[1])
                                  or self._channel_spin.maximum() != shape[2] - 1):
            with QSignalBlocker(self._padding_spin), QSignalBlocker(self._channel_spin):
                self._padding_spin.setMinimum(max(shape[0], shape[1]))
                self._channel_spin.setRange(0, shape[2] - 1)
        enabled = self._source_combo.isEnabled()
        self._padding_spin.setEnabled(enabled and is_kernel)
        self._channel_spin.setEnabled(enabled and is_kernel and shape is not None and shape[2] > 1)

    def _render(self) -> None:
        result, layer = self._result, self._layer_combo.currentData()
        if result is None:
            return
        if layer is None:
            self._hint.setText("This model has no convolution layers: there are no kernels to transform."
                               if self.source() == KERNELS else
                               "This model has no convolution or pooling layers: there are no feature "
                               "maps to transform.")
            self._stack.setCurrentWidget(self._hint)
            return
        spectra = result.spectra
        if spectra is None:
            self._hint.setText(NO_SPECTRA_HINT)
            self._stack.setCurrentWidget(self._hint)
            return
        if self.source() == KERNELS:
            if layer not in spectra.kernels:
                return
            kernel_shape = spectra.kernels[layer].shape                 # (kh, kw, in, out)
            channel = min(self._channel_spin.value(), kernel_shape[2] - 1)
            stack = spectra.kernel_spectra(layer, channel, self._padding_spin.value())
            height, width = stack.size
            channel_text = f", input channel {channel}" if kernel_shape[2] > 1 else ""
            title = (f"Spectra — {layer} kernels ({counted(kernel_shape[3], 'filter')}, {kernel_shape[0]}×"
                     f"{kernel_shape[1]} padded to {height}×{width}{channel_text})")
            noun = "filter"
            self._grid.set_reference(None)
        else:
            if layer not in spectra.feature_maps:
                return
            stack = spectra.feature_maps[layer]
            height, width = stack.size
            noun = "filter" if layer in result.kernels else "channel"
            title = f"Spectra — {layer} feature maps ({len(stack.spectra)} {noun}s, {height}×{width})"
            self._grid.set_reference(np.asarray(result.image)[0], "Input")
        self._spectra = stack.spectra                                     # (n, H, W)
        self._grid.set_images(stack.spectra, [f"{noun} {index}" for index in range(len(stack.spectra))],
                              colormap=self._colormap_combo.currentData(), symmetric=False,
                              shared_scale=self._shared_check.isChecked(), extent=stack.extent,
                              axis_labels=("fx (cycles/pixel)", "fy (cycles/pixel)"))
        self._grid.set_title(title)
        self._show_grid()

    def _controls(self) -> list:
        return [self._source_combo, self._layer_combo, self._colormap_combo, self._shared_check]

    def _set_controls_enabled(self, enabled: bool) -> None:
        super()._set_controls_enabled(enabled)
        self._update_kernel_controls()

    def _on_source_changed(self, _index: int) -> None:
        self._populate_layers()
        self._render()
        self._clear_readouts()

    def _on_layer_changed(self, _index: int) -> None:
        self._update_kernel_controls()
        self._render()
        self._clear_readouts()

    def _on_display_changed(self, *_args) -> None:
        self._render()
        self._clear_readouts()
