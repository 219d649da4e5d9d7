"""The Overview tab: every layer of the model at a glance, for the current input.

Each layer is a column of small thumbnails — all its filters, or the ``k`` strongest by mean
activation for a wide layer ("32 of 96") — and a dense layer a strip of its units; connectors
follow the model's graph, so a residual block's Add and an Inception block's Concatenate show
where their inputs come from (:mod:`~cnnviz.ui.overview.scene`). It is fed the same inspection
result as the other viewers and draws it as one image (:mod:`~cnnviz.ui.overview.plan`): a stroke
costs one composition and one image upload.

Hovering a thumbnail names the layer and filter with its mean and largest activation; clicking it
asks the window (:attr:`OverviewView.sig_filter_chosen`) to open that layer and filter in the
Feature maps tab. Ctrl+wheel zooms; a deep model (MobileNetV2) scrolls sideways, and "Layers"
can keep only the convolution and dense layers.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolTip,
    QWidget,
)

from cnnviz.service.payloads import InspectionResult
from cnnviz.ui.layout import PageLayout, hint_label
from cnnviz.ui.overview.plan import (
    INPUT,
    MAPS,
    Column,
    OverviewPlan,
    compose,
    output_layers,
    plan_columns,
    weighted_layers,
)
from cnnviz.ui.overview.scene import OverviewScene, slot_rect
from cnnviz.ui.viewers.colour_maps import get_colormap
from cnnviz.ui.viewers.page_stack import PageStack

HINT = ("Draw a digit or pick a sample to see the whole network at once: every layer's filters as small "
        "pictures, left to right, joined as the layers are.")
ALL_LAYERS, WEIGHTED_ONLY = "all", "weighted"
READOUT_HINT = "Hover over a thumbnail to read it; click it to open that filter in Feature maps."
DEFAULT_PER_COLUMN = 32
DEEP_MODEL_LAYERS = 60
"""A model with more layers than this opens with its convolution and dense layers only."""


class OverviewCanvas(QGraphicsView):
    """The scene's view: Ctrl+wheel zooms, hovering and clicking report the image pixel under the mouse."""

    sig_hovered = Signal(object)
    """The image pixel under the mouse, a ``QPointF`` in scene coordinates."""
    sig_left = Signal()
    """The pointer left the view."""
    sig_clicked = Signal(object)
    """The scene position of a left click, a ``QPointF``."""

    def __init__(self, scene: OverviewScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setToolTip("")

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = float(np.clip(factor, 0.25, 6.0))
        self.resetTransform()
        self.scale(factor, factor)

    def wheelEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.set_zoom(self.zoom() * (1.15 if event.angleDelta().y() > 0 else 1 / 1.15))
            event.accept()
            return
        super().wheelEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        # Defined here (not only inherited) so a benchmark can time this view's painting.
        super().paintEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        self.sig_hovered.emit(self.mapToScene(event.position().toPoint()))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        self.sig_left.emit()
        super().leaveEvent(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton:
            self.sig_clicked.emit(self.mapToScene(event.position().toPoint()))
        super().mousePressEvent(event)


class OverviewView(QWidget):
    """Every layer's thumbnails for the current input; see the module docstring."""

    sig_filter_chosen = Signal(str, int)
    """A thumbnail was clicked: the layer and the filter (or unit) number to open in its viewer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: InspectionResult | None = None
        self._plan_key: tuple | None = None
        self._shown: dict[str, np.ndarray] = {}
        self._model_layers: tuple[str, ...] = ()
        self._lut = np.asarray(get_colormap("viridis").getLookupTable(0.0, 1.0, 256, alpha=False), dtype=np.uint8)

        self.layers_combo = QComboBox()
        self.layers_combo.addItem("All layers", ALL_LAYERS)
        self.layers_combo.addItem("Convolutions and dense only", WEIGHTED_ONLY)
        self.layers_combo.setToolTip("Which layers get a column: all of them, or only those with weights "
                                     "(a deep model has many activation and normalization layers).")
        self.layers_combo.currentIndexChanged.connect(self._on_settings_changed)
        self.per_column_spin = QSpinBox(minimum=1, maximum=64, value=DEFAULT_PER_COLUMN)
        self.per_column_spin.setKeyboardTracking(False)
        self.per_column_spin.setToolTip("The most thumbnails a column shows: a wider layer shows its strongest "
                                        "filters (by mean activation for this input), labelled \"k of n\".")
        self.per_column_spin.valueChanged.connect(self._on_settings_changed)
        self.fit_button = QPushButton("Fit")
        self.fit_button.setToolTip("Zoom so the whole network fits the view (Ctrl+wheel zooms in and out)")
        self.fit_button.clicked.connect(self.fit)
        controls = QHBoxLayout()
        layers_label = QLabel("Layers:")
        layers_label.setBuddy(self.layers_combo)
        per_column_label = QLabel("Thumbnails per layer:")
        per_column_label.setBuddy(self.per_column_spin)
        for widget in (layers_label, self.layers_combo, per_column_label, self.per_column_spin, self.fit_button):
            controls.addWidget(widget)
        controls.addStretch(1)

        self.scene = OverviewScene(self)
        self.canvas = OverviewCanvas(self.scene)
        self.canvas.sig_hovered.connect(self._on_hovered)
        self.canvas.sig_left.connect(self._on_left)
        self.canvas.sig_clicked.connect(self._on_clicked)
        self.readout = QLabel(READOUT_HINT)
        self.readout.setStyleSheet("color: #444;")
        self._hint = hint_label(HINT)
        self._stack = PageStack()
        self._stack.addWidget(self._hint)
        self._stack.addWidget(self.canvas)
        layout = PageLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(controls)
        layout.addWidget(self._stack, 1)
        layout.addWidget(self.readout)

    # -- public API -----------------------------------------------------------------------------
    def show_inspection(self, result: InspectionResult | None) -> None:
        """Draw ``result``'s activations (None: no input, show the hint)."""
        self._result = result
        if result is None:
            # The columns stay planned (and the view as zoomed): the next drawing fills them again.
            self._stack.setCurrentWidget(self._hint)
            return
        layers = output_layers(result.layer_names, result.feature_maps)
        if tuple(layers) != self._model_layers:
            self._new_model(tuple(layers))
        if self.layers_combo.currentData() == WEIGHTED_ONLY:
            weighted = weighted_layers(result.kernels, result.weights)
            layers = [name for name in layers if name in weighted or name == layers[-1]]
        shapes = {name: tuple(np.shape(result.feature_maps[name])) for name in layers}
        key = (tuple((name, shapes[name]) for name in layers), tuple(np.shape(result.image)),
               result.layer_graph, self.per_column_spin.value())
        first = self._plan_key is None
        if key != self._plan_key:
            self._plan_key = key
            self.scene.set_plan(plan_columns(layers, shapes, result.layer_graph,
                                             max_per_column=self.per_column_spin.value()))
        plan = self.scene.plan()
        assert plan is not None
        pixels, self._shown = compose(plan, np.asarray(result.image), result.feature_maps, self._lut)
        self.scene.set_pixels(pixels)
        self._stack.setCurrentWidget(self.canvas)
        if first:
            self.fit()

    def _new_model(self, layers: tuple[str, ...]) -> None:
        """Another model: a deep one (MobileNetV2's 150 layers) starts with its weighted layers only."""
        self._model_layers = layers
        deep = len(layers) > DEEP_MODEL_LAYERS
        with QSignalBlocker(self.layers_combo):
            self.layers_combo.setCurrentIndex(self.layers_combo.findData(WEIGHTED_ONLY if deep else ALL_LAYERS))
        if deep:
            self.readout.setText(f"This model has {len(layers)} layers: only its convolution and dense layers "
                                 "are shown (choose All layers to see every one).")

    def plan(self) -> OverviewPlan | None:
        """The columns drawn now (None before the first input)."""
        return self.scene.plan() if self._plan_key is not None else None

    def shown_channels(self, layer: str) -> list[int]:
        """The filters (or units) of ``layer`` its column shows, top to bottom."""
        return [int(index) for index in self._shown.get(layer, ())]

    def thumbnail_position(self, layer: str, channel: int) -> QPointF:
        """The scene position of the centre of ``layer``'s thumbnail of ``channel`` (for tests)."""
        plan = self.plan()
        column = plan.column(layer) if plan is not None else None
        shown = self.shown_channels(layer)
        if column is None or channel not in shown:
            raise ValueError(f"The overview shows no thumbnail of {layer!r} channel {channel}; "
                             f"it shows {shown or 'none of that layer'}.")
        return slot_rect(plan, column, shown.index(channel)).center()

    def is_showing_hint(self) -> bool:
        return self._stack.currentWidget() is self._hint

    def title(self) -> str:
        """The figure's title, e.g. ``"Network overview — 8 layers"``."""
        plan = self.plan()
        if plan is None:
            return "Network overview"
        count = len(plan.columns) - 1
        return f"Network overview — {count} layer{'s' if count != 1 else ''}"

    def export_widget(self) -> QWidget:
        """What Export figure renders: the view as it is on screen."""
        return self.canvas

    def fit(self) -> None:
        """Zoom so the whole network fits the view's height (and its width, when that is not too small)."""
        rect = self.scene.sceneRect()
        viewport = self.canvas.viewport().size()
        if rect.isEmpty() or viewport.isEmpty():
            return
        by_height = (viewport.height() - 4) / rect.height()
        by_width = (viewport.width() - 4) / rect.width()
        # A deep model does not shrink to illegibility: it scrolls sideways instead.
        self.canvas.set_zoom(min(2.5, by_height, max(by_width, 0.6)))

    # -- events ---------------------------------------------------------------------------------
    def _hit(self, position: QPointF) -> tuple[Column, int] | None:
        plan = self.plan()
        if plan is None:
            return None
        hit = plan.slot_at(position.x(), position.y())
        if hit is None or hit[0].kind == INPUT:
            return None
        column, slot = hit
        channels = self._shown.get(column.layer)
        return None if channels is None or slot >= len(channels) else (column, int(channels[slot]))

    def _on_hovered(self, position: QPointF) -> None:
        hit, result = self._hit(position), self._result
        if hit is None or result is None:
            QToolTip.hideText()
            return
        column, channel = hit
        text = describe(result, column, channel)
        self.readout.setText(text)
        QToolTip.showText(self.canvas.mapToGlobal(self.canvas.mapFromScene(position)), text, self.canvas)

    def _on_left(self) -> None:
        # A value read under the pointer goes stale with the next drawing: say how to read one instead.
        if self.readout.text() != READOUT_HINT and not self.readout.text().startswith("This model has"):
            self.readout.setText(READOUT_HINT)

    def _on_clicked(self, position: QPointF) -> None:
        hit = self._hit(position)
        if hit is None:
            return
        column, channel = hit
        self.scene.mark(column, self.shown_channels(column.layer).index(channel))
        self.sig_filter_chosen.emit(column.layer, channel)

    def _on_settings_changed(self, *_args) -> None:
        self._plan_key = None
        if self._result is not None:
            self.show_inspection(self._result)


def describe(result: InspectionResult, column: Column, channel: int) -> str:
    """``"conv2d — filter 5: mean 0.124, max 0.903"`` for a thumbnail, or a unit's value."""
    output = np.asarray(result.feature_maps[column.layer])[0]
    if column.kind == MAPS:
        noun = "filter" if column.layer in result.kernels else "channel"
        values = output[..., channel]
        return (f"{column.layer} — {noun} {channel} of {column.total}: mean {float(values.mean()):.3g}, "
                f"max {float(values.max()):.3g}")
    return f"{column.layer} — unit {channel} of {column.total}: {float(output[channel]):.3g}"
