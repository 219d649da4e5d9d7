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

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSpinBox, QStackedWidget, QVBoxLayout, QWidget

from cnnviz.service.payloads import InspectionResult
from cnnviz.ui.layout import PageLayout, hint_label
from cnnviz.ui.viewers.colour_bars import set_colorbar_levels, tick_label
from cnnviz.ui.viewers.colour_maps import DIVERGING_COLORMAP, get_colormap
from cnnviz.ui.viewers.figure_text import format_value, wrap_title
from cnnviz.ui.viewers.filter_grid import FilterGrid
from cnnviz.ui.wording import counted

HINT = ("Draw a digit or pick a sample to see the gradients: which input pixels, feature maps and "
        "weights the loss or a class score is most sensitive to.")
LOSS_TEXT = "Loss (predicted or true label)"
_LOSS_KEY = -1  # the target box's data for the loss (class indices are >= 0)
SALIENCY_COLORMAPS = ("inferno", "gray", "magma", "viridis")
INPUT = "input"
LAYER = "layer"
KERNEL = "kernel"
SALIENCY_READOUT_HINT = "Hover over an image to read its values."
"""The saliency panel's status line while no value is read out."""
_AXIS_WIDTH = 40        # pixels of each panel's row axis: the same for all three, so their images match
_PLOT_CHROME_HEIGHT = 70  # pixels of each panel's title and column axis
_COLORBAR_INSET = 28    # pixels left free at each end of a horizontal colour bar for its end labels


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


