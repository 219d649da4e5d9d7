"""Functional graphs (skip connections, Inception towers, merges) open from .keras files and every
layer is inspected: outputs, gradients, kernels and the layer graph, checked against Keras itself."""

import keras
import numpy as np
import pytest

from cnnviz.core.layer_graph import SCOPE_SEPARATOR
from cnnviz.engines.keras_engine import KerasEngine
from tests.engines.keras_engine.graph_models import (
    inception_block,
    merges_model,
    sequential_around_base,
    small_resnet,
)

BUILDERS = {"resnet": small_resnet, "inception": inception_block, "merges": merges_model}


def opened(model, tmp_path):
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    return KerasEngine.load(path)


def some_images(shape, count=2, seed=0):
    return np.random.default_rng(seed).random((count, *shape), dtype=np.float32)


@pytest.fixture(params=sorted(BUILDERS))
def built(request, tmp_path):
    keras.utils.set_random_seed(7)
    model = BUILDERS[request.param]()
    return model, opened(model, tmp_path)


def test_every_layer_output_equals_keras_own_sub_model(built):
    model, engine = built
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert sorted(engine.layer_names()) == sorted(layer.name for layer in layers)
    images = some_images(engine.input_shape)
    maps = engine.feature_maps(images)
    reference = keras.Model(model.inputs[0], [layer.output for layer in layers])(images, training=False)
    for layer, expected in zip(layers, reference):
        np.testing.assert_allclose(maps[layer.name], np.asarray(expected), rtol=1e-4, atol=1e-5,
                                   err_msg=layer.name)
    np.testing.assert_allclose(engine.predict(images), model.predict(images, verbose=0), rtol=1e-4, atol=1e-6)


def test_layers_are_listed_in_an_order_that_runs_and_each_names_its_inputs(built):
    model, engine = built
    graph = engine.layer_graph()
    assert graph.names() == engine.layer_names()
    seen = {graph.input_name}
    for layer in graph.layers:
        assert set(layer.inputs) <= seen, f"{layer.name} is listed before its input"
        seen.add(layer.name)
        keras_layer = model.get_layer(layer.name)
        assert layer.kind == type(keras_layer).__name__
        assert layer.output_shape == tuple(keras_layer.output.shape)
        assert layer.num_parameters == keras_layer.count_params()
        inbound = keras_layer._inbound_nodes[0].input_tensors
        assert list(layer.inputs) == [tensor._keras_history.operation.name for tensor in inbound]


def test_the_resnet_branches_are_labelled_by_the_merge_they_feed(tmp_path):
    engine = opened(small_resnet(), tmp_path)
    graph = engine.layer_graph()
    branch = {layer.name: layer.branch for layer in graph.layers}
    for name in ("stem", "block1_add", "block1_out", "block2_add", "pool", "predictions"):
        assert branch[name] == "", f"{name} is on every path"
    for name in ("block1_conv1", "block1_bn1", "block1_relu1", "block1_conv2"):
        assert branch[name] == "→ block1_add input 2/2"
    assert branch["block2_project"] == "→ block2_add input 1/2"
    assert branch["block2_conv1"] == branch["block2_bn1"] == "→ block2_add input 2/2"
    assert graph.layer("block1_add").inputs == ("stem", "block1_conv2")
    assert "block1_conv1   [→ block1_add input 2/2]" == graph.display_text("block1_conv1")


def test_inception_towers_are_listed_one_after_another_with_their_own_label(tmp_path):
    engine = opened(inception_block(), tmp_path)
    names = engine.layer_names()
    branch = {layer.name: layer.branch for layer in engine.layer_graph().layers}
    for number, tower in enumerate((["tower1_1x1"], ["tower2_1x1", "tower2_3x3"], ["tower3_1x1", "tower3_5x5"],
                                    ["tower4_pool", "tower4_1x1"]), start=1):
        assert {branch[name] for name in tower} == {f"→ mixed input {number}/4"}
        positions = [names.index(name) for name in tower]
        assert positions == list(range(positions[0], positions[0] + len(tower))), "a tower is listed in one piece"


def test_gradients_reach_every_layer_and_parameter_and_follow_both_paths(built):
    model, engine = built
    images = some_images(engine.input_shape, count=1, seed=3)
    result = engine.gradients(images, class_index=1)
    assert set(result.layers) == set(engine.layer_names())
    for name, gradient in result.layers.items():
        assert gradient.shape == engine.feature_maps(images)[name].shape, name
    weights = engine.get_weights()
    assert set(result.parameters) == {name for name, arrays in weights.items()
                                      if any(key in arrays for key in ("kernel", "depthwise_kernel", "gamma"))}
    for name, arrays in result.parameters.items():
        for key, gradient in arrays.items():
            assert gradient.shape == weights[name][key].shape
    # An Add passes its output gradient unchanged to each input that feeds only it.
    if "block1_add" in result.layers:
        np.testing.assert_allclose(result.layers["block1_conv2"], result.layers["block1_add"], rtol=1e-6)


def tiny_graph():
    """Smooth (no ReLU) and small enough for finite differences in float32."""
    inputs = keras.Input(shape=(5, 4, 1))
    x = keras.layers.Conv2D(2, 3, padding="same", activation="tanh", name="conv")(inputs)
    y = keras.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=1, name="depthwise")(x)
    z = keras.layers.Conv2D(2, 1, name="pointwise")(x)
    x = keras.layers.Add(name="add")([x, y])
    x = keras.layers.Multiply(name="multiply")([x, z])
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="out")(x))


