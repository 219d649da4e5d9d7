"""Receptive fields of graph models: the same numbers as the chain rule on chains, hand-computed numbers
on a ResNet-style and an Inception-style graph, and a brute force on Keras — the nonzero support of
d unit / d input for random positive weights — for every unit of every layer of a graph with merges,
strides, padding, cropping, dilation, depthwise and separable convolutions."""

import numpy as np
import pytest

from cnnviz.core.config import reference_config
from cnnviz.core.graph_receptive_field import graph_receptive_fields
from cnnviz.core.layer_graph import config_graph
from cnnviz.core.receptive_field import receptive_fields
from tests.core.test_receptive_field import CONFIGS


@pytest.mark.parametrize("name", [*CONFIGS, "reference"])
def test_a_chain_gets_the_chain_rules_fields_and_bounds(name):
    config = CONFIGS.get(name) or reference_config()
    chain = receptive_fields(config)
    layers = config_graph(config).layers
    graph = graph_receptive_fields(config_graph(config), config.input_shape)
    height, width = config.input_shape[:2]
    for expected, field, layer in zip(chain, graph, layers):
        assert (field.name, field.size, field.jump, field.start, field.whole_input) == \
            (expected.name, expected.size, expected.jump, expected.start, expected.whole_input)
        if not field.whole_input:
            for row in range(layer.output_shape[1]):
                for column in range(layer.output_shape[2]):
                    assert field.bounds(row, column, (height, width)) == expected.bounds(row, column, (height, width))


keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from cnnviz.engines.keras_engine import KerasEngine  # noqa: E402
from tests.engines.keras_engine.graph_models import inception_block, small_resnet  # noqa: E402


def fields_of(model):
    engine = KerasEngine.from_model(model)
    graph = engine.layer_graph()
    return {field.name: field for field in graph_receptive_fields(graph, engine.input_shape) if field is not None}


def test_resnet_fields_by_hand():
    fields = fields_of(small_resnet())
    numbers = {name: (field.size[0], field.jump[0], field.start[0]) for name, field in fields.items()
               if not field.whole_input}
    # stem 3×3 'same' (pad 1): size 3, start 1 - 1 = 0; two more 3×3: 5 and 7; the Add joins stem (3)
    # and the branch (7): 7. block2_conv1 3×3 stride 2 'same' on 16 rows (pad 0): 7 + 2 = 9, start
    # 0 + 1 = 1, jump 2; the 1×1 stride-2 projection keeps 7 at start 0; their union spans
    # [min(1 - 4, 0 - 3), max(1 + 4, 0 + 3)] = [-3, 5]: 9 wide, centred at 1.
    assert numbers == {
        "stem": (3, 1, 0.0), "block1_conv1": (5, 1, 0.0), "block1_bn1": (5, 1, 0.0), "block1_relu1": (5, 1, 0.0),
        "block1_conv2": (7, 1, 0.0), "block1_add": (7, 1, 0.0), "block1_out": (7, 1, 0.0),
        "block2_conv1": (9, 2, 1.0), "block2_bn1": (9, 2, 1.0), "block2_project": (7, 2, 0.0),
        "block2_add": (9, 2, 1.0)}
    assert fields["pool"].whole_input and fields["predictions"].whole_input
    # Columns: 12 wide, block2_conv1 pads (5·2 + 3 - 12) // 2 = 0 as well.
    assert fields["block2_add"].size == (9, 9) and fields["block2_add"].start == (1.0, 1.0)


def test_inception_fields_by_hand():
    fields = fields_of(inception_block())
    # ZeroPadding2D(1): a 1×1 field centred one pixel before the data; the towers see 1, 3, 5 and
    # 3 (pool 3 then 1×1) pixels; the Concatenate is their union, 5; 2×2 average pooling: 6, jump 2,
    # start -1 + 0.5.
    assert fields["pad"].size == (1, 1) and fields["pad"].start == (-1.0, -1.0)
    assert [fields[name].size[0] for name in ("tower1_1x1", "tower2_3x3", "tower3_5x5", "tower4_1x1")] == [1, 3, 5, 3]
    assert fields["mixed"].size == (5, 5) and fields["mixed"].start == (-1.0, -1.0)
    assert fields["avg"].size == (6, 6) and fields["avg"].jump == (2, 2) and fields["avg"].start == (-0.5, -0.5)
    # Unit (0, 0) of the 5×5 tower sees rows -3..1 of the input, of which 0..1 exist.
    assert fields["tower3_5x5"].bounds(0, 0, (15, 15)) == (0, 1, 0, 1)


def brute_force_graph(input_shape=(13, 11, 3)):
    """Every kind of window and merge, with positive weights so every path carries gradient."""
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.ZeroPadding2D(((2, 0), (1, 1)), name="pad")(inputs)
    x = keras.layers.Conv2D(3, 3, strides=(2, 1), padding="same", name="stem")(x)
    a = keras.layers.Conv2D(3, 3, dilation_rate=2, padding="same", name="dilated")(x)
    a = keras.layers.Activation("relu", name="relu")(a)
    b = keras.layers.DepthwiseConv2D((1, 3), padding="same", name="depthwise")(x)
    x = keras.layers.Add(name="add")([a, b])
    c = keras.layers.SeparableConv2D(2, (3, 2), padding="same", name="separable")(x)
    d = keras.layers.AveragePooling2D(3, strides=1, padding="same", name="pool")(x)
    x = keras.layers.Concatenate(name="concat")([c, d])
    x = keras.layers.Cropping2D(((1, 0), (0, 1)), name="crop")(x)
    x = keras.layers.Conv2D(2, 2, strides=2, name="strided")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(0)
    model.set_weights([np.abs(rng.normal(size=weight.shape)).astype(np.float32) + 0.1
                       for weight in model.get_weights()])
    return model


def test_every_unit_of_a_graph_sees_exactly_its_gradient_support():
    model = brute_force_graph()
    fields = fields_of(model)
    images = tf.constant(np.random.default_rng(1).random((2, *model.input_shape[1:]), dtype=np.float32))
    height, width = model.input_shape[1:3]
    checked = 0
    for layer in model.layers[1:]:
        if len(layer.output.shape) != 4:
            continue
        probe = keras.Model(model.inputs, layer.output)
        with tf.GradientTape() as tape:
            tape.watch(images)
            values = tf.reduce_sum(probe(images), axis=-1)  # every channel of the position
        support = np.abs(tape.batch_jacobian(values, images).numpy()).sum(axis=(0, -1)) > 0  # (h, w, H, W)
        for row in range(support.shape[0]):
            for column in range(support.shape[1]):
                rows, columns = np.nonzero(support[row, column])
                bounds = fields[layer.name].bounds(row, column, (height, width))
                if len(rows) == 0:  # sees only padding
                    assert bounds[0] > bounds[1], (layer.name, row, column)
                    continue
                assert (rows.min(), rows.max(), columns.min(), columns.max()) == bounds, (layer.name, row, column)
                checked += 1
    assert checked > 300
