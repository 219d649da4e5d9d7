"""Keras's own MobileNetV2, alone and as the base of a transfer-learning model, opened from .keras
files and inspected layer by layer (random weights)."""

import keras
import numpy as np
import pytest

from cnnviz.core.summary import graph_summary
from cnnviz.engines.keras_engine import KerasEngine
from tests.engines.keras_engine.graph_models import transfer_model


@pytest.fixture(scope="module")
def mobilenet(tmp_path_factory):
    keras.utils.set_random_seed(1)
    model = keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3), classes=10)
    path = tmp_path_factory.mktemp("mobilenet") / "mobilenet.keras"
    model.save(path)
    return model, KerasEngine.load(path)


@pytest.fixture(scope="module")
def transfer(tmp_path_factory):
    keras.utils.set_random_seed(2)
    model, base = transfer_model()
    path = tmp_path_factory.mktemp("transfer") / "transfer.keras"
    model.save(path)
    return model, base, KerasEngine.load(path)


def images(count=1, seed=0):
    return np.random.default_rng(seed).random((count, 96, 96, 3), dtype=np.float32) * 255


def test_mobilenet_every_layer_and_the_prediction_equal_keras(mobilenet):
    model, engine = mobilenet
    layers = model.layers[1:]
    assert sorted(engine.layer_names()) == sorted(layer.name for layer in layers)
    image = images() / 255
    result = engine.gradients(image)
    maps = engine.feature_maps(image)
    reference = keras.Model(model.inputs[0], [layer.output for layer in layers])(image, training=False)
    for layer, expected in zip(layers, reference):
        np.testing.assert_allclose(maps[layer.name], np.asarray(expected), rtol=1e-3, atol=1e-4, err_msg=layer.name)
    np.testing.assert_allclose(engine.predict(image), model.predict(image, verbose=0), rtol=1e-4, atol=1e-6)
    assert set(result.layers) == set(engine.layer_names())
    assert all(result.layers[name].shape == maps[name].shape for name in maps)
    assert result.parameters["block_3_depthwise"]["depthwise_kernel"].shape == (3, 3, 144, 1)
    assert np.abs(result.input).sum() > 0


def test_mobilenet_depthwise_kernels_are_single_channel_kernels_per_output(mobilenet):
    model, engine = mobilenet
    kernels = engine.kernels()
    raw = model.get_layer("block_5_depthwise").get_weights()[0]
    assert raw.shape == (3, 3, 192, 1) and kernels["block_5_depthwise"].shape == (3, 3, 1, 192)
    np.testing.assert_array_equal(kernels["block_5_depthwise"][:, :, 0, :], raw[:, :, :, 0])
    assert kernels["Conv1"].shape == (3, 3, 3, 32)
    depthwise = [name for name, layer in zip(engine.layer_names(), engine.layers)
                 if isinstance(layer, keras.layers.DepthwiseConv2D)]
    assert len(depthwise) == 17 and all(kernels[name].shape[2] == 1 for name in depthwise)


def test_mobilenet_residual_blocks_are_labelled(mobilenet):
    _, engine = mobilenet
    graph = engine.layer_graph()
    assert graph.layer("block_2_expand").branch == "→ block_2_add input 2/2"
    assert graph.layer("block_1_expand").branch == "", "a block without a skip connection is on the trunk"
    assert graph.layer("block_2_add").inputs == ("block_1_project_BN", "block_2_project_BN")


def test_a_transfer_model_opens_its_base_and_inspects_every_inner_layer(transfer):
    model, base, engine = transfer
    prefix = f"{base.name}/"
    names = engine.layer_names()
    assert names[0] == "rescaling" and names[-3:] == ["pool", "dropout", "predictions"]
    inner = [name[len(prefix):] for name in names if name.startswith(prefix)]
    assert sorted(inner) == sorted(layer.name for layer in base.layers[1:])
    picture = images(2, seed=4)
    maps = engine.feature_maps(picture)
    chosen = ["block_1_expand", "block_6_depthwise", "block_13_project_BN", "out_relu"]
    reference = keras.Model(base.inputs[0], [base.get_layer(name).output for name in chosen])(
        np.asarray(maps["rescaling"]), training=False)
    for name, expected in zip(chosen, reference):
        np.testing.assert_allclose(maps[prefix + name], np.asarray(expected), rtol=1e-3, atol=1e-4, err_msg=name)
    np.testing.assert_allclose(engine.predict(picture), model.predict(picture, verbose=0), rtol=1e-4, atol=1e-6)
    result = engine.gradients(picture[:1], class_index=2)
    assert set(result.layers) == set(names)
    assert result.parameters[prefix + "Conv1"]["kernel"].shape == (3, 3, 3, 16), "a frozen base's kernels too"
    assert engine.kernels()[prefix + "expanded_conv_depthwise"].shape == (3, 3, 1, 16)
    graph = engine.layer_graph()
    assert graph.layer(prefix + "Conv1").inputs == ("rescaling",)
    assert graph.layer("pool").inputs == (prefix + "out_relu",)
    assert graph.layer(prefix + "block_2_expand").branch == f"in {base.name}, → block_2_add input 2/2"
    summary = graph_summary(graph)
    assert summary.total_parameters == model.count_params()
    assert summary.trainable_parameters == sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
