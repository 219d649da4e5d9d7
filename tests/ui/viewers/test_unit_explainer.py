"""The unit explainer: a click on a map, then on a pixel of the enlarged map, shows the numbers that
made that unit (equal to the engine's output) and outlines its receptive field on the input."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from cnnviz.core.config import Conv2D, deep_config, reference_config
from cnnviz.core.receptive_field import receptive_fields
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.science.unit_arithmetic import FOREIGN
from cnnviz.service.inspection import run_inspection
from cnnviz.ui.viewers.feature_maps import FeatureMapsView
from tests.ui.settle import settle
from tests.ui.viewers.helpers import TIMEOUT, choose_with_keys, click, shown


def inspection(config, seed=0):
    engine = NumpyEngine(config, seed=seed)
    image = np.random.default_rng(seed).random((1, *config.input_shape)).astype(np.float32)
    return run_inspection(engine, image)


def scalar(text: str, name: str) -> float:
    match = re.search(rf"(?<![\w-]){name} = (\S+)", text)
    assert match, f"no {name!r} in {text!r}"
    return float(match.group(1))


def open_unit(qtbot, view, layer, channel, row, col):
    """Choose ``layer``, click map ``channel`` in the grid, then pixel (row, col) of the enlarged map."""
    view.set_current_layer(layer)
    grid = view.grid()
    settle(qtbot)
    click(grid.graphics_widget(), grid.pixel_scene_position(channel, 0, 0))
    qtbot.waitUntil(lambda: grid.enlarged_index() == channel, timeout=TIMEOUT)
    settle(qtbot)
    enlarged = grid.enlarged_map()
    click(enlarged.graphics_widget(), enlarged.pixel_scene_position(row, col))
    qtbot.waitUntil(lambda: view.selected_unit() == (row, col, channel), timeout=TIMEOUT)


@pytest.mark.parametrize("make_config, layer, channel, row, col", [
    (reference_config, "conv2d", 5, 0, 25),
    (reference_config, "max_pooling2d", 3, 7, 2),
    (reference_config, "dropout", 2, 12, 12),
    (deep_config, "conv2d", 1, 0, 0),              # same padding: the patch's corner is padding
    (deep_config, "conv2d_1", 7, 3, 6),            # stride 2 over 8 input channels
    (deep_config, "average_pooling2d", 4, 13, 0),
])
def test_clicking_a_pixel_explains_the_unit_and_outlines_its_field(qtbot, make_config, layer, channel, row, col):
    config = make_config()
    result = inspection(config)
    view = shown(qtbot, FeatureMapsView(), 1200, 720)
    view.show_inspection(result)
    open_unit(qtbot, view, layer, channel, row, col)
    expected = float(result.feature_maps[layer][0, row, col, channel])
    explainer = view.map_explainer()
    final = "activation" if layer.startswith("conv") else ("maximum" if "max" in layer else
                                                          "mean" if "average" in layer else "output")
    assert scalar(explainer.scalars_text(), final) == pytest.approx(expected, rel=1e-4, abs=1e-6)
    assert explainer.arithmetic().value == pytest.approx(expected, rel=1e-4, abs=1e-6)
    assert view.grid().enlarged_map().marked_pixel() == (row, col)
    field = receptive_fields(config)[config.layer_names().index(layer)]
    assert view.receptive_field_outline() == field.bounds(row, col, config.input_shape[:2])
    if layer.startswith("conv"):
        arrays = explainer.arithmetic().arrays
        explainer.set_channel(arrays["patch"].shape[-1] - 1)
        np.testing.assert_allclose(explainer.table_values("products"), arrays["products"][:, :, -1],
                                   rtol=5e-3, atol=1e-6)
        assert explainer.table("patch").isVisible()


def test_a_dense_unit_and_the_output_layer_are_explained(qtbot):
    config = reference_config()
    result = inspection(config)
    view = shown(qtbot, FeatureMapsView(), 1200, 720)
    view.show_inspection(result)
    for layer, unit in (("dense", 17), ("dense_1", 3)):
        view.set_current_layer(layer)
        settle(qtbot)
        units = view.units()
        click(units.graphics_widget(), units.unit_scene_position(unit))
        qtbot.waitUntil(lambda unit=unit: view.selected_unit() == (unit,), timeout=TIMEOUT)
        expected = float(result.feature_maps[layer][0, unit])
        text = view.unit_explainer().scalars_text()
        assert scalar(text, "activation") == pytest.approx(expected, rel=1e-4, abs=1e-6)
    softmax = view.unit_explainer().table_values("softmax")
    np.testing.assert_allclose(softmax[:, 1], result.feature_maps["dense_1"][0], rtol=5e-3, atol=1e-6)


def test_changing_layer_or_closing_the_map_clears_the_explanation(qtbot):
    result = inspection(reference_config())
    view = shown(qtbot, FeatureMapsView(), 1200, 720)
    view.show_inspection(result)
    open_unit(qtbot, view, "conv2d", 0, 4, 4)
    assert view.receptive_field_outline() == (4, 6, 4, 6)
    view.grid().enlarged_map().sig_close_requested.emit()
    assert view.selected_unit() is None and view.receptive_field_outline() is None
    assert view.map_explainer().arithmetic() is None


def test_a_foreign_model_says_it_cannot_explain_instead_of_guessing_but_outlines_the_field(qtbot):
    result = dataclasses.replace(inspection(reference_config()), config=None)
    view = shown(qtbot, FeatureMapsView(), 1200, 720)
    view.show_inspection(result)
    open_unit(qtbot, view, "conv2d", 1, 2, 3)
    assert view.map_explainer().formula_text() == FOREIGN
    assert view.map_explainer().scalars_text() == ""
    assert not view.map_explainer().table("patch").isVisible()
    # The field still comes from the layer graph the engine describes.
    assert view.receptive_field_outline() == receptive_fields(reference_config())[0].bounds(2, 3, (28, 28))


def test_a_colour_model_shows_each_input_channel(qtbot):
    config = dataclasses.replace(reference_config(), input_shape=(28, 28, 3),
                                 layers=(Conv2D(filters=4, kernel_size=(3, 3), padding="same"),
                                         *reference_config().layers[1:]))
    result = inspection(config)
    view = shown(qtbot, FeatureMapsView(), 1200, 720)
    view.show_inspection(result)
    open_unit(qtbot, view, "conv2d", 2, 27, 27)
    explainer = view.map_explainer()
    patch = result.image[0, 26:28, 26:28]
    for channel in range(3):
        explainer.set_channel(channel)
        shown_patch = explainer.table_values("patch")
        np.testing.assert_allclose(shown_patch[:2, :2], patch[..., channel], rtol=5e-3)
        assert np.all(shown_patch[2] == 0) and np.all(shown_patch[:, 2] == 0)
    expected = float(result.feature_maps["conv2d"][0, 27, 27, 2])
    assert scalar(explainer.scalars_text(), "activation") == pytest.approx(expected, rel=1e-4, abs=1e-6)


def test_a_new_input_explains_the_same_unit_again(qtbot):
    config = reference_config()
    engine = NumpyEngine(config, seed=0)
    rng = np.random.default_rng(1)
    first, second = (run_inspection(engine, rng.random((1, 28, 28, 1)).astype(np.float32)) for _ in range(2))
    view = shown(qtbot, FeatureMapsView(), 1200, 720)
    view.show_inspection(first)
    open_unit(qtbot, view, "conv2d", 6, 10, 11)
    view.show_inspection(second)
    assert view.selected_unit() == (10, 11, 6)
    expected = float(second.feature_maps["conv2d"][0, 10, 11, 6])
    assert expected != pytest.approx(float(first.feature_maps["conv2d"][0, 10, 11, 6]))
    assert scalar(view.map_explainer().scalars_text(), "activation") == pytest.approx(expected, rel=1e-4, abs=1e-6)


def test_the_field_is_outlined_on_the_maps_of_every_earlier_layer(qtbot):
    config = deep_config()
    result = inspection(config)
    view = shown(qtbot, FeatureMapsView(), 1200, 720)
    view.show_inspection(result)
    open_unit(qtbot, view, "conv2d_1", 2, 3, 5)
    field = receptive_fields(config)[config.layer_names().index("conv2d_1")]
    assert view.receptive_field_outline() == field.bounds(3, 5, config.input_shape[:2])
    assert view.map_outlines().bounds() is None  # not on the unit's own layer
    # conv2d_1: 3×3, stride 2, 'same' over the 14×14 pooled maps (pads 0 before): unit (3, 5) reads rows
    # 6..8 and columns 10..12 of average_pooling2d, which read rows 12..17 and columns 20..25 of conv2d.
    for layer, expected in (("average_pooling2d", (6, 8, 10, 12)), ("conv2d", (12, 17, 20, 25))):
        choose_with_keys(qtbot, view.layer_box(), layer)
        qtbot.waitUntil(lambda: view.map_outlines().bounds() is not None, timeout=TIMEOUT)
        assert view.map_outlines().bounds() == expected
        maps_shown = [tile for tile in view.grid().tiles() if tile.image is not None]
        assert view.map_outlines().count() == len(maps_shown) > 0
        assert view.receptive_field_outline() == field.bounds(3, 5, config.input_shape[:2])
    later = config.layer_names()[config.layer_names().index("conv2d_1") + 1]
    choose_with_keys(qtbot, view.layer_box(), later)
    qtbot.waitUntil(lambda: view.map_outlines().bounds() is None, timeout=TIMEOUT)
    assert view.map_outlines().count() == 0


def test_a_foreign_graph_models_unit_is_outlined_through_its_branches(qtbot):
    pytest.importorskip("tensorflow")
    from cnnviz.core.graph_receptive_field import graph_receptive_fields
    from cnnviz.engines.keras_engine import KerasEngine
    from tests.engines.keras_engine.graph_models import small_resnet

    engine = KerasEngine.from_model(small_resnet())
    result = run_inspection(engine, np.random.default_rng(0).random((1, *engine.input_shape)).astype(np.float32))
    graph = engine.layer_graph()
    field = graph_receptive_fields(graph, engine.input_shape)[graph.names().index("block2_add")]
    view = shown(qtbot, FeatureMapsView(), 1200, 720)
    view.show_inspection(result)
    open_unit(qtbot, view, "block2_add", 1, 2, 3)
    # The strided branch (3×3 over block1) and the 1×1 projection joined: rows 2·2 - 3 .. 2·2 + 5 of the input.
    assert view.receptive_field_outline() == field.bounds(2, 3, engine.input_shape[:2]) == (1, 9, 3, 11)
    regions = field.trace.regions(2, 3)
    choose_with_keys(qtbot, view.layer_box(), "block1_relu1")  # on the branch that feeds block2 through an Add
    qtbot.waitUntil(lambda: view.map_outlines().bounds() is not None, timeout=TIMEOUT)
    assert view.map_outlines().bounds() == regions["block1_relu1"]