class _SaliencyPanel(QWidget):
    """Input image, saliency ``|gradient|`` and signed gradient side by side, each with a colour bar."""

    _NAMES = ("Input", "|gradient| (saliency)", "gradient (signed)")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._arrays: list[np.ndarray | None] = [None, None, None]
        self._hover: QPointF | None = None
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setToolTip(SALIENCY_READOUT_HINT)
        outer = self._graphics.ci
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(8)
        self._title = pg.LabelItem("", size="11pt", bold=True, color="#222")
        self._title_text = ""
        outer.addItem(self._title, row=0, col=0, colspan=3)
        self._caption = pg.LabelItem("", size="9pt", color="#444")
        outer.addItem(self._caption, row=1, col=0, colspan=3)
        self._plots: list[pg.PlotItem] = []
        self._items: list[pg.ImageItem] = []
        self._colorbars: list[pg.ColorBarItem] = []
        bar_labels = ("pixel value (own scale)", "|∂target/∂pixel| (shared scale)",
                      "∂target/∂pixel (shared scale)")
        for column, (name, bar_label) in enumerate(zip(self._NAMES, bar_labels)):
            plot = outer.addPlot(row=2, col=column, title=name)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            plot.setAspectLocked(True)
            plot.invertY(True)
            plot.getViewBox().setDefaultPadding(0.0)
            plot.setLabel("bottom", "column")
            plot.setLabel("left", "row")
            plot.getAxis("left").setWidth(_AXIS_WIDTH)
            item = pg.ImageItem(axisOrder="row-major")
            plot.addItem(item)
            colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=get_colormap("gray"), label=bar_label,
                                       interactive=False, width=10, orientation="horizontal",
                                       colorMapMenu=False)
            colorbar.axis.enableAutoSIPrefix(False)
            # The end labels (min and max) overhang the bar by half their width: keep them, and
            # inset the bar so that they stay within its own column.
            colorbar.axis.setStyle(hideOverlappingLabels=_COLORBAR_INSET)
            colorbar.setContentsMargins(_COLORBAR_INSET, 0, _COLORBAR_INSET, 0)
            outer.addItem(colorbar, row=3, col=column)
            self._plots.append(plot)
            self._items.append(item)
            self._colorbars.append(colorbar)
        self._graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._graphics.viewport().installEventFilter(self)
        # Owned by the widget, so that it never fires into a deleted view.
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_central_item)
        self._graphics.installEventFilter(self)
        self._status = QLabel(SALIENCY_READOUT_HINT)
        self._status.setToolTip("The value under the mouse.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self._graphics, 1)
        layout.addWidget(self._status)

    def set_data(self, image: np.ndarray, saliency: np.ndarray, signed: np.ndarray, title: str,
                 saliency_colormap: str, caption: str = "") -> None:
        """Show ``(h, w)`` input, saliency and signed gradient (updating items in place).

        Saliency and signed gradient share one bound ``m``, the largest magnitude of either:
        the saliency is drawn over ``0 .. m`` and the signed gradient over ``-m .. m``, so that
        equal colours mean equal sizes. ``caption`` is written under the title (how the panels
        were computed); the panels' shared scale is added to it.
        """
        finite_image = image[np.isfinite(image)]
        image_low = float(finite_image.min()) if finite_image.size else 0.0
        image_high = float(finite_image.max()) if finite_image.size else 1.0
        saliency_high = float(np.nanmax(saliency)) if saliency.size and np.isfinite(saliency).any() else 0.0
        signed_high = float(np.nanmax(np.abs(signed))) if signed.size and np.isfinite(signed).any() else 0.0
        bound = max(saliency_high, signed_high) or 1.0
        levels = ((image_low, image_high if image_high > image_low else image_low + 1.0),
                  (0.0, bound), (-bound, bound))
        colormaps = ("gray", saliency_colormap, DIVERGING_COLORMAP)
        reshaped = False
        for index, (array, level, colormap) in enumerate(zip((image, saliency, signed), levels, colormaps)):
            previous = self._arrays[index]
            array = np.asarray(array, dtype=np.float32)
            self._arrays[index] = array
            self._items[index].setImage(array, autoLevels=False, levels=level)
            self._items[index].setColorMap(get_colormap(colormap))
            self._colorbars[index].setColorMap(get_colormap(colormap))
            # Three ticks or so: each bar is a third of the view wide.
            set_colorbar_levels(self._colorbars[index], level, count=3)
            if previous is None or previous.shape != array.shape:
                reshaped = True
        if reshaped:
            # All three show the same pixels: one range, and (by the equal column widths) one size.
            height, width = image.shape
            for plot in self._plots:
                plot.getViewBox().setRange(xRange=(0, width), yRange=(0, height), padding=0)
            self._fit_plot_heights()
        self._title_text = title
        self._title.setText(wrap_title(title, self._graphics.width() - 24))
        scale = (f"Saliency and signed gradient: one scale, max |∂target/∂pixel| = {tick_label(bound)}. "
                 f"Input: its own scale.")
        # A graphics label does not wrap: each sentence gets its own line.
        self._caption.setText("<br>".join(part for part in (caption, scale) if part))
        if reshaped:
            self.clear_readout()
        else:
            self._refresh_readout()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802  (Qt's name)
        if watched is self._graphics and event.type() == QEvent.Type.Resize:
            self._title.setText(wrap_title(self._title_text, self._graphics.width() - 24))
            self._fit_plot_heights()
        elif watched is self._graphics.viewport() and event.type() == QEvent.Type.Leave:
            self._hover = None
        return super().eventFilter(watched, event)

    def _fit_plot_heights(self) -> None:
        """Give the three panels one width, and cap each at the height its image needs at that
        width, so that the colour bars sit right under the images instead of below empty axes."""
        shape = next((array.shape for array in self._arrays if array is not None), (28, 28))
        outer = self._graphics.ci
        left, _, right, _ = outer.layout.getContentsMargins()
        spacing = outer.layout.horizontalSpacing()
        usable = self._graphics.width() - left - right - 2 * max(spacing, 0) - 4
        column_width = max(usable / 3, 90.0)
        for column in range(3):
            outer.layout.setColumnFixedWidth(column, column_width)
        image_width = max(column_width - _AXIS_WIDTH - 8, 40)
        for plot in self._plots:
            plot.setMaximumHeight(image_width * shape[0] / shape[1] + _PLOT_CHROME_HEIGHT)
        self._fit_timer.start()

    def _fit_central_item(self) -> None:
        self._graphics.ci.setGeometry(QRectF(self._graphics.range))

    def arrays(self) -> tuple[np.ndarray | None, ...]:
        """The input, saliency and signed gradient shown."""
        return tuple(self._arrays)

    def image_items(self) -> list[pg.ImageItem]:
        """The three image items (input, saliency, signed gradient)."""
        return list(self._items)

    def title(self) -> str:
        """The figure title."""
        return self._title_text

    def graphics_widget(self) -> pg.GraphicsLayoutWidget:
        """The graphics widget (for export)."""
        return self._graphics

    def status_text(self) -> str:
        """The hover read-out under the images."""
        return self._status.text()

    def caption(self) -> str:
        """The line under the title: how the panels were computed and which share a scale."""
        return self._caption.text

    def view_boxes(self) -> list[pg.ViewBox]:
        """The three panels' view boxes (input, saliency, signed gradient)."""
        return [plot.getViewBox() for plot in self._plots]

    def colorbars(self) -> list[pg.ColorBarItem]:
        """The three panels' colour bars (input, saliency, signed gradient)."""
        return list(self._colorbars)

    def pixel_scene_position(self, panel: int, row: int, col: int) -> QPointF:
        """The scene position of the centre of pixel (row, col) of panel ``panel`` (0, 1 or 2)."""
        return self._items[panel].mapToScene(QPointF(col + 0.5, row + 0.5))

    def clear_readout(self) -> None:
        """Forget the value read out under the mouse (the status line shows the hint again)."""
        self._hover = None
        self._status.setText(SALIENCY_READOUT_HINT)

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        self._hover = QPointF(scene_position)
        self._read(scene_position)

    def _read(self, scene_position: QPointF) -> bool:
        """Show the value at a scene position; whether there was one."""
        for name, plot, item, array in zip(self._NAMES, self._plots, self._items, self._arrays):
            if array is None or not plot.getViewBox().sceneBoundingRect().contains(scene_position):
                continue
            point = item.mapFromScene(scene_position)
            row, col = math.floor(point.y()), math.floor(point.x())
            if 0 <= row < array.shape[0] and 0 <= col < array.shape[1]:
                self._status.setText(f"{name} (row {row}, col {col}): {format_value(float(array[row, col]))}")
                return True
            return False
        return False

    def _refresh_readout(self) -> None:
        """After new data: read the pixel still under the mouse, or clear the stale value."""
        if self._hover is None or not self._read(self._hover):
            self.clear_readout()


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
        self._target_label = QLabel("")
        self._target_label.setStyleSheet("font-weight: bold;")
        self._target_label.setToolTip("The value of the target whose gradients are shown.")
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

        self._saliency = _SaliencyPanel()
        self._grid = FilterGrid(value_label="gradient")
        self._hint = hint_label(HINT)
        self._stack = QStackedWidget()
        for page in (self._hint, self._saliency, self._grid):
            self._stack.addWidget(page)
        # Shown in the main window's scroll area: fill its height (see PageLayout).
        layout = PageLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(first_row)
        layout.addLayout(second_row)
        layout.addWidget(self._target_label)
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
            self._hint.setText(HINT)
            self._stack.setCurrentWidget(self._hint)
            self._target_label.setText("")
            self._set_controls_enabled(False)
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
        return self._target_label.text()

    def saliency_panel(self) -> _SaliencyPanel:
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
        self._target_label.setText(line)
        kind, layer = self.current_show()
        self._update_channel_spin()
        if kind == INPUT:
            gradient = np.asarray(result.gradients.input)[0]              # (h, w, c)
            image = np.asarray(result.image)[0].mean(axis=-1)
            saliency = np.abs(gradient).max(axis=-1)
            signed = gradient.mean(axis=-1)
            num_channels = gradient.shape[-1]
            caption = ("" if num_channels == 1 else
                       f"Input with {num_channels} channels: input and signed gradient show channel means,"
                       f"<br>the saliency the largest |gradient| over the channels.")
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
        self._grid.set_reference(np.asarray(result.image)[0].mean(axis=-1), "Input")
        self._grid.set_title(title)
        self._stack.setCurrentWidget(self._grid)

    def _update_channel_spin(self) -> None:
        kind, layer = self.current_show()
        num_channels = 1
        if kind == KERNEL and self._result is not None and layer in self._result.gradients.parameters:
            num_channels = int(np.shape(self._result.gradients.parameters[layer]["kernel"])[2])
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
