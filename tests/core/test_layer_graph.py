"""The layer graph: a readable order, branch labels for side paths and nested models, the chain of a
configuration (numbers equal to the summary's)."""

import dataclasses

import pytest

from cnnviz.core import config as cfg
from cnnviz.core.layer_graph import (
    GraphLayer,
    LayerGraph,
    branch_labels,
    config_graph,
    kernel_order,
    readable_order,
)
from cnnviz.core.summary import graph_summary, summarize

# input -> a -> (b -> c) + (d) -> add -> (e) * (f -> g) -> mul -> out ; the second fork has three paths
NAMES = ["a", "b", "d", "c", "add", "e", "f", "g", "h", "mul", "out"]
INPUTS = [("input",), ("a",), ("a",), ("b",), ("c", "d"), ("add",), ("add",), ("f",), ("add",), ("e", "g", "h"),
          ("mul",)]


def test_the_readable_order_finishes_a_path_before_the_next_and_keeps_a_chain():
    order = readable_order(NAMES, INPUTS)
    assert order == ["a", "b", "c", "d", "add", "e", "f", "g", "h", "mul", "out"]
    chain = ["x", "y", "z"]
    assert readable_order(chain, [("input",), ("x",), ("y",)]) == chain
    with pytest.raises(ValueError, match="cycle"):
        readable_order(["p", "q"], [("q",), ("p",)])


def test_side_paths_are_labelled_by_their_merge_and_input_and_the_trunk_is_not():
    order = readable_order(NAMES, INPUTS)
    inputs = dict(zip(NAMES, INPUTS))
    labels = branch_labels(order, [inputs[name] for name in order])
    assert {name: labels[name] for name in ("a", "add", "mul", "out")} == dict.fromkeys(("a", "add", "mul", "out"), "")
    assert labels["b"] == labels["c"] == "→ add input 1/2"
    assert labels["d"] == "→ add input 2/2"
    assert labels["e"] == "→ mul input 1/3"
    assert labels["f"] == labels["g"] == "→ mul input 2/3"
    assert labels["h"] == "→ mul input 3/3"


def test_a_nested_model_is_named_in_the_label_and_its_merges_without_its_prefix():
    names = ["scale", "base/conv", "base/skip", "base/add", "dense"]
    inputs = [("input",), ("scale",), ("scale",), ("base/conv", "base/skip"), ("base/add",)]
    labels = branch_labels(names, inputs)
    assert labels == {"scale": "", "base/conv": "in base, → add input 1/2", "base/skip": "in base, → add input 2/2",
                      "base/add": "in base", "dense": ""}


def test_a_configuration_graph_is_the_chain_of_its_summary():
    config = cfg.ModelConfig(input_shape=(12, 10, 3), layers=(
        cfg.Conv2D(4, (3, 3)), cfg.BatchNormalization(), cfg.MaxPooling2D(), cfg.Flatten(), cfg.Dense(10, "softmax")))
    graph = config_graph(config)
    summary = summarize(config)
    assert graph.is_chain() and graph.names() == config.layer_names()
    # The graph describes no kernel sizes or strides, so its summary has no receptive fields (yet).
    assert all(row.receptive_field is None for row in graph_summary(graph).rows)
    assert graph_summary(graph) == dataclasses.replace(
        summary, rows=tuple(dataclasses.replace(row, receptive_field=None) for row in summary.rows))
    assert graph.layers[1].inputs == (graph.layers[0].name,) and graph.layers[0].inputs == ("input",)
    assert all(layer.branch == "" for layer in graph.layers)


def test_display_text_and_description_name_the_branch():
    layer = GraphLayer("conv", "Conv2D", (None, 4, 4, 2), 20, 20, ("input",), "→ add input 1/2")
    graph = LayerGraph((layer,))
    assert graph.display_text("conv") == "conv   [→ add input 1/2]"
    assert graph.display_text("missing") == "missing"
    assert "Conv2D" in layer.description() and "branch: → add input 1/2" in layer.description()
    assert "(None, 4, 4, 2), 20 parameters" in layer.description()


def test_kernels_follow_their_layers_and_a_separable_convolution_keeps_its_place():
    layers = ["conv", "separable", "dense"]
    assert kernel_order(layers, ["separable:pointwise", "conv", "separable:depthwise", "other"]) == [
        "conv", "separable:pointwise", "separable:depthwise", "other"]
