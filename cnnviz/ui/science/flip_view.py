"""The report's §4.3: backpropagation through a convolution is a convolution with the flipped kernel.

For the current input, the engine's gradient with respect to a convolution layer's input is set
beside the same gradient recomputed as the full convolution of the (dilated, for strides above
one) pre-activation output gradient with the 180°-rotated kernel, and their difference: three
images of one size in one row. The two gradients share one symmetric colour scale; the difference,
usually millions of times smaller, has its own, and a caption says so. The verdict names the
tolerance it was judged against (:data:`cnnviz.core.backprop.FLIP_TOLERANCE`). The tab computes
nothing: the model service's worker checks every convolution with each inspection
(:func:`cnnviz.science.flip_identity.flip_checks`) and the tab shows the check of the chosen layer
and input channel. It follows every new inspection; while hidden it only remembers that it must
redraw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnnviz.core.backprop import FLIP_TOLERANCE, FlipComparison
from cnnviz.service.payloads import InspectionResult
from cnnviz.ui.layout import hint_label
from cnnviz.ui.science.common import ImagePlot, ModelLayout, WrappingLabel, make_colorbar, note_label
from cnnviz.ui.viewers.colour_bars import set_colorbar_levels, tick_label
from cnnviz.ui.viewers.colour_maps import DIVERGING_COLORMAP, get_colormap, image_levels
from cnnviz.ui.viewers.filter_grid import FilterGrid

if TYPE_CHECKING:
    from cnnviz.science.flip_identity import FlipResult

NO_INPUT_HINT = ("Draw a digit or pick a sample: this view recomputes the gradient with respect to a "
                 "convolution layer's input as a convolution with the flipped kernel, and compares it with "
                 "the engine's own backpropagation (report §4.3).")
NO_CONFIG_HINT = ("This view needs a model made by cnnviz: it reads each convolution's strides, padding and "
                  "activation from the model's configuration, which a model made elsewhere does not have.")
NO_CONVOLUTION_HINT = "This model has no convolution layer: there is no flipped kernel to show."
EXPLANATION = ("Each input pixel receives the output gradient of every window that covered it, weighted by the "
               "kernel entry that joined them: a full convolution of the pre-activation output gradient "
               "(dilated with s − 1 zeros for stride s) with the kernel rotated by 180°. Computed from the "
               "current inspection alone, and compared with the engine's backpropagation.")


class FlipTab(QWidget):
    """Engine gradient, flipped-kernel gradient and their difference for one convolution layer.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = ModelLayout()
        self._inspection: InspectionResult | None = None
        self._flip: FlipResult | None = None
        self._problem = NO_INPUT_HINT
        self._stale = False   # the check shown must be looked up again (new input, model or layer)
        self._dirty = False   # the view must be redrawn

        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The convolution layer whose backpropagation is recomputed.")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self.channel_spin = QSpinBox()
        self.channel_spin.setToolTip("Which channel of the layer's input to show (the first layer's input "
                                     "has one per colour channel; a deeper layer's, one per filter below).")
        self.channel_spin.valueChanged.connect(self._on_channel_changed)
        controls = QHBoxLayout()
        for text, control in (("Convolution layer:", self.layer_combo), ("Input channel:", self.channel_spin)):
            label = QLabel(text)
            label.setBuddy(control)
            controls.addWidget(label)
            controls.addWidget(control)
            controls.addSpacing(12)
        controls.addStretch(1)

        self.result_label = WrappingLabel("max |difference| = —")
        self.result_label.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setToolTip(f"The largest |flipped-convolution gradient − engine gradient| over every "
                                     f"input pixel and channel, and that relative to the largest |engine gradient|. "
                                     f"Up to {FLIP_TOLERANCE:.0e} relative, the difference is float32 rounding: the "
                                     f"gradients are equal.")
        self.explanation_label = note_label(EXPLANATION, "The identity behind this view (report §4.3).")

        self.gradients_widget = pg.GraphicsLayoutWidget()
        self.gradients_widget.setToolTip("Left: the engine's gradient with respect to the layer's input. "
                                         "Middle: the same recomputed with the flipped kernel. They share one "
                                         "symmetric colour scale (the bar under them). Right: their difference, "
                                         "on its own symmetric scale (the bar under it).")
        self.gradients_widget.setMinimumHeight(260)
        outer = self.gradients_widget.ci
        outer.setContentsMargins(4, 4, 4, 4)
        self._title = pg.LabelItem("", size="10pt", bold=True, color="#222")
        outer.addItem(self._title, row=0, col=0, colspan=3)
        # Three images of one size in one row, the colour bars below them: a bar between the images
        # would make one cell wider than the others.
        self.engine_plot = ImagePlot(outer, 1, 0, "engine backprop", with_colorbar=False)
        self.computed_plot = ImagePlot(outer, 1, 1, "flipped kernel", with_colorbar=False)
        self.difference_plot = ImagePlot(outer, 1, 2, "flipped − engine", with_colorbar=False)
        self._gradient_colorbar = make_colorbar("gradient (left and middle: one scale)", DIVERGING_COLORMAP,
                                                orientation="horizontal")
        outer.addItem(self._gradient_colorbar, row=2, col=0, colspan=2)
        self._difference_colorbar = make_colorbar("difference", DIVERGING_COLORMAP,
                                                  orientation="horizontal")
        outer.addItem(self._difference_colorbar, row=2, col=2)
        self._image_plots = (self.engine_plot, self.computed_plot, self.difference_plot)
        # Equal columns: the same stretch, and the same minimum width whatever each title needs.
        widest = max(plot.plot.effectiveSizeHint(Qt.SizeHint.MinimumSize).width() for plot in self._image_plots)
        for column, plot in enumerate(self._image_plots):
            outer.layout.setColumnStretchFactor(column, 1)
            plot.plot.setMinimumWidth(widest)
        self.gradients_widget.installEventFilter(self)
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._on_fit_due)
        self.scale_caption = note_label("", "How the three images are coloured.")
        gradients_page = QWidget()
        gradients_layout = QVBoxLayout(gradients_page)
        gradients_layout.setContentsMargins(0, 0, 0, 0)
        gradients_layout.setSpacing(2)
        gradients_layout.addWidget(self.gradients_widget, 1)
        gradients_layout.addWidget(self.scale_caption)
        gradients_layout.addStretch(0)

        self.kernels_grid = FilterGrid(value_label="weight (flipped)")
        self.kernels_grid.setToolTip("The kernels rotated by 180° (K[::-1, ::-1]) for the chosen input channel: "
                                     "one per filter of the layer.")
        self.output_grid = FilterGrid(value_label="pre-activation gradient")
        self.output_grid.setToolTip("The gradient with respect to each filter's output before its activation, "
                                    "dilated for strides above 1: what is convolved with the flipped kernels. "
                                    "Each map on its own colour scale.")
        grids = QSplitter(Qt.Orientation.Horizontal)
        grids.setChildrenCollapsible(False)
        grids.addWidget(self.kernels_grid)
        grids.addWidget(self.output_grid)
        # Two pages rather than one splitter: each gets the whole height of a small window.
        content = QTabWidget()
        content.setDocumentMode(True)
        content.addTab(gradients_page, "Gradient with respect to the input")
        content.addTab(grids, "Flipped kernels and output gradient")
        content.setTabToolTip(0, "The engine's gradient, the flipped-kernel convolution and their difference.")
        content.setTabToolTip(1, "What is convolved: the 180°-rotated kernels and the gradient with respect to "
                                 "each filter's output.")
        self.content_tabs = content

        self._stack = QStackedWidget()
        self._hint = hint_label(NO_INPUT_HINT)
        self._stack.addWidget(self._hint)
        self._stack.addWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(controls)
        layout.addWidget(self.result_label)
        layout.addWidget(self.explanation_label)
        layout.addWidget(self._stack, 1)

    # -- public API ----------------------------------------------------------------------------------
    def set_model(self, layout: ModelLayout) -> None:
        """Follow a new model (its convolution layers and their settings)."""
        self._layout = layout
        self._inspection = None
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for name in layout.conv_layers():
            spec = layout.specs[name]
            self.layer_combo.addItem(f"{name} ({spec.kernel_size[0]}×{spec.kernel_size[1]}, stride "
                                     f"{spec.strides[0]}×{spec.strides[1]}, {spec.padding})", name)
        self.layer_combo.blockSignals(False)
        self._invalidate()

    def show_inspection(self, result: InspectionResult) -> None:
        """Follow a new input (or new weights): show its flip check when the tab is next on screen."""
        self._inspection = result
        self._invalidate()

    def flip_result(self) -> FlipResult | None:
        """The service's check of the current input and layer (every channel), or None."""
        self._ensure_current()
        return self._flip

    def comparison(self) -> FlipComparison | None:
        """The arrays of :meth:`flip_result`, or None."""
        flip = self.flip_result()
        return None if flip is None else flip.comparison

    def problem(self) -> str:
        """Why nothing is shown (empty when a check is shown)."""
        self._ensure_current()
        return "" if self._flip is not None else self._problem

    def hint_text(self) -> str:
        """The text shown instead of the images ("" while the images are shown)."""
        return self._hint.text() if self._stack.currentWidget() is self._hint else ""

    def current_layer(self) -> str | None:
        return self.layer_combo.currentData()

    def set_current_layer(self, name: str) -> None:
        self.layer_combo.setCurrentIndex(self.layer_combo.findData(name))

    # -- internals -----------------------------------------------------------------------------------
    def _invalidate(self) -> None:
        """Mark the check shown out of date; redraw now only if the tab is on screen (inspections
        arrive many times a second while drawing or training)."""
        self._stale = self._dirty = True
        if self.isVisible():
            self._render()

    def _ensure_current(self) -> None:
        if not self._stale:
            return
        self._stale = False
        self._flip = self._find_check()
        if self._flip is not None:
            channels = self._flip.comparison.engine_gradient.shape[-1]
            self.channel_spin.blockSignals(True)
            self.channel_spin.setRange(0, channels - 1)
            self.channel_spin.blockSignals(False)
            self.channel_spin.setEnabled(channels > 1)

    def _find_check(self) -> FlipResult | None:
        """The inspection's check of the chosen layer, or None with :attr:`_problem` saying why."""
        if not self._layout.has_config:
            self._problem = NO_CONFIG_HINT if self._layout.layer_names else NO_INPUT_HINT
            return None
        layer = self.layer_combo.currentData()
        if layer is None:
            self._problem = NO_CONVOLUTION_HINT
            return None
        result = self._inspection
        if result is None:
            self._problem = NO_INPUT_HINT
            return None
        checks = result.flip_checks
        if checks is None:
            self._problem = NO_CONFIG_HINT
            return None
        found = checks.result(layer)
        if found is None:
            self._problem = f"The flipped-kernel gradient cannot be computed for this layer: {checks.problem(layer)}"
        return found

    def _render(self) -> None:
        self._ensure_current()
        self._dirty = False
        flip = self._flip
        if flip is None:
            self._hint.setText(self._problem)
            self._stack.setCurrentIndex(0)
            self.result_label.setText("max |difference| = —")
            self.result_label.setStyleSheet("font-size: 14px; font-weight: bold;")
            self.scale_caption.setText("")
            return
        comparison = flip.comparison
        channel = min(self.channel_spin.value(), comparison.engine_gradient.shape[-1] - 1)
        engine = np.asarray(comparison.engine_gradient[0, :, :, channel], dtype=np.float64)
        computed = np.asarray(comparison.computed_gradient[0, :, :, channel], dtype=np.float64)
        levels = image_levels(np.stack([engine, computed]), True)
        self.engine_plot.set_image(engine, DIVERGING_COLORMAP, levels=levels)
        self.computed_plot.set_image(computed, DIVERGING_COLORMAP, levels=levels)
        self._gradient_colorbar.setColorMap(get_colormap(DIVERGING_COLORMAP))
        set_colorbar_levels(self._gradient_colorbar, levels)
        difference = np.asarray(comparison.difference[0, :, :, channel])
        difference_levels = image_levels(difference, True)
        self.difference_plot.set_image(difference, DIVERGING_COLORMAP, levels=difference_levels)
        self._difference_colorbar.setColorMap(get_colormap(DIVERGING_COLORMAP))
        set_colorbar_levels(self._difference_colorbar, difference_levels)
        self.scale_caption.setText(self._scale_caption(levels[1], difference_levels[1], bool(np.any(difference))))
        target = flip.target
        self._title.setText(f"{flip.layer}: gradient of the {'loss' if target == 'loss' else target} w.r.t. "
                            f"{flip.input_name}, channel {channel}")
        colour = "#2e7d32" if flip.agrees else "#c62828"
        self.result_label.setText(flip.verdict_text())
        self.result_label.setStyleSheet(f"font-size: 14px; font-weight: bold; color: {colour};")

        flipped = np.moveaxis(np.asarray(comparison.flipped_kernel)[:, :, channel, :], -1, 0)
        self.kernels_grid.set_images(flipped, colormap=DIVERGING_COLORMAP, symmetric=True)
        # Short titles: the grids share the page's width, and their tooltips say the rest.
        self.kernels_grid.set_title(f"Flipped kernels, channel {channel}")
        output = np.moveaxis(np.asarray(comparison.dilated_gradient)[0], -1, 0)
        # Each map on its own scale: a few filters carry most of the gradient, the others would look blank.
        self.output_grid.set_images(output, colormap=DIVERGING_COLORMAP, symmetric=True, shared_scale=False)
        stride_y, stride_x = flip.strides
        if max(stride_y, stride_x) > 1:
            self.output_grid.set_title(f"Dilated gradient, stride {stride_y}×{stride_x}")
        else:
            self.output_grid.set_title("Pre-activation gradient")
        self._stack.setCurrentIndex(1)
        # The images' shape may have changed: fit the height once the layout has placed them.
        self._fit_timer.start()

    @staticmethod
    def _scale_caption(gradient_range: float, difference_range: float, differs: bool) -> str:
        """Say which images share a colour scale, and how much finer the difference's own scale is."""
        text = (f"Colours: the engine's gradient and the flipped-kernel convolution (left and middle) share one "
                f"symmetric scale, ±{tick_label(gradient_range)} (white is 0), so equal colours are equal values. ")
        if not differs:
            return text + "The difference is exactly 0 everywhere."
        own = f"The difference has its own symmetric scale, ±{tick_label(difference_range)}"
        ratio = gradient_range / difference_range
        if ratio >= 20:
            return text + f"{own}, {tick_label(ratio)} times finer: on the shared scale it would look blank."
        return text + f"{own}, not much finer than the gradients': the two gradients differ visibly."

    def eventFilter(self, watched, event) -> bool:  # noqa: N802  (Qt's name)
        if watched is self.gradients_widget and event.type() == QEvent.Type.Resize:
            self._fit_gradients_height(event.size().width())
        return super().eventFilter(watched, event)

    def _on_fit_due(self) -> None:
        self._fit_gradients_height(self.gradients_widget.width())

    def _fit_gradients_height(self, width: int) -> None:
        """No taller than the three images need at this width: in a taller view each image would float
        in empty axis range above and below it. The height follows the width, never the reverse, so
        resizing cannot feed back on itself."""
        image = self.engine_plot.image()
        view = self.engine_plot.plot.getViewBox()
        if image is None or view.width() <= 0:
            return
        rows, columns = np.shape(image)
        beside = self.engine_plot.plot.width() - view.width()
        above_and_below = self.engine_plot.plot.height() - view.height()
        margins = self.gradients_widget.ci.layout.getContentsMargins()
        side = (width - margins[0] - margins[2] - 3 * beside - 12) / 3
        others = (self._title.boundingRect().height() + self._gradient_colorbar.boundingRect().height()
                  + margins[1] + margins[3] + 12)
        wanted = int(side * rows / max(columns, 1) + above_and_below + others)
        wanted = max(wanted, self.gradients_widget.minimumHeight())
        if abs(self.gradients_widget.maximumHeight() - wanted) > 2:
            self.gradients_widget.setMaximumHeight(wanted)

    def showEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        super().showEvent(event)
        if self._dirty:
            self._render()

    def _on_layer_changed(self, _index: int) -> None:
        self._invalidate()

    def _on_channel_changed(self, _value: int) -> None:
        if self.isVisible():
            self._render()
        else:
            self._dirty = True
