"""Feature visualization and top images of a foreign Keras graph model (a residual network opened from
a .keras file, no cnnviz configuration): unit gradients equal a direct GradientTape through Keras's
own sub-model, and visualizing raises the unit."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from cnnviz.engines.keras_engine import KerasEngine  # noqa: E402 - after the import checks
from cnnviz.science.feature_vis import Settings, visualizable_layers, visualize  # noqa: E402
from cnnviz.science.feature_vis.objective import direction, layer_shape, objective_gradient  # noqa: E402
from cnnviz.science.feature_vis.top_images import top_images  # noqa: E402
from tests.engines.keras_engine.graph_models import small_resnet  # noqa: E402


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    keras.utils.set_random_seed(7)
    model = small_resnet()
    path = tmp_path_factory.mktemp("foreign") / "resnet.keras"
    model.save(path)
    return model, KerasEngine.load(path)


def test_unit_gradients_of_every_kind_of_layer_equal_a_gradient_tape(opened):
    model, engine = opened
    assert engine.config is None
    images = np.random.default_rng(0).random((2, *engine.input_shape), dtype=np.float32)
    names = visualizable_layers(engine)
    chosen = [name for name in names if "add" in name][:1] + names[:1] + names[-1:]
    assert len(chosen) == 3
    for layer in chosen:
        shape = layer_shape(engine, layer)
        units = [0, shape[-1] - 1]
        seed = direction(shape, units)
        values, _, gradient = objective_gradient(engine, images, layer, seed, units)
        keras_layer = model.get_layer(layer)
        is_output = keras_layer is model.layers[-1]
        # The output layer's objective is its logit: the dense layer before the softmax.
        target = model.layers[-1].input if is_output else keras_layer.output
        sub_model = keras.Model(model.inputs[0], target)
        batch = tf.constant(images)
        with tf.GradientTape() as tape:
            tape.watch(batch)
            output = sub_model(batch, training=False)
            if is_output:
                output = tf.matmul(output, keras_layer.kernel) + keras_layer.bias
            objective = tf.reduce_sum(output * seed, axis=list(range(1, len(shape) + 1)))
            total = tf.reduce_sum(objective)
        expected = tape.gradient(total, batch).numpy()
        np.testing.assert_allclose(values, objective.numpy(), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(gradient, expected, atol=1e-4 * max(np.abs(expected).max(), 1e-6))


def test_visualizing_a_foreign_filter_raises_it_and_top_images_search_it(opened):
    _, engine = opened
    layer = visualizable_layers(engine)[0]
    result = visualize(engine, layer, [0, 1], Settings(steps=24))
    assert result.images.shape == (2, *engine.input_shape)
    assert (result.history[-4:].mean(axis=0) > result.history[:2].mean(axis=0)).all()
    images = np.random.default_rng(1).random((30, *engine.input_shape), dtype=np.float32)
    found = top_images(engine, images, layer, count=3)
    maps = np.asarray(engine.feature_maps(images)[layer])
    np.testing.assert_allclose(found.activations[1], np.sort(maps[..., 1].reshape(30, -1).max(axis=1))[::-1][:3],
                               rtol=1e-5)
    assert (found.boxes[..., 1] == engine.input_shape[0] - 1).all()  # no configuration: the whole input
