"""The overview's layout and composition (plain NumPy): the strongest k of a wide layer, the inputs of
each column along the graph, and the slot under a pixel."""

import numpy as np
import pytest

from cnnviz.core.layer_graph import GraphLayer, LayerGraph
from cnnviz.ui.overview.plan import INPUT, compose, plan_columns, strongest

LUT = np.stack([np.arange(256)] * 3, axis=1).astype(np.uint8)


def graph_layer(name, shape, inputs, kind="Conv2D"):
    return GraphLayer(name, kind, (None, *shape), 0, 0, tuple(inputs))


def test_a_wide_layer_shows_its_strongest_filters_by_mean_activation():
    rng = np.random.default_rng(0)
    maps = rng.random((1, 5, 7, 40)).astype(np.float32)
    boosts = rng.permutation(40)[:6]
    maps[..., boosts] += 3.0                         # six clearly strongest channels
    plan = plan_columns(["wide"], {"wide": maps.shape}, None, max_per_column=6)
    column = plan.column("wide")
    assert column.label == "6 of 40" and column.shown == 6
    _, shown = compose(plan, rng.random((1, 10, 14, 1)), {"wide": maps}, LUT)
    assert list(shown["wide"]) == sorted(boosts)
    means = maps[0].mean(axis=(0, 1))
    assert set(shown["wide"]) == set(np.argsort(means)[-6:])


def test_strongest_keeps_every_index_when_the_layer_is_narrow_and_ignores_nan():
    assert list(strongest(np.array([0.1, 0.5, 0.2]), 5)) == [0, 1, 2]
    assert list(strongest(np.array([np.nan, 0.5, 0.2, 0.9]), 2)) == [1, 3]


def test_a_chain_feeds_each_column_from_the_one_before():
    shapes = {"a": (1, 8, 8, 4), "b": (1, 4, 4, 4), "d": (1, 10)}
    plan = plan_columns(["a", "b", "d"], shapes, None)
    assert [column.layer for column in plan.columns] == [INPUT, "a", "b", "d"]
    assert [column.inputs for column in plan.columns[1:]] == [(INPUT,), ("a",), ("b",)]
    assert [column.label for column in plan.columns] == ["input", "all 4", "all 4", "all 10"]
    lefts = [column.left for column in plan.columns]
    assert lefts == sorted(lefts) and plan.width > lefts[-1]


def test_a_merge_is_fed_by_each_of_its_inputs_through_hidden_layers():
    graph = LayerGraph((
        graph_layer("stem", (8, 8, 4), ["in"]),
        graph_layer("conv", (8, 8, 4), ["stem"]),
        graph_layer("relu", (8, 8, 4), ["conv"], "ReLU"),
        graph_layer("add", (8, 8, 4), ["stem", "relu"], "Add"),
        graph_layer("concat", (8, 8, 8), ["add", "conv"], "Concatenate"),
    ), input_name="in")
    shapes = {layer.name: (1, *layer.output_shape[1:]) for layer in graph.layers}
    every = plan_columns(graph.names(), shapes, graph)
    assert every.column("add").inputs == ("stem", "relu")
    assert every.column("add").layer_kind == "Add"
    assert every.column("stem").inputs == (INPUT,)
    # Without the ReLU column, the Add is fed from the convolution behind it.
    weighted = plan_columns(["stem", "conv", "add", "concat"], shapes, graph)
    assert weighted.column("add").inputs == ("stem", "conv")
    assert weighted.column("concat").inputs == ("add", "conv")


def test_each_thumbnail_and_unit_is_found_under_its_own_pixels():
    shapes = {"maps": (1, 6, 6, 20), "units": (1, 100), "out": (1, 3)}
    plan = plan_columns(list(shapes), shapes, None, max_per_column=20)
    maps, units, out = (plan.column(name) for name in shapes)
    assert maps.across == 2
    pitch = plan.thumbnail + plan.gap
    for slot in range(20):
        x = maps.left + (slot % 2) * pitch + 1
        y = maps.top + (slot // 2) * pitch + 1
        assert plan.slot_at(x, y) == (maps, slot)
    assert plan.slot_at(maps.left + plan.thumbnail + 1, maps.top + 1) is None   # the gap between thumbnails
    assert plan.slot_at(units.left + 5, units.top + 1) == (units, 1)
    assert plan.slot_at(out.left + 2, out.top + plan.thumbnail // 2 * 2 + 1) == (out, 2)


def test_a_column_must_show_something():
    with pytest.raises(ValueError, match="at least one thumbnail"):
        plan_columns(["a"], {"a": (1, 4, 4, 2)}, None, max_per_column=0)


def test_the_composed_image_shows_each_thumbnail_in_its_place():
    maps = np.zeros((1, 4, 4, 3), dtype=np.float32)
    maps[..., 2] = 1.0                                # only channel 2 is bright
    plan = plan_columns(["a"], {"a": maps.shape}, None, thumbnail=8)
    pixels, shown = compose(plan, np.zeros((1, 4, 4, 1)), {"a": maps}, LUT)
    column = plan.column("a")
    pitch = plan.thumbnail + plan.gap
    white, black = 0xFFFFFFFF, 0xFF000000
    assert pixels.shape == (plan.height, plan.width) and pixels.dtype == np.uint32
    bright = pixels[column.top + 2 * pitch:column.top + 2 * pitch + 8, column.left:column.left + 8]
    assert (bright == white).all()
    assert (pixels[column.top:column.top + 8, column.left:column.left + 8] == black).all()
    assert (pixels[column.top + 8:column.top + pitch, column.left:column.left + 8] == white).all()   # the gap
    assert list(shown["a"]) == [0, 1, 2]
