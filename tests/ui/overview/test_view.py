"""The Overview tab's view, fed real inspections: a NumPy model, the same model in Keras, and foreign
Keras graph models with Add and Concatenate merges; a person changes its settings and reads a thumbnail."""

import keras
import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QPainterPath
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cnnviz.core.config import reference_config
from cnnviz.engines.keras_engine import KerasEngine
from cnnviz.engines.numpy_engine.engine import NumpyEngine
from cnnviz.service.inspection import run_inspection
from cnnviz.ui.overview.plan import INPUT
from cnnviz.ui.overview.view import READOUT_HINT, WEIGHTED_ONLY, OverviewView
from tests.engines.keras_engine.graph_models import inception_block, small_resnet
from tests.ui.person import type_value
from tests.ui.viewers.helpers import choose_with_keys, shown

TIMEOUT = 5_000


def inspect(engine):
    shape = engine.input_shape if hasattr(engine, "input_shape") else engine.config.input_shape
    return run_inspection(engine, np.random.default_rng(1).random((1, *shape)).astype(np.float32))


def segments(path: QPainterPath) -> tuple[int, int]:
    """(straight lines, curves) in a connector path."""
    kinds = [path.elementAt(index).type for index in range(path.elementCount())]
    return (kinds.count(QPainterPath.ElementType.LineToElement),
            kinds.count(QPainterPath.ElementType.CurveToElement))


@pytest.fixture
def view(qtbot):
    return shown(qtbot, OverviewView(), 1100, 700)


def test_a_numpy_model_gets_one_column_per_layer_joined_by_straight_lines(view):
    assert view.is_showing_hint()
    result = inspect(NumpyEngine(reference_config(), seed=0))
    view.show_inspection(result)
    plan = view.plan()
    assert not view.is_showing_hint()
    assert [column.layer for column in plan.columns] == [INPUT, *result.layer_names]
    assert plan.column("conv2d").label == "all 28" and plan.column("dense_1").label == "all 10"
    assert plan.column("flatten").label == "256 of 4732"
    lines, curves = segments(view.scene.connector_path())
    assert (lines, curves) == (len(result.layer_names), 0)
    assert view.title() == f"Network overview — {len(result.layer_names)} layers"


def test_the_keras_engine_gives_the_same_overview_as_the_numpy_engine(qtbot):
    config = reference_config()
    numpy_engine = NumpyEngine(config, seed=0)
    keras_engine = KerasEngine(config, seed=0)
    keras_engine.set_weights(numpy_engine.get_weights())
    views = [shown(qtbot, OverviewView(), 1100, 700) for _ in range(2)]
    for view, engine in zip(views, (numpy_engine, keras_engine)):
        view.show_inspection(inspect(engine))
    first, second = (view.plan() for view in views)
    assert [(c.layer, c.label, c.inputs) for c in first.columns] == [(c.layer, c.label, c.inputs)
                                                                    for c in second.columns]
    for layer in ("conv2d", "dense", "dense_1"):
        assert views[0].shown_channels(layer) == views[1].shown_channels(layer)


@pytest.mark.parametrize("builder, merge, inputs", [
    (small_resnet, "block1_add", ("stem", "block1_conv2")),
    (inception_block, "mixed", ("tower1_1x1", "tower2_3x3", "tower3_5x5", "tower4_1x1")),
])
def test_a_foreign_graph_models_merges_are_fed_along_its_edges(view, builder, merge, inputs):
    keras.utils.set_random_seed(5)
    engine = KerasEngine.from_model(builder())
    result = inspect(engine)
    view.show_inspection(result)
    plan = view.plan()
    column = plan.column(merge)
    assert set(column.inputs) == set(inputs)
    assert column.layer_kind in ("Add", "Concatenate")
    lines, curves = segments(view.scene.connector_path())
    assert curves >= 1                                 # a skip connection or a tower arches over columns
    edges = sum(len(column.inputs) for column in plan.columns)
    assert lines + curves >= edges


def test_a_person_narrows_the_columns_to_the_strongest_filters_and_to_weighted_layers(qtbot, view):
    result = inspect(NumpyEngine(reference_config(), seed=0))
    view.show_inspection(result)
    type_value(qtbot, view.per_column_spin, "5")
    plan = view.plan()
    assert plan.column("conv2d").label == "5 of 28"
    means = np.asarray(result.feature_maps["conv2d"])[0].mean(axis=(0, 1))
    assert set(view.shown_channels("conv2d")) == set(np.argsort(means)[-5:])
    choose_with_keys(qtbot, view.layers_combo, WEIGHTED_ONLY)
    layers = [column.layer for column in view.plan().columns]
    assert layers == [INPUT, "conv2d", "dense", "dense_1"]
    assert view.plan().column("dense").inputs == ("conv2d",)


def test_hovering_a_thumbnail_reads_it_out(qtbot, view):
    result = inspect(NumpyEngine(reference_config(), seed=0))
    view.show_inspection(result)
    channel = view.shown_channels("conv2d")[3]
    point = view.canvas.mapFromScene(view.thumbnail_position("conv2d", channel))
    QTest.mouseMove(view.canvas.viewport(), QPoint(point.x(), point.y()))
    values = np.asarray(result.feature_maps["conv2d"])[0, :, :, channel]
    qtbot.waitUntil(lambda: view.readout.text().startswith(f"conv2d — filter {channel} of 28"), timeout=TIMEOUT)
    assert f"max {values.max():.3g}" in view.readout.text()
    with qtbot.waitSignal(view.sig_filter_chosen, timeout=TIMEOUT) as blocker:
        QTest.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(point.x(), point.y()))
    assert blocker.args == ["conv2d", channel]
    # The pointer leaves: the value read out would go stale with the next drawing (a new user saw one
    # stay through redraws and training); the readout says how to read one instead.
    QApplication.sendEvent(view.canvas, QEvent(QEvent.Type.Leave))
    assert view.readout.text() == READOUT_HINT


def test_a_deep_model_opens_with_its_weighted_layers_and_all_layers_can_be_chosen(qtbot, view):
    from cnnviz.service.payloads import InspectionResult

    rng = np.random.default_rng(2)
    names, maps, kernels = [], {}, {}
    for block in range(40):                           # 80 layers: a convolution and a ReLU per block
        for name in (f"conv{block}", f"relu{block}"):
            names.append(name)
            maps[name] = rng.random((1, 6, 5, 3)).astype(np.float32)
        kernels[f"conv{block}"] = rng.random((3, 3, 3, 3)).astype(np.float32)
    names.append("out")
    maps["out"] = rng.random((1, 4)).astype(np.float32)
    result = InspectionResult(1, 1, rng.random((1, 6, 5, 3)).astype(np.float32), maps["out"][0], maps, kernels,
                              None, tuple(names), 1.0)
    view.show_inspection(result)
    assert view.layers_combo.currentData() == WEIGHTED_ONLY
    assert [column.layer for column in view.plan().columns] == [INPUT, *(f"conv{b}" for b in range(40)), "out"]
    assert "81 layers" in view.readout.text()
    choose_with_keys(qtbot, view.layers_combo, "all")
    assert len(view.plan().columns) == 82
    view.show_inspection(result)                      # the same model again: the person's choice stays
    assert len(view.plan().columns) == 82
