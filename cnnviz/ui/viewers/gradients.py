"""The gradients viewer: how the loss, or one class's score, depends on the input and on each layer.

The target is the cross-entropy loss (of the true label when the input has one, otherwise of
the predicted class) or the score (logit, before softmax) of one class; changing it emits
:attr:`GradientsView.sig_target_changed` so that the main window asks for a new inspection.
What is shown:

* "Input (saliency)": the input image beside ``|∂target/∂input|`` (saliency, a sequential
  colour map; for input with several channels the largest magnitude over channels) and the
  signed gradient (diverging colour map centred at zero; several channels are averaged). The
  three panels have one size and one pixel range; saliency and signed gradient are one
  quantity and share one scale (``0 .. m`` and ``-m .. m``), the input has its own;
* "Layer output: <layer>": the gradient with respect to each channel of a layer's output
  (layers whose output is a stack of maps), signed, on a diverging map centred at zero;
* "Kernel: <layer>": the gradient with respect to a convolution layer's kernel, one input
  channel at a time (a spin box picks it for deeper layers), likewise signed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from cnnviz.service.payloads import InspectionResult
from cnnviz.ui.elided_label import ElidedLabel
from cnnviz.ui.layout import PageLayout, hint_label
from cnnviz.ui.layout_barrier import LayoutBarrier
from cnnviz.ui.viewers.colour_maps import DIVERGING_COLORMAP
from cnnviz.ui.viewers.figure_text import format_value
from cnnviz.ui.viewers.filter_grid import FilterGrid
from cnnviz.ui.viewers.grid_view import describe_layer_items
from cnnviz.ui.viewers.page_stack import PageStack
from cnnviz.ui.viewers.saliency_panel import SaliencyPanel
from cnnviz.ui.wording import counted

HINT = ("Draw a digit or pick a sample to see the gradients: which input pixels, feature maps and "
        "weights the loss or a class score is most sensitive to.")
LOSS_TEXT = "Loss (predicted or true label)"
_LOSS_KEY = -1  # the target box's data for the loss (class indices are >= 0)
SALIENCY_COLORMAPS = ("inferno", "gray", "magma", "viridis")
INPUT = "input"
LAYER = "layer"
KERNEL = "kernel"


def describe_target(target: str, class_names: Sequence[str] = ()) -> str:
    """A gradient target as text: ``"loss"`` or ``"score of class 4"`` (not ``"class:4"``).

    Parameters
    ----------
    target : str
        ``"loss"`` or ``"class:K"``, as in :class:`~cnnviz.core.results.GradientResult`.
    class_names : sequence of str
        Names of the classes, used when ``K`` is one of them.
    """
    if target.startswith("class:"):
        key = target.split(":", 1)[1]
        index = int(key) if key.lstrip("-").isdigit() else None
        name = class_names[index] if index is not None and 0 <= index < len(class_names) else key
        return f"score of class {name}"
    return target


class GradientsView(QWidget):
    """Gradients of the loss or of a class score with respect to input, layer outputs and kernels."""

    sig_target_changed = Signal(object)
    """The user chose a new gradient target: None for the loss, or a class index."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._result: InspectionResult | None = None
        self._class_names: list[str] = []
        self._explicit_class_names = False
        self._show_entries: list[tuple[str, str]] = []
        self._repopulating = False

        self._target_combo = QComboBox()
        self._target_combo.setToolTip("What the gradients are taken of: the cross-entropy loss (of the true "
                                      "label when known, else of the predicted class), or one class's "
                                      "score (its logit, before softmax).")
        self._target_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._target_combo.currentIndexChanged.connect(self._on_target_changed)
        self._show_combo = QComboBox()
        self._show_combo.setToolTip("Which gradient to show: with respect to the input pixels (saliency), "
                                    "to a layer's output maps, or to a convolution layer's kernel.")
        self._show_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._show_combo.currentIndexChanged.connect(self._on_show_changed)
        self._channel_spin = QSpinBox()
        self._channel_spin.setToolTip("For kernel gradients of deeper layers: which input channel of each "
                                      "filter's kernel to show.")
        self._channel_spin.valueChanged.connect(self._on_display_changed)
        self._saliency_combo = QComboBox()
        self._saliency_combo.addItems(SALIENCY_COLORMAPS)
        self._saliency_combo.setToolTip("Colour map of the saliency |gradient| (the signed gradient always "
                                        "uses a diverging map centred at zero).")
        self._saliency_combo.currentIndexChanged.connect(self._on_display_changed)
        self._shared_check = QCheckBox("Shared scale")
        self._shared_check.setChecked(True)
        self._shared_check.setToolTip("Layer and kernel gradients: one colour scale for all maps (checked) "
                                      "or each map on its own scale.")
        self._shared_check.toggled.connect(self._on_display_changed)
        # One line, elided when long; its text changes with every stroke, so it sits in a layout
        # barrier: the change lays out nothing around it.
        self._target_label = ElidedLabel(1, tooltip="The value of the target whose gradients are shown.")
        self._target_label.setStyleSheet("font-weight: bold;")
        self._target_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        first_row = QHBoxLayout()
        second_row = QHBoxLayout()
        for row, entries in ((first_row, (("Target:", self._target_combo), ("Show:", self._show_combo))),
                             (second_row, (("Kernel input channel:", self._channel_spin),
                                           ("Saliency colours:", self._saliency_combo)))):
            for text, control in entries:
                label = QLabel(text)
                label.setBuddy(control)
                row.addWidget(label)
                row.addWidget(control)
                row.addSpacing(12)
        first_row.addStretch(1)
        second_row.addWidget(self._shared_check)
        second_row.addStretch(1)

        self._saliency = SaliencyPanel()
        self._grid = FilterGrid(value_label="gradient")
        self._hint = hint_label(HINT)
        self._stack = PageStack()
        for page in (self._hint, self._saliency, self._grid):
            self._stack.addWidget(page)
        # Shown in the main window's scroll area: fill its height (see PageLayout).
        layout = PageLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(first_row)
        layout.addLayout(second_row)
        layout.addWidget(LayoutBarrier(self._target_label))
        layout.addWidget(self._stack, 1)
        self._populate_targets(10)
        self._set_controls_enabled(False)

    # -- public API -----------------------------------------------------------------------------
    def set_class_names(self, names: Sequence[str]) -> None:
        """Name the classes in the target box (e.g. ``"0" .. "9"`` or ``"T-shirt/top"`` ...)."""
        self._class_names = [str(name) for name in names]
        self._explicit_class_names = True
        self._populate_targets(len(self._class_names))

    def target(self) -> int | None:
        """The chosen target: None for the loss, or a class index."""
        key = self._target_combo.currentData()
        return None if key is None or key == _LOSS_KEY else int(key)

    def set_target(self, class_index: int | None) -> None:
        """Choose the target (as the user would; emits :attr:`sig_target_changed` when it changes)."""
        index = self._target_combo.findData(_LOSS_KEY if class_index is None else int(class_index))
        if index < 0:
            raise ValueError(f"No class {class_index} in the target box (classes 0 .. "
                             f"{self._target_combo.count() - 2}).")
        self._target_combo.setCurrentIndex(index)

    def target_box(self) -> QComboBox:
        """The target box (for keyboard and mouse tests)."""
        return self._target_combo

    def target_options(self) -> list[str]:
        """The texts of the target box."""
        return [self._target_combo.itemText(index) for index in range(self._target_combo.count())]

    def show_inspection(self, result: InspectionResult | None) -> None:
        """Show the gradients in ``result`` (``None``: no input yet, show the hint)."""
        self._result = result
        if result is None:
            # The canvas was cleared: what to show stays choosable for the next drawing.
            self._hint.setText(HINT)
            self._stack.setCurrentWidget(self._hint)
            self._target_label.set_full_text("")
            return
        num_classes = int(np.asarray(result.probabilities).shape[-1])
        if num_classes != self._target_combo.count() - 1:
            self._populate_targets(num_classes)
        entries = self._show_entries_for(result)
        if entries != self._show_entries:
            self._populate_show(entries)
        self._set_controls_enabled(True)
        self._render()

    def show_options(self) -> list[str]:
        """The texts of the show box."""
        return [self._show_combo.itemText(index) for index in range(self._show_combo.count())]

    def current_show(self) -> tuple[str, str | None]:
        """What is shown: ``("input", None)``, ``("layer", name)`` or ``("kernel", name)``."""
        key = self._show_combo.currentData() or INPUT
        kind, _, layer = key.partition(":")
        return kind, layer or None

    def set_show(self, kind: str, layer: str | None = None) -> None:
        """Show the input saliency (``"input"``), a layer's output gradient (``"layer"``) or a
        kernel gradient (``"kernel"``)."""
        index = self._show_combo.findData(INPUT if kind == INPUT else f"{kind}:{layer}")
        if index < 0:
            raise ValueError(f"Nothing to show for {kind!r} {layer!r}; options: {self.show_options()}.")
        self._show_combo.setCurrentIndex(index)

    def set_input_channel(self, channel: int) -> None:
        """For kernel gradients: show input channel ``channel`` of each filter."""
        self._channel_spin.setValue(channel)

    def target_text(self) -> str:
        """The target value line, e.g. ``"Loss = 0.0213 (predicted 7, p = 0.98)"``."""
        return self._target_label.full_text()

    def saliency_panel(self) -> SaliencyPanel:
        """The panel showing input, saliency and signed gradient."""
        return self._saliency

    def grid(self) -> FilterGrid:
        """The grid showing layer and kernel gradients."""
        return self._grid

    def is_showing_hint(self) -> bool:
        """Whether the hint is shown instead of gradients."""
        return self._stack.currentWidget() is self._hint

    def is_showing_saliency(self) -> bool:
        """Whether the input saliency panel is shown."""
        return self._stack.currentWidget() is self._saliency

    def export_widget(self) -> pg.GraphicsLayoutWidget:
        """The graphics widget of what is shown (saliency panel or gradient grid)."""
        if self._stack.currentWidget() is self._saliency:
            return self._saliency.graphics_widget()
        return self._grid.graphics_widget()

    def title(self) -> str:
        """A figure title such as ``"Gradients — conv2d output (28 filters, loss)"``."""
        if self._stack.currentWidget() is self._saliency:
            return self._saliency.title()
        if self._stack.currentWidget() is self._grid:
            return self._grid.title()
        return "Gradients"

    # -- internals ------------------------------------------------------------------------------
    def _class_name(self, index: int) -> str:
        return self._class_names[index] if index < len(self._class_names) else str(index)

    def _populate_targets(self, num_classes: int) -> None:
        """Fill the target box; keep the chosen class if it still exists, else fall back to the loss."""
        if not self._explicit_class_names or len(self._class_names) != num_classes:
            self._class_names = [str(index) for index in range(num_classes)]
            self._explicit_class_names = False
        current = self.target()
        self._repopulating = True
        self._target_combo.clear()
        self._target_combo.addItem(LOSS_TEXT, _LOSS_KEY)
        for index in range(num_classes):
            self._target_combo.addItem(f"Class score: {self._class_name(index)}", index)
        position = self._target_combo.findData(current) if current is not None else 0
        self._target_combo.setCurrentIndex(max(position, 0))
        self._repopulating = False
        if current is not None and position < 0:
            self.sig_target_changed.emit(None)

    @staticmethod
    def _show_entries_for(result: InspectionResult) -> list[tuple[str, str]]:
        """(text, key) of each show-box entry; keys are ``"input"``, ``"layer:<name>"``,
        ``"kernel:<name>"``."""
        entries = [("Input (saliency)", INPUT)]
        layers = result.gradients.layers
        entries += [(f"Layer output: {name}", f"{LAYER}:{name}") for name in result.layer_names
                    if name in layers and np.ndim(layers[name]) == 4]
        parameters = result.gradients.parameters
        entries += [(f"Kernel: {name}", f"{KERNEL}:{name}") for name in result.layer_names
                    if name in parameters and np.ndim(parameters[name].get("kernel")) == 4]
        return entries

    def _populate_show(self, entries: list[tuple[str, str]]) -> None:
        current = self._show_combo.currentData()
        self._show_entries = entries
        with QSignalBlocker(self._show_combo):
            self._show_combo.clear()
            for text, data in entries:
                self._show_combo.addItem(text, data)
            describe_layer_items(self._show_combo, self._result.layer_graph if self._result is not None else None,
                                 prefixed=True)
            self._show_combo.setCurrentIndex(max(self._show_combo.findData(current), 0))

    def _target_description(self, result: InspectionResult) -> tuple[str, str]:
        """(short name for titles, full line with the value) of the result's target."""
        gradients = result.gradients
        probabilities = np.asarray(result.probabilities)
        predicted = int(np.argmax(probabilities)) if probabilities.size else None
        prediction = ("" if predicted is None else
                      f"   (predicted {self._class_name(predicted)}, p = {float(probabilities[predicted]):.3f})")
        short = describe_target(gradients.target, self._class_names)
        if gradients.target.startswith("class:"):
            class_index = int(gradients.target.split(":", 1)[1])
            name = self._class_name(class_index)
            line = f"Target: score (logit) of class {name} = {format_value(gradients.value)}{prediction}"
        else:
            class_index = None
            line = f"Target: cross-entropy loss = {format_value(gradients.value)}{prediction}"
        if class_index != self.target():
            line += "   — updating to the chosen target…"
        return short, line

    def _render(self) -> None:
        result = self._result
        if result is None:
            return
        short, line = self._target_description(result)
        self._target_label.set_full_text(line)
        kind, layer = self.current_show()
        self._update_channel_spin()
        if kind == INPUT:
            gradient = np.asarray(result.gradients.input)[0]              # (h, w, c)
            image = np.asarray(result.image)[0]                           # (h, w, c), shown in colour
            saliency = np.abs(gradient).max(axis=-1)
            signed = gradient.mean(axis=-1)
            num_channels = gradient.shape[-1]
            caption = ("" if num_channels == 1 else
                       f"Colour input ({num_channels} channels), shown in colour: the saliency is the largest"
                       f"<br>|gradient| over R, G, B; the signed gradient is the mean over R, G, B.")
            self._saliency.set_data(image, saliency, signed, f"Gradients — input saliency ({short})",
                                    self._saliency_combo.currentText(), caption)
            self._stack.setCurrentWidget(self._saliency)
            return
        if kind == LAYER:
            if layer not in result.gradients.layers:
                return
            maps = np.asarray(result.gradients.layers[layer])[0]          # (h, w, c)
            noun = "filter" if layer in result.kernels else "channel"
            title = f"Gradients — {layer} output ({maps.shape[-1]} {noun}s, {short})"
        else:
            if layer not in result.gradients.parameters:
                return
            kernel = np.asarray(result.gradients.parameters[layer]["kernel"])   # (kh, kw, in, out)
            channel = min(self._channel_spin.value(), kernel.shape[2] - 1)
            maps = kernel[:, :, channel, :]
            noun = "filter"
            channel_text = f", input channel {channel}" if kernel.shape[2] > 1 else ""
            title = f"Gradients — {layer} kernel ({counted(kernel.shape[3], 'filter')}{channel_text}, {short})"
        self._grid.set_images(np.moveaxis(maps, -1, 0), [f"{noun} {index}" for index in range(maps.shape[-1])],
                              colormap=DIVERGING_COLORMAP, symmetric=True,
                              shared_scale=self._shared_check.isChecked())
        self._grid.set_reference(np.asarray(result.image)[0], "Input")
        self._grid.set_title(title)
        self._stack.setCurrentWidget(self._grid)

    def _update_channel_spin(self) -> None:
        kind, layer = self.current_show()
        num_channels = 1
        if kind == KERNEL and self._result is not None and layer in self._result.gradients.parameters:
            num_channels = int(np.shape(self._result.gradients.parameters[layer]["kernel"])[2])
        if self._channel_spin.maximum() != num_channels - 1:   # a range set again lays the page out
            with QSignalBlocker(self._channel_spin):
                self._channel_spin.setRange(0, num_channels - 1)
        enabled = self._show_combo.isEnabled()
        self._channel_spin.setEnabled(enabled and kind == KERNEL and num_channels > 1)
        self._saliency_combo.setEnabled(enabled and kind == INPUT)
        self._shared_check.setEnabled(enabled and kind != INPUT)

    def _set_controls_enabled(self, enabled: bool) -> None:
        self._show_combo.setEnabled(enabled)
        self._update_channel_spin()

    def _clear_readouts(self) -> None:
        """Forget the values read out under the mouse: what they described is no longer shown."""
        self._saliency.clear_readout()
        self._grid.clear_readout()

    def hideEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        # Another tab was chosen: a value read out here would be stale when the tab comes back.
        self._clear_readouts()
        super().hideEvent(event)

    def _on_target_changed(self, _index: int) -> None:
        if self._repopulating:
            return
        self.sig_target_changed.emit(self.target())
        self._render()
        self._clear_readouts()

    def _on_show_changed(self, _index: int) -> None:
        self._render()
        self._clear_readouts()

    def _on_display_changed(self, *_args) -> None:
        self._render()
        self._clear_readouts()