def test_gradients_match_finite_differences_on_a_tiny_graph(tmp_path):
    keras.utils.set_random_seed(11)
    engine = opened(tiny_graph(), tmp_path)
    image = some_images(engine.input_shape, count=1, seed=5)
    label = np.array([2])
    result = engine.gradients(image, labels=label)
    step = 1e-2

    def loss_at(candidate):
        return engine.evaluate(candidate, label)[0]

    for index in [(0, 0, 0, 0), (0, 2, 1, 0), (0, 4, 3, 0)]:
        plus, minus = image.copy(), image.copy()
        plus[index] += step
        minus[index] -= step
        numeric = (loss_at(plus) - loss_at(minus)) / (2 * step)
        assert result.input[index] == pytest.approx(numeric, rel=2e-2, abs=1e-4)
    weights = engine.get_weights()
    for layer, key, index in [("depthwise", "depthwise_kernel", (1, 1, 0, 0)), ("pointwise", "kernel", (0, 0, 1, 1)),
                              ("conv", "kernel", (0, 2, 0, 1))]:
        values = []
        for sign in (1, -1):
            changed = {name: {k: v.copy() for k, v in arrays.items()} for name, arrays in weights.items()}
            changed[layer][key][index] += sign * step
            engine.set_weights(changed)
            values.append(loss_at(image))
        engine.set_weights(weights)
        numeric = (values[0] - values[1]) / (2 * step)
        assert result.parameters[layer][key][index] == pytest.approx(numeric, rel=2e-2, abs=1e-4), (layer, key)


def test_depthwise_and_separable_kernels_come_out_one_single_channel_kernel_per_output(tmp_path):
    engine = opened(merges_model(), tmp_path)
    model = engine.model
    kernels = engine.kernels()
    raw = model.get_layer("depthwise").get_weights()[0]            # (3, 3, 3, 2): channels 3, multiplier 2
    assert raw.shape == (3, 3, 3, 2) and kernels["depthwise"].shape == (3, 3, 1, 6)
    for channel in range(3):
        for multiple in range(2):
            np.testing.assert_array_equal(kernels["depthwise"][:, :, 0, channel * 2 + multiple],
                                          raw[:, :, channel, multiple])
    depthwise, pointwise = model.get_layer("separable").get_weights()[:2]
    assert kernels["separable:depthwise"].shape == (3, 3, 1, 6) and kernels["separable:pointwise"].shape == (1, 1, 6, 4)
    np.testing.assert_array_equal(kernels["separable:depthwise"][:, :, 0, 5], depthwise[:, :, 2, 1])
    np.testing.assert_array_equal(kernels["separable:pointwise"], pointwise)
    assert kernels["gate"].shape == (3, 3, 3, 4)
    # The depthwise output channel c * m + j is input channel c filtered by its kernel alone.
    image = some_images(engine.input_shape, count=1)
    scaled = engine.feature_maps(image)["scale"][0]
    output = engine.feature_maps(image)["depthwise"][0]
    bias = model.get_layer("depthwise").get_weights()[1]
    padded = np.pad(scaled, ((1, 1), (1, 1), (0, 0)))
    for out_channel in (0, 3, 5):
        kernel = kernels["depthwise"][:, :, 0, out_channel]
        source = out_channel // 2
        value = (padded[2:5, 3:6, source] * kernel).sum() + bias[out_channel]
        assert output[2, 3, out_channel] == pytest.approx(value, rel=1e-4, abs=1e-5)


def test_a_separate_softmax_layer_and_its_logits_in_a_graph(tmp_path):
    engine = opened(merges_model(), tmp_path)
    image = some_images(engine.input_shape, count=1)
    logits = engine.feature_maps(image)["logits"]
    score = engine.gradients(image, class_index=3)
    assert score.value == pytest.approx(float(logits[0, 3]), rel=1e-5)
    np.testing.assert_allclose(engine.predict(image)[0], np.exp(logits[0]) / np.exp(logits[0]).sum(), rtol=1e-5)


def test_a_sequential_around_a_functional_base_opens_it_up(tmp_path):
    model = sequential_around_base()
    engine = opened(model, tmp_path)
    assert engine.layer_names() == [f"base{SCOPE_SEPARATOR}conv", f"base{SCOPE_SEPARATOR}skip",
                                    f"base{SCOPE_SEPARATOR}add", "flatten", "dense"]
    graph = engine.layer_graph()
    assert graph.layer("base/add").inputs == ("base/conv", "base/skip")
    assert graph.layer("base/conv").branch == "in base, → add input 1/2"
    assert graph.layer("flatten").inputs == ("base/add",)
    images = some_images(engine.input_shape)
    inner = keras.Model(model.layers[0].inputs[0], model.layers[0].get_layer("skip").output)
    np.testing.assert_allclose(engine.feature_maps(images)["base/skip"], inner(images), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(engine.predict(images), model.predict(images, verbose=0), rtol=1e-5, atol=1e-6)


def test_a_graph_model_cannot_be_trained_but_says_why(tmp_path):
    from cnnviz.core.config import TrainingConfig

    engine = opened(small_resnet(), tmp_path)
    assert engine.config is None
    with pytest.raises(RuntimeError, match="no cnnviz configuration, so it cannot be trained here"):
        engine.set_training(TrainingConfig())


def test_the_summary_of_a_graph_model_equals_keras_totals(tmp_path):
    from cnnviz.core.summary import graph_summary

    model = small_resnet()
    engine = opened(model, tmp_path)
    summary = graph_summary(engine.layer_graph())
    assert [row.name for row in summary.rows] == engine.layer_names()
    assert sorted(engine.layer_names()) == sorted(layer.name for layer in model.layers[1:])
    assert summary.total_parameters == model.count_params()
    trainable = sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
    assert summary.trainable_parameters == trainable
    assert "block1_add (Add)" in summary.to_text()
