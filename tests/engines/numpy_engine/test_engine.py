"""The NumPy engine as a whole: learning, determinism, dtypes, introspection, files and input checks."""

from __future__ import annotations

import pickle
import re
import zipfile

import numpy as np
import pytest

from cnnviz.core import config as cfg
from cnnviz.core.datasets import load_dataset
from cnnviz.core.preprocessing import preprocess_batch
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.summary import summarize
from cnnviz.engines.base import train_epochs
from cnnviz.engines.numpy_engine import NumpyEngine
from cnnviz.engines.numpy_engine import layers as numpy_layers
from cnnviz.engines.numpy_engine.engine import ModelFileError, read_model_file

ODD_CONFIG = cfg.ModelConfig(
    layers=(
        cfg.Conv2D(4, (5, 3), strides=(2, 1), padding="same", activation="sigmoid"),
        cfg.Conv2D(6, (3, 3), activation="linear"),
        cfg.MaxPooling2D((3, 3), (2, 2)),
        cfg.AveragePooling2D((2, 2), (1, 1)),
        cfg.Dropout(0.5),
        cfg.Flatten(),
        cfg.Dense(20, "sigmoid"),
        cfg.Dense(16, "linear"),
        cfg.Dense(10, "softmax"),
    ),
    initializer=cfg.Initializer("he_normal"),
    training=cfg.TrainingConfig(optimizer="sgd", learning_rate=0.05),
)
CONFIGS = {
    "reference": cfg.reference_config(),
    "deep": cfg.deep_config().with_training(optimizer="momentum", learning_rate=0.01),
    "odd": ODD_CONFIG,
}


@pytest.fixture(scope="module")
def mnist():
    dataset = load_dataset("mnist-sample", count=512)
    return preprocess_batch(dataset.images), dataset.labels.astype(np.int64)


@pytest.fixture(scope="module")
def mnist_test():
    dataset = load_dataset("mnist-sample", split="test", count=200)
    return preprocess_batch(dataset.images), dataset.labels.astype(np.int64)


@pytest.fixture(scope="module")
def trained(mnist, mnist_test):
    """The reference model after 2 epochs on 512 images, batch 32, and everything it yielded."""
    config = cfg.reference_config().with_training(batch_size=32, epochs=2)
    engine = NumpyEngine(config)
    results = list(train_epochs(engine, *mnist, mnist_test, epochs=2, batch_size=32, seed=0))
    return engine, results


# --------------------------------------------------------------------------- training


def test_loss_falls_and_accuracy_rises(trained):
    _, results = trained
    steps = [r for r in results if isinstance(r, StepResult)]
    epochs = [r for r in results if isinstance(r, EpochResult)]
    assert len(steps) == 2 * 16 and len(epochs) == 2
    assert [(s.epoch, s.batch, s.num_batches) for s in steps[:2]] == [(0, 0, 16), (0, 1, 16)]
    assert steps[-1].samples_seen == epochs[-1].samples_seen == 1024
    assert steps[0].loss == pytest.approx(np.log(10), rel=0.15)  # an untrained 10-class model
    assert epochs[-1].loss < 0.6 * steps[0].loss
    assert epochs[-1].loss < epochs[0].loss
    assert epochs[-1].accuracy > 0.6
    assert epochs[-1].val_loss is not None and epochs[-1].val_loss < 0.6 * steps[0].loss
    assert epochs[-1].val_accuracy > 0.6


def test_same_seed_same_weights_other_seed_other_weights(mnist):
    images, labels = mnist[0][:96], mnist[1][:96]

    def train(engine_seed: int, shuffle_seed: int):
        engine = NumpyEngine(cfg.reference_config(), seed=engine_seed)
        for _ in train_epochs(engine, images, labels, epochs=1, batch_size=32, seed=shuffle_seed):
            pass
        return engine.get_weights()

    first, again = train(7, 3), train(7, 3)
    for layer in first:
        for name in first[layer]:
            np.testing.assert_array_equal(first[layer][name], again[layer][name])
    for other in (train(8, 3), train(7, 4)):
        assert not np.array_equal(first["dense"]["kernel"], other["dense"]["kernel"])


