"""Models trained elsewhere: opened in safe mode, inspected like ours, refused when they cannot be served."""

import keras
import numpy as np
import pytest

from cnnviz.engines.keras_engine import KerasEngine, KerasModelError
from cnnviz.engines.registry import load_engine


def keras_mnist_convnet():
    """Keras's own MNIST convnet example (keras.io/examples/vision/mnist_convnet)."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])


def save(model, tmp_path, name="model.keras"):
    path = tmp_path / name
    model.save(path)
    return path


def test_keras_mnist_example_opens_and_is_inspected(tmp_path):
    model = keras_mnist_convnet()
    engine = load_engine(save(model, tmp_path))
    assert engine.input_shape == (28, 28, 1)
    names = engine.layer_names()
    assert len(names) == 7
    image = np.random.default_rng(0).random((1, 28, 28, 1), dtype=np.float32)
    maps = engine.feature_maps(image)
    assert [maps[name].shape[1:] for name in names[:4]] == [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64)]
    kernels = engine.kernels()
    assert [kernel.shape for kernel in kernels.values()] == [(3, 3, 1, 32), (3, 3, 32, 64)]
    gradients = engine.gradients(image)
    assert gradients.input.shape == (1, 28, 28, 1) and np.abs(gradients.input).sum() > 0
    np.testing.assert_allclose(engine.predict(image), model.predict(image, verbose=0), rtol=1e-5, atol=1e-6)


def test_a_functional_chain_with_other_layers_opens(tmp_path):
    inputs = keras.Input(shape=(20, 20, 3))
    x = keras.layers.Rescaling(0.5)(inputs)
    x = keras.layers.Conv2D(4, 3, padding="same")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(3, activation="softmax")(x)
    engine = load_engine(save(keras.Model(inputs, outputs), tmp_path))
    assert engine.config is None, "layers cnnviz cannot rebuild: inspect only"
    assert engine.input_shape == (20, 20, 3)
    result = engine.gradients(np.ones((1, 20, 20, 3), np.float32), class_index=1)
    assert result.target == "class:1" and result.input.shape == (1, 20, 20, 3)


def test_a_separate_softmax_layer_gives_probabilities(tmp_path):
    model = keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(4),
                              keras.layers.Softmax()])
    engine = load_engine(save(model, tmp_path))
    image = np.random.default_rng(1).random((2, 8, 8, 1), dtype=np.float32)
    np.testing.assert_allclose(engine.predict(image), model.predict(image, verbose=0), rtol=1e-5, atol=1e-6)
    logits = engine.feature_maps(image)[engine.layer_names()[1]]
    score = engine.gradients(image, class_index=2)
    assert score.value == pytest.approx(float(logits[:, 2].sum()), rel=1e-5)


def test_a_lambda_layer_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "lambda-ran"
    code = f"open({str(marker)!r}, 'w').close()"

    def hostile(x):
        exec(code)  # noqa: S102 - the payload a hostile file would carry
        return x

    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Lambda(hostile),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    path = save(model, tmp_path)
    marker.unlink(missing_ok=True)  # building the model above ran it once, in this test
    with pytest.raises(KerasModelError, match="Lambda layer.*never runs such code"):
        KerasEngine.load(path)
    assert not marker.exists()


def test_a_custom_layer_is_refused(tmp_path):
    @keras.saving.register_keras_serializable(package="elsewhere")
    class Doubler(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), Doubler(), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    path = save(model, tmp_path)
    keras.saving.get_custom_objects().pop("elsewhere>Doubler")
    with pytest.raises(KerasModelError, match="custom layer"):
        KerasEngine.load(path)


@pytest.mark.parametrize("build, match", [
    (lambda: keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")]),
     "input is one image"),
    (lambda: two_input_model(), "has 2 inputs"),
    (lambda: two_output_model(), "one output of class scores"),
    (lambda: keras.Sequential([keras.Input(shape=(8, 8, 4)), keras.layers.Flatten(), keras.layers.Dense(3)]),
     "4 channels; cnnviz inspects images with 1 .grey. or 3 .RGB colour. channels"),
    (lambda: keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Conv2D(2, 3)]),
     r"outputs of shape \(None, 6, 6, 2\); cnnviz inspects models with one output of class scores"),
])
def test_models_the_viewers_cannot_serve_are_refused(tmp_path, build, match):
    with pytest.raises(KerasModelError, match=match):
        KerasEngine.load(save(build(), tmp_path))


def two_input_model():
    first, second = keras.Input(shape=(28, 28, 1)), keras.Input(shape=(28, 28, 1))
    merged = keras.layers.Add()([first, second])
    return keras.Model([first, second], keras.layers.Dense(10)(keras.layers.Flatten()(merged)))


def two_output_model():
    inputs = keras.Input(shape=(28, 28, 1))
    features = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, [keras.layers.Dense(10)(features), keras.layers.Dense(2)(features)])


@pytest.mark.parametrize("content, match", [
    (b"", "not a .keras model archive"),
    (b"PK\x03\x04 truncated zip", "not a .keras model archive"),
    (bytes(range(256)) * 10, "not a .keras model archive"),
])
def test_corrupt_files_are_refused(tmp_path, content, match):
    path = tmp_path / "broken.keras"
    path.write_bytes(content)
    with pytest.raises(KerasModelError, match=match):
        KerasEngine.load(path)


def test_truncated_keras_archive_is_refused(tmp_path):
    path = save(keras_mnist_convnet(), tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(KerasModelError):
        KerasEngine.load(path)


def test_unknown_file_type_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"expected a \.npz .* or a \.keras"):
        load_engine(tmp_path / "model.h5")


def test_an_archive_declaring_gigabytes_is_refused_before_keras_reads_it(tmp_path, monkeypatch):
    from tests.bombs import deflate_zeros, write_zip

    bomb = write_zip(tmp_path / "bomb.keras", {"model.weights.h5": (deflate_zeros(b"", 2**31), 2**31, 0)})
    monkeypatch.setattr(keras.models, "load_model", lambda *args, **kwargs: pytest.fail("Keras read the bomb"))
    with pytest.raises(KerasModelError, match=r"'model.weights.h5' declares 2.0 GiB uncompressed, more than"):
        KerasEngine.load(bomb)
