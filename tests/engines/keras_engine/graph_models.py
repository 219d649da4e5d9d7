"""Small Keras Functional models of the standard image architectures, for the graph tests."""

import keras


def small_resnet(input_shape=(16, 12, 3), classes=4):
    """Two residual blocks: an identity shortcut and a strided 1×1 projection shortcut."""
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Conv2D(6, 3, padding="same", name="stem")(inputs)
    shortcut = x
    y = keras.layers.Conv2D(6, 3, padding="same", name="block1_conv1")(x)
    y = keras.layers.BatchNormalization(name="block1_bn1")(y)
    y = keras.layers.ReLU(name="block1_relu1")(y)
    y = keras.layers.Conv2D(6, 3, padding="same", name="block1_conv2")(y)
    x = keras.layers.Add(name="block1_add")([shortcut, y])
    x = keras.layers.Activation("relu", name="block1_out")(x)
    shortcut = keras.layers.Conv2D(8, 1, strides=2, name="block2_project")(x)
    y = keras.layers.Conv2D(8, 3, strides=2, padding="same", name="block2_conv1")(x)
    y = keras.layers.BatchNormalization(name="block2_bn1")(y)
    x = keras.layers.Add(name="block2_add")([shortcut, y])
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="small_resnet")


def inception_block(input_shape=(15, 15, 1), classes=3):
    """One Inception block: four towers joined by a Concatenate."""
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.ZeroPadding2D(1, name="pad")(inputs)
    tower_1 = keras.layers.Conv2D(2, 1, padding="same", name="tower1_1x1")(x)
    tower_2 = keras.layers.Conv2D(2, 1, padding="same", name="tower2_1x1")(x)
    tower_2 = keras.layers.Conv2D(3, 3, padding="same", name="tower2_3x3")(tower_2)
    tower_3 = keras.layers.Conv2D(2, 1, padding="same", name="tower3_1x1")(x)
    tower_3 = keras.layers.Conv2D(3, 5, padding="same", name="tower3_5x5")(tower_3)
    tower_4 = keras.layers.MaxPooling2D(3, strides=1, padding="same", name="tower4_pool")(x)
    tower_4 = keras.layers.Conv2D(2, 1, padding="same", name="tower4_1x1")(tower_4)
    x = keras.layers.Concatenate(name="mixed")([tower_1, tower_2, tower_3, tower_4])
    x = keras.layers.AveragePooling2D(2, name="avg")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dropout(0.3, name="dropout")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="inception")


def merges_model(input_shape=(10, 9, 3), classes=5):
    """Multiply, Average, Subtract, Maximum and Minimum merges, a separable and a depthwise
    convolution, a Reshape, and a separate softmax layer at the end."""
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Rescaling(1 / 2, offset=-0.25, name="scale")(inputs)
    a = keras.layers.SeparableConv2D(4, 3, padding="same", depth_multiplier=2, name="separable")(x)
    b = keras.layers.Conv2D(4, 3, padding="same", activation="sigmoid", name="gate")(x)
    gated = keras.layers.Multiply(name="multiply")([a, b])
    c = keras.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, name="depthwise")(x)
    c = keras.layers.Conv2D(4, 1, name="pointwise")(c)
    averaged = keras.layers.Average(name="average")([gated, c])
    difference = keras.layers.Subtract(name="subtract")([averaged, c])
    largest = keras.layers.Maximum(name="maximum")([difference, gated])
    smallest = keras.layers.Minimum(name="minimum")([largest, averaged])
    x = keras.layers.GlobalMaxPooling2D(name="global_max")(smallest)
    x = keras.layers.Reshape((2, 2), name="reshape")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(classes, name="logits")(x)
    outputs = keras.layers.Softmax(name="softmax")(x)
    return keras.Model(inputs, outputs, name="merges")


def transfer_model(classes=3):
    """The usual transfer-learning model: a MobileNetV2 base without its top inside another model."""
    inputs = keras.Input(shape=(96, 96, 3))
    x = keras.layers.Rescaling(1 / 127.5, offset=-1, name="rescaling")(inputs)
    base = keras.applications.MobileNetV2(include_top=False, weights=None, alpha=0.35, input_shape=(96, 96, 3))
    base.trainable = False
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="transfer"), base


def sequential_around_base():
    """A Sequential model whose first layer is a small Functional base (another common form)."""
    inputs = keras.Input(shape=(12, 12, 1))
    y = keras.layers.Conv2D(3, 3, padding="same", name="conv")(inputs)
    y = keras.layers.Add(name="add")([y, keras.layers.Conv2D(3, 1, name="skip")(inputs)])
    base = keras.Model(inputs, y, name="base")
    return keras.Sequential([keras.Input(shape=(12, 12, 1)), base, keras.layers.Flatten(name="flatten"),
                             keras.layers.Dense(2, activation="softmax", name="dense")], name="outer")