def test_dropout_makes_training_steps_random_but_not_predictions(mnist):
    images, labels = mnist[0][:32], mnist[1][:32]
    engine = NumpyEngine(cfg.reference_config())
    before = engine.predict(images)
    np.testing.assert_array_equal(engine.predict(images), before)  # inference is deterministic
    engine.learning_rate = 1e-12  # steps barely move the weights ...
    losses = {engine.train_step(images, labels)[0] for _ in range(3)}
    assert len(losses) == 3  # ... but each draws new dropout masks


def test_learning_rate_setter_validates():
    engine = NumpyEngine(cfg.deep_config())
    engine.learning_rate = 0.5
    assert engine.learning_rate == 0.5
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="learning rate must be a positive number"):
            engine.learning_rate = bad


@pytest.mark.parametrize("name", list(CONFIGS))
def test_float32_everywhere(name, mnist):
    config = CONFIGS[name]
    images, labels = mnist[0][:24], mnist[1][:24]
    engine = NumpyEngine(config)
    for _ in range(2):
        loss, accuracy = engine.train_step(images, labels)
        assert type(loss) is float and type(accuracy) is float and np.isfinite(loss)

    def check(array, what):
        assert isinstance(array, np.ndarray) and array.dtype == np.float32, f"{what}: {array.dtype}"

    for layer in engine.network.layers:
        for param, value in layer.params.items():
            check(value, f"{layer.name}/{param}")
            check(layer.gradients[param], f"gradient of {layer.name}/{param}")
    for slots in engine.optimizer.slots.values():
        for slot in slots:
            check(slot, "optimizer slot")
    for layer, params in engine.get_weights().items():
        for param, value in params.items():
            check(value, f"get_weights {layer}/{param}")
    check(engine.predict(images), "predict")
    for layer, value in engine.feature_maps(images[:3]).items():
        check(value, f"feature map {layer}")
    for layer, value in engine.kernels().items():
        check(value, f"kernel {layer}")
    result = engine.gradients(images[:3], labels[:3])
    check(result.input, "input gradient")
    for layer, value in result.layers.items():
        check(value, f"gradient wrt {layer}")
    for layer, params in result.parameters.items():
        for param, value in params.items():
            check(value, f"parameter gradient {layer}/{param}")
    # float64 input is accepted and computed in float32
    check(engine.predict(images[:2].astype(np.float64)), "predict of float64 input")


@pytest.mark.parametrize("initializer", ["glorot_uniform", "he_normal", "normal", "ones"])
def test_initial_weights(initializer):
    config = cfg.ModelConfig(layers=cfg.deep_config().layers, initializer=cfg.Initializer(initializer, scale=0.2))
    weights = NumpyEngine(config, seed=1).get_weights()
    kernel = weights["dense"]["kernel"]  # (144, 32)
    assert kernel.dtype == np.float32
    fan_in, fan_out = kernel.shape
    if initializer == "ones":
        assert all((value == 1).all() for params in weights.values() for value in params.values())
        return
    assert all((params["bias"] == 0).all() for params in weights.values())
    if initializer == "glorot_uniform":
        limit = np.sqrt(6 / (fan_in + fan_out))
        assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.95 * limit
        conv = weights["conv2d"]["kernel"]  # (3, 3, 1, 8): fans count the receptive field
        assert np.abs(conv).max() <= np.sqrt(6 / (9 * 1 + 9 * 8))
    elif initializer == "he_normal":
        std = np.sqrt(2 / fan_in)
        assert np.abs(kernel).max() <= 2 * std / 0.87962566103423978 + 1e-6  # truncated at 2 sigma
        assert kernel.std() == pytest.approx(std, rel=0.1)
    else:
        assert kernel.std() == pytest.approx(0.2, rel=0.1)


