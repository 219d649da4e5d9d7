"""What the viewer tests share: inspection payloads built from model summaries (no engine), and a person's
gestures on the viewers (choosing with keys, hovering and clicking points of a pyqtgraph scene)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox

from cnnviz.core.config import Conv2D, Dense, reference_config
from cnnviz.core.layer_spectra import inspection_spectra
from cnnviz.core.results import GradientResult, frozen
from cnnviz.core.summary import ModelSummary, SummaryRow, summarize
from cnnviz.core.validation import layer_output_shape, layer_parameter_count
from cnnviz.service.payloads import InspectionResult
from tests.ui.settle import settle

TIMEOUT = 2_000


def make_result(config, seed: int = 0, request_id: int = 1, target: str = "loss",
                input_channels: int | None = None) -> InspectionResult:
    """An inspection payload with the shapes an engine would produce for ``config``;
    ``input_channels`` makes it a foreign model's (e.g. 3 for colour input)."""
    rng = np.random.default_rng(seed)
    # Shapes as summarize() computes them, without its check that a built-in dataset fits: a
    # foreign (loaded) model may have any input shape and number of classes.
    summary = summarize(config) if tuple(config.input_shape) == (28, 28, 1) else foreign_summary(config)
    names = tuple(row.name for row in summary.rows)
    in_shape = tuple(config.input_shape)
    if input_channels is not None:
        in_shape = (*in_shape[:2], input_channels)
    image = rng.random((1, *in_shape)).astype(np.float32)
    feature_maps, kernels, layer_gradients, parameters = {}, {}, {}, {}
    for layer, row in zip(config.layers, summary.rows):
        out_shape = row.output_shape[1:]
        feature_maps[row.name] = frozen(rng.random((1, *out_shape)).astype(np.float32))
        layer_gradients[row.name] = frozen(rng.normal(size=(1, *out_shape)).astype(np.float32))
        if isinstance(layer, Conv2D):
            kernel_shape = (*layer.kernel_size, in_shape[-1], layer.filters)
            kernels[row.name] = frozen(rng.normal(0, 0.2, size=kernel_shape).astype(np.float32))
            parameters[row.name] = {"kernel": frozen(rng.normal(size=kernel_shape).astype(np.float32)),
                                    "bias": frozen(rng.normal(size=layer.filters).astype(np.float32))}
        elif row.num_parameters:
            units = out_shape[-1]
            parameters[row.name] = {"kernel": frozen(rng.normal(size=(int(np.prod(in_shape)), units))),
                                    "bias": frozen(rng.normal(size=units))}
        in_shape = out_shape
    logits = rng.normal(size=in_shape[-1])
    probabilities = np.exp(logits) / np.exp(logits).sum()
    gradients = GradientResult(target=target, value=float(rng.random()),
                               input=frozen(rng.normal(size=image.shape).astype(np.float32)),
                               layers=layer_gradients, parameters=parameters)
    # The spectra as the model service's worker attaches them to every inspection.
    return InspectionResult(request_id, 1, frozen(image), frozen(probabilities.astype(np.float32)), feature_maps,
                            kernels, gradients, names, 1.0, spectra=inspection_spectra(feature_maps, kernels, names))


def foreign_summary(config):
    shape, rows = tuple(config.input_shape), []
    for layer, name in zip(config.layers, config.layer_names()):
        count = layer_parameter_count(layer, shape)
        shape = layer_output_shape(layer, shape)
        rows.append(SummaryRow(name, layer.label, (None, *shape), count))
    return ModelSummary(tuple(rows), sum(row.num_parameters for row in rows))


def colour_config():
    """A non-square colour model with 5 classes: nothing in the viewers may assume 28×28×1 or 10."""
    base = reference_config()
    layers = (*base.layers[:-1], Dense(units=5, activation="softmax"))
    return dataclasses.replace(base, input_shape=(20, 24, 3), layers=layers)


def choose_with_keys(qtbot, combo: QComboBox, data) -> None:
    """Choose the item whose data is ``data`` as a person does: open the box with F4, move
    with the arrow keys, press Enter."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key_F4)
    qtbot.waitUntil(lambda: combo.view().isVisible(), timeout=TIMEOUT)
    target = combo.findData(data)
    assert target >= 0, f"{data!r} is not offered; the box offers {[combo.itemData(i) for i in range(combo.count())]}"
    view = combo.view()
    while view.currentIndex().row() != target:
        key = Qt.Key_Down if view.currentIndex().row() < target else Qt.Key_Up
        qtbot.keyClick(view, key)
    qtbot.keyClick(view, Qt.Key_Return)
    qtbot.waitUntil(lambda: not combo.view().isVisible(), timeout=TIMEOUT)
    assert combo.currentData() == data


def hover(graphics, scene_position: QPointF) -> None:
    """Move the mouse over a point of a pyqtgraph view's scene.

    pyqtgraph's scene drops a mouse move that comes sooner than ``1 / mouseRateLimit`` seconds
    after the last one it took (no hand moves that fast): this waits that long first, so that a
    test hovering one pixel after another is never ignored.
    """
    QTest.qWait(int(1000 / pg.getConfigOption("mouseRateLimit")) + 2)
    point = graphics.mapFromScene(scene_position)
    QTest.mouseMove(graphics.viewport(), QPoint(point.x(), point.y()))


def click(graphics, scene_position: QPointF) -> None:
    point = graphics.mapFromScene(scene_position)
    QTest.mouseClick(graphics.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(point.x(), point.y()))


def shown(qtbot, widget, width=900, height=650):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    settle(qtbot)  # let the grid lay its cells out for the final size
    return widget