# --------------------------------------------------------------------------- inference


def test_predict_in_batches_equals_all_at_once(trained, mnist_test):
    engine, _ = trained
    images = mnist_test[0][:70]
    whole = engine.predict(images, batch_size=1000)
    assert whole.shape == (70, 10)
    np.testing.assert_allclose(whole.sum(axis=1), 1.0, rtol=1e-5)
    for batch_size in (1, 8, 69):
        np.testing.assert_allclose(engine.predict(images, batch_size=batch_size), whole, rtol=1e-5, atol=1e-7)
    # A single image, with or without its channel axis.
    np.testing.assert_allclose(engine.predict(images[5]), whole[5:6], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(engine.predict(images[5, :, :, 0]), whole[5:6], rtol=1e-5, atol=1e-7)
    assert engine.predict(images[:0]).shape == (0, 10)


def test_predict_does_not_return_a_buffer_that_later_calls_overwrite(trained, mnist_test):
    engine, _ = trained
    first = engine.predict(mnist_test[0][:4])
    kept = first.copy()
    engine.predict(mnist_test[0][4:8])
    engine.feature_maps(mnist_test[0][8:9])
    np.testing.assert_array_equal(first, kept)


def test_evaluate_agrees_with_predict(trained, mnist_test):
    engine, _ = trained
    images, labels = mnist_test[0][:100], mnist_test[1][:100]
    probabilities = engine.predict(images).astype(np.float64)
    loss, accuracy = engine.evaluate(images, labels, batch_size=32)  # last batch holds 4 images
    assert loss == pytest.approx(-np.log(probabilities[np.arange(100), labels]).mean(), rel=1e-4)
    assert accuracy == pytest.approx((probabilities.argmax(axis=1) == labels).mean(), abs=1e-12)
    assert engine.evaluate(images, labels, batch_size=7) == pytest.approx((loss, accuracy), rel=1e-5)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_feature_maps(name, mnist):
    config = CONFIGS[name]
    engine = NumpyEngine(config)
    images = mnist[0][:3]
    maps = engine.feature_maps(images)
    summary = summarize(config)
    assert list(maps) == config.layer_names() == [row.name for row in summary.rows]
    for row in summary.rows:
        assert maps[row.name].shape == (3, *row.output_shape[1:]), row.name
        assert not maps[row.name].flags.writeable
    names = config.layer_names()
    np.testing.assert_allclose(maps[names[-1]], engine.predict(images), rtol=1e-6, atol=1e-7)
    for previous, layer in zip(names, names[1:]):
        if layer.startswith("dropout"):
            np.testing.assert_array_equal(maps[layer], maps[previous])  # identity outside training
        if layer == "flatten":
            np.testing.assert_array_equal(maps[layer], maps[previous].reshape(3, -1))
    # The first convolution's map, recomputed directly from its kernel.
    kernel, bias = engine.get_weights()["conv2d"].values()
    first = config.layers[0]
    if first.padding == "valid" and first.strides == (1, 1) and first.activation == "relu":
        kh, kw = first.kernel_size
        manual = np.zeros(maps["conv2d"].shape)
        for dy in range(kh):
            for dx in range(kw):
                manual += images[:, dy:dy + manual.shape[1], dx:dx + manual.shape[2], :] @ kernel[dy, dx]
        np.testing.assert_allclose(maps["conv2d"], np.maximum(manual + bias, 0), rtol=1e-5, atol=1e-5)


def test_kernels(trained):
    engine, _ = trained
    kernels = engine.kernels()
    assert list(kernels) == ["conv2d"]
    assert kernels["conv2d"].shape == (3, 3, 1, 28)
    np.testing.assert_array_equal(kernels["conv2d"], engine.get_weights()["conv2d"]["kernel"])
    assert not kernels["conv2d"].flags.writeable
    deep = NumpyEngine(cfg.deep_config()).kernels()
    assert {name: k.shape for name, k in deep.items()} == {"conv2d": (3, 3, 1, 8), "conv2d_1": (3, 3, 8, 16)}


def test_returned_arrays_are_copies(mnist):
    engine = NumpyEngine(cfg.deep_config())
    kernel = engine.kernels()["conv2d"]
    weights = engine.get_weights()
    weights["conv2d"]["kernel"][...] = 5.0
    engine.set_weights({layer: {name: value + 1 for name, value in params.items()}
                        for layer, params in engine.get_weights().items()})
    assert not (kernel == engine.kernels()["conv2d"]).any()
    assert not (engine.kernels()["conv2d"] == 5.0).any()


def test_gradients_result(mnist):
    config = CONFIGS["odd"]
    engine = NumpyEngine(config)
    images, labels = mnist[0][:4], mnist[1][:4]
    before = engine.get_weights()
    maps = engine.feature_maps(images)
    result = engine.gradients(images, labels)
    assert result.target == "loss"
    assert result.value == pytest.approx(engine.evaluate(images, labels)[0], rel=1e-5)
    assert result.input.shape == images.shape
    assert list(result.layers) == config.layer_names()
    for name, gradient in result.layers.items():
        assert gradient.shape == maps[name].shape, name  # the output layer's: its logits
    assert {layer: {k: v.shape for k, v in params.items()} for layer, params in result.parameters.items()} == \
        {layer: {k: v.shape for k, v in params.items()} for layer, params in before.items()}
    assert all(not a.flags.writeable for a in [result.input, *result.layers.values()])
    # Computing gradients changes no weight.
    after = engine.get_weights()
    for layer in before:
        for name in before[layer]:
            np.testing.assert_array_equal(after[layer][name], before[layer][name])
    # Default labels are the predicted classes.
    predicted = engine.predict(images).argmax(axis=1)
    default = engine.gradients(images)
    np.testing.assert_array_equal(default.input, engine.gradients(images, predicted).input)
    # Class score: the gradient of the class logit summed over the batch.
    score = engine.gradients(images, class_index=4)
    assert score.target == "class:4"
    expected_logits = np.zeros((4, 10), np.float32)
    expected_logits[:, 4] = 1
    np.testing.assert_array_equal(score.layers["dense_2"], expected_logits)
    np.testing.assert_array_equal(score.parameters["dense_2"]["bias"], expected_logits.sum(axis=0))


def test_gradients_refuse_bad_targets(mnist):
    engine = NumpyEngine(cfg.deep_config())
    images = mnist[0][:2]
    for bad in (-1, 10):
        with pytest.raises(ValueError, match=r"class_index must be in \[0, 10\)"):
            engine.gradients(images, class_index=bad)
    for bad in (np.array([1]), np.array([1, 10]), np.array([-1, 0])):
        with pytest.raises(ValueError, match=r"labels must be 2 class indices in \[0, 10\)"):
            engine.gradients(images, labels=bad)


# --------------------------------------------------------------------------- input checks

BAD_SHAPES = [(5, 28, 28), (5, 27, 28, 1), (5, 28, 28, 3), (28, 28, 3), (28, 27), (784,), (1, 1, 28, 28, 1)]


@pytest.mark.parametrize("shape", BAD_SHAPES, ids=[str(s) for s in BAD_SHAPES])
def test_wrong_input_shapes_raise_a_clear_value_error(shape):
    engine = NumpyEngine(cfg.deep_config())
    images = np.zeros(shape, np.float32)
    # A 2-D image is reported after the engine added its batch and channel axes.
    received = re_shape(shape) if len(shape) != 2 else re_shape((1, *shape, 1))
    message = rf"takes images of shape \(28, 28, 1\).*received an array of shape {received}"
    calls = [
        lambda: engine.predict(images),
        lambda: engine.evaluate(images, np.zeros(len(images), int)),
        lambda: engine.feature_maps(images),
        lambda: engine.gradients(images),
        lambda: engine.train_step(images, np.zeros(len(images), int)),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=message):
            call()


def re_shape(shape: tuple) -> str:
    return re.escape(str(tuple(shape)))


# Validation gaps found while writing these tests: each call below silently computes
# something wrong (or fails with an unrelated IndexError) instead of refusing its input.

def test_train_step_refuses_labels_that_do_not_match_the_images(mnist):
    engine = NumpyEngine(cfg.deep_config())
    images = mnist[0][:10]
    for labels in (np.arange(5), np.arange(12) % 10):
        with pytest.raises(ValueError, match="labels"):
            engine.train_step(images, labels)


def test_train_step_and_evaluate_refuse_labels_outside_the_classes(mnist):
    engine = NumpyEngine(cfg.deep_config())
    images = mnist[0][:4]
    for labels in (np.array([0, 1, 2, 10]), np.array([0, 1, 2, -1])):
        with pytest.raises(ValueError, match="labels"):
            engine.train_step(images, labels)
        with pytest.raises(ValueError, match="labels"):
            engine.evaluate(images, labels)


def test_evaluate_refuses_labels_that_do_not_match_the_images(mnist):
    engine = NumpyEngine(cfg.deep_config())
    with pytest.raises(ValueError, match="labels"):
        engine.evaluate(mnist[0][:10], mnist[1][:1])


@pytest.mark.parametrize("batch_size", [0, -1])
def test_predict_and_evaluate_refuse_a_non_positive_batch_size(batch_size, mnist):
    engine = NumpyEngine(cfg.deep_config())
    with pytest.raises(ValueError, match="batch_size"):
        engine.predict(mnist[0][:10], batch_size=batch_size)
    with pytest.raises(ValueError, match="batch_size"):
        engine.evaluate(mnist[0][:10], mnist[1][:10], batch_size=batch_size)


# --------------------------------------------------------------------------- weights and files


def test_set_weights_checks_everything_before_changing_anything():
    engine = NumpyEngine(cfg.deep_config())
    original = engine.get_weights()
    good = {layer: {name: value + 1 for name, value in params.items()} for layer, params in original.items()}
    bad = {layer: dict(params) for layer, params in good.items()}
    bad["dense_1"]["bias"] = np.zeros(9, np.float32)  # the last array checked is wrong
    with pytest.raises(ValueError, match=r"dense_1/bias has shape \(9,\), but the model expects \(10,\)"):
        engine.set_weights(bad)
    np.testing.assert_array_equal(engine.get_weights()["conv2d"]["kernel"], original["conv2d"]["kernel"])
    engine.set_weights(good)
    np.testing.assert_array_equal(engine.get_weights()["conv2d"]["kernel"], good["conv2d"]["kernel"])


def test_set_weights_refuses_an_unexpected_array_in_a_known_layer():
    engine = NumpyEngine(cfg.deep_config())
    weights = engine.get_weights()
    weights["conv2d"]["gamma"] = np.ones(8, np.float32)
    with pytest.raises(ValueError, match="gamma"):
        engine.set_weights(weights)


def test_save_and_load_round_trip(trained, tmp_path, mnist_test):
    engine, _ = trained
    path = engine.save(tmp_path / "model")
    assert path == tmp_path / "model.npz" and path.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]  # no temporary file left
    loaded = NumpyEngine.load(path)
    assert loaded.config == engine.config
    images = mnist_test[0][:50]
    np.testing.assert_array_equal(loaded.predict(images), engine.predict(images))
    for layer, params in engine.get_weights().items():
        for name, value in params.items():
            np.testing.assert_array_equal(loaded.get_weights()[layer][name], value)
    config, weights = read_model_file(path)
    assert config == engine.config and set(weights) == {"conv2d", "dense", "dense_1"}
    # Saving again over the same file works, and a name ending in .npz is kept.
    assert engine.save(path) == path and engine.save(str(tmp_path / "b.npz")) == tmp_path / "b.npz"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A saved small model: its path and the arrays inside it."""
    path = NumpyEngine(cfg.deep_config(), seed=2).save(tmp_path_factory.mktemp("saved") / "model.npz")
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    assert "config.json" in arrays and arrays["config.json"].dtype == np.uint8
    return path, arrays


def write_npz(path, arrays):
    np.savez(path, **arrays)
    return path


def load_fails(path, match):
    with pytest.raises(ModelFileError, match=match):
        NumpyEngine.load(path)


def test_truncated_file(saved, tmp_path):
    data = saved[0].read_bytes()
    for name, cut in (("half.npz", len(data) // 2), ("almost.npz", len(data) - 10), ("empty.npz", 0)):
        (tmp_path / name).write_bytes(data[:cut])
        load_fails(tmp_path / name, rf"{name} is not a readable cnnviz model file")


def test_random_bytes(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "noise.npz").write_bytes(rng.bytes(5000))
    load_fails(tmp_path / "noise.npz", "noise.npz is not a readable cnnviz model file")
    (tmp_path / "zipnoise.npz").write_bytes(b"PK\x03\x04" + rng.bytes(5000))
    load_fails(tmp_path / "zipnoise.npz", "zipnoise.npz is not a readable cnnviz model file")


def test_missing_file(tmp_path):
    load_fails(tmp_path / "absent.npz", "There is no model file at")


def test_a_plain_npy_file(tmp_path):
    """A single-array .npy (not an archive) is a foreign file, not a crash."""
    np.save(tmp_path / "array.npy", np.zeros((3, 3), np.float32))
    load_fails(tmp_path / "array.npy", "array.npy")


def test_missing_configuration(saved, tmp_path):
    arrays = {k: v for k, v in saved[1].items() if k != "config.json"}
    load_fails(write_npz(tmp_path / "noconfig.npz", arrays), r"holds no model configuration \('config.json'\)")


def test_configuration_stored_as_raw_bytes(saved, tmp_path):
    """A zip member 'config.json' that is plain JSON text rather than an .npy array."""
    path = tmp_path / "rawconfig.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for key, value in saved[1].items():
            if key == "config.json":
                archive.writestr("config.json", value.tobytes())
            else:
                with archive.open(key + ".npy", "w") as member:
                    np.lib.format.write_array(member, value, allow_pickle=False)
    load_fails(path, "rawconfig.npz")


@pytest.mark.parametrize("text, match", [
    (b"{not json", "invalid configuration: The configuration is not valid JSON"),
    (b"\xff\xfe\x00", "invalid configuration"),
    (b'{"layers": [{"type": "flatten"}]}', "invalid configuration.*no output layer"),
    (b'{"colour": 1}', "invalid configuration.*Unknown configuration section"),
])
def test_invalid_configuration(saved, tmp_path, text, match):
    arrays = dict(saved[1], **{"config.json": np.frombuffer(text, np.uint8)})
    load_fails(write_npz(tmp_path / "badconfig.npz", arrays), f"badconfig.npz has an {match}")


def test_missing_array(saved, tmp_path):
    arrays = {k: v for k, v in saved[1].items() if k != "dense/bias"}
    load_fails(write_npz(tmp_path / "m.npz", arrays), r"m.npz: The weights of layer 'dense' have no 'bias' array")
    arrays = {k: v for k, v in saved[1].items() if not k.startswith("conv2d_1/")}
    load_fails(write_npz(tmp_path / "m.npz", arrays), r"m.npz: The weights have no entry for layer 'conv2d_1'")


def test_wrong_shape(saved, tmp_path):
    arrays = dict(saved[1], **{"conv2d/kernel": np.zeros((3, 3, 1, 7), np.float32)})
    load_fails(write_npz(tmp_path / "m.npz", arrays),
               r"Array conv2d/kernel has shape \(3, 3, 1, 7\), but the model expects \(3, 3, 1, 8\)")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_values(saved, tmp_path, bad):
    kernel = saved[1]["dense/kernel"].copy()
    kernel[3, 4] = bad
    load_fails(write_npz(tmp_path / "m.npz", dict(saved[1], **{"dense/kernel": kernel})),
               "Array dense/kernel contains NaN or infinite values")


def test_integer_array(saved, tmp_path):
    arrays = dict(saved[1], **{"dense/bias": np.zeros(32, np.int64)})
    load_fails(write_npz(tmp_path / "m.npz", arrays), "Array dense/bias has dtype int64; expected floats")


def test_unexpected_arrays(saved, tmp_path):
    arrays = dict(saved[1], **{"batch_norm/gamma": np.ones(3, np.float32)})
    load_fails(write_npz(tmp_path / "m.npz", arrays), r"name layers the model does not have: \['batch_norm'\]")
    arrays = dict(saved[1], **{"stray": np.ones(3, np.float32)})
    load_fails(write_npz(tmp_path / "m.npz", arrays), "unexpected array 'stray'")


def test_unexpected_array_in_a_known_layer(saved, tmp_path):
    arrays = dict(saved[1], **{"conv2d/gamma": np.ones(8, np.float32)})
    load_fails(write_npz(tmp_path / "m.npz", arrays), "conv2d/gamma|gamma")


UNPICKLED: list[str] = []


def _record_unpickling(tag: str) -> str:
    UNPICKLED.append(tag)
    return tag


class _Canary:
    """An object whose unpickling leaves a trace in ``UNPICKLED``."""

    def __reduce__(self):
        return (_record_unpickling, ("unpickled",))


def write_with_pickled_member(path, arrays, key):
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in arrays.items():
            with archive.open(name + ".npy", "w") as member:
                if name == key:
                    np.save(member, np.array([_Canary()], dtype=object), allow_pickle=True)
                else:
                    np.lib.format.write_array(member, value, allow_pickle=False)
    return path


@pytest.mark.parametrize("key", ["conv2d/kernel", "config.json"])
def test_pickled_object_array_is_refused_and_never_unpickled(saved, tmp_path, key):
    path = write_with_pickled_member(tmp_path / "pickled.npz", saved[1], key)
    UNPICKLED.clear()
    with np.load(path, allow_pickle=True) as archive:  # the control: this file does unpickle
        archive[key]
    assert UNPICKLED == ["unpickled"]
    UNPICKLED.clear()
    load_fails(path, "pickled.npz is not a readable cnnviz model file")
    with pytest.raises(ModelFileError):
        read_model_file(path)
    assert UNPICKLED == []


def test_a_plain_pickle_is_never_unpickled(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps(_Canary()))
    UNPICKLED.clear()
    load_fails(path, "model.npz is not a readable cnnviz model file")
    assert UNPICKLED == []


@pytest.mark.parametrize("layer", [
    numpy_layers.Conv2DLayer("conv2d", cfg.Conv2D(filters=2, kernel_size=(3, 3)), 1),
    numpy_layers.MaxPooling2DLayer("max_pooling2d", cfg.MaxPooling2D()),
    numpy_layers.AveragePooling2DLayer("average_pooling2d", cfg.AveragePooling2D()),
    numpy_layers.SpectralPooling2DLayer("spectral_pooling2d", cfg.SpectralPooling2D(output_size=(2, 2))),
    numpy_layers.FlattenLayer("flatten"),
    numpy_layers.DenseLayer("dense", cfg.Dense(units=3), 4),
], ids=lambda layer: layer.name)
def test_a_backward_pass_before_any_forward_pass_says_so(layer):
    with pytest.raises(RuntimeError, match=f"Layer {layer.name} has run no forward pass yet"):
        layer.backward(np.ones((1, 2, 2, 2), np.float32))


def test_logits_before_any_forward_pass_say_so():
    engine = NumpyEngine(cfg.reference_config())
    with pytest.raises(RuntimeError, match="Layer dense_1 has run no forward pass yet"):
        _ = engine.network.logits
