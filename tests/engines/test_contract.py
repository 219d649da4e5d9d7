"""The engine contract, checked the same way for both engines."""

import numpy as np
import pytest

from cnnviz.core.config import deep_config, reference_config
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.summary import summarize
from cnnviz.engines.base import train_epochs
from cnnviz.engines.registry import create_engine, load_engine

ENGINES = ["numpy", "keras"]


@pytest.fixture(params=ENGINES)
def engine_name(request):
    return request.param


def images(count, seed=0):
    return np.random.default_rng(seed).random((count, 28, 28, 1), dtype=np.float32)


def test_layer_names_follow_the_configuration(engine_name):
    engine = create_engine(engine_name, reference_config())
    assert engine.layer_names() == reference_config().layer_names()
    assert engine.name == engine_name


@pytest.mark.parametrize("config", [reference_config(), deep_config()], ids=["reference", "deep"])
def test_feature_maps_have_the_summary_shapes(engine_name, config):
    engine = create_engine(engine_name, config)
    maps = engine.feature_maps(images(3))
    rows = summarize(config).rows
    assert list(maps) == [row.name for row in rows]
    for row in rows:
        assert maps[row.name].shape == (3, *row.output_shape[1:])
        assert maps[row.name].dtype == np.float32
        assert not maps[row.name].flags.writeable


def test_predict_evaluate_and_batches(engine_name):
    engine = create_engine(engine_name, reference_config())
    batch = images(70)
    probabilities = engine.predict(batch, batch_size=32)
    assert probabilities.shape == (70, 10) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(probabilities, engine.predict(batch, batch_size=256), rtol=1e-5, atol=1e-7)
    labels = probabilities.argmax(axis=1)
    loss, accuracy = engine.evaluate(batch, labels)
    assert accuracy == 1.0
    expected_loss = -np.log(probabilities[np.arange(70), labels]).mean()
    assert loss == pytest.approx(expected_loss, rel=1e-4)


def test_single_image_and_wrong_shapes(engine_name):
    engine = create_engine(engine_name, reference_config())
    assert engine.predict(images(1)[0]).shape == (1, 10)
    assert engine.predict(images(1)[0, :, :, 0]).shape == (1, 10)
    with pytest.raises(ValueError, match=r"takes images of shape \(28, 28, 1\).*\(2, 32, 32, 1\)"):
        engine.predict(np.zeros((2, 32, 32, 1)))


def test_kernels_are_the_convolution_weights(engine_name):
    engine = create_engine(engine_name, deep_config())
    kernels = engine.kernels()
    assert list(kernels) == ["conv2d", "conv2d_1"]
    assert kernels["conv2d"].shape == (3, 3, 1, 8) and kernels["conv2d_1"].shape == (3, 3, 8, 16)
    np.testing.assert_array_equal(kernels["conv2d"], engine.get_weights()["conv2d"]["kernel"])


@pytest.mark.parametrize("class_index", [None, 4])
def test_gradients_cover_input_layers_and_parameters(engine_name, class_index):
    engine = create_engine(engine_name, reference_config())
    result = engine.gradients(images(2), labels=np.array([1, 7]) if class_index is None else None,
                              class_index=class_index)
    assert result.target == ("loss" if class_index is None else "class:4")
    assert result.input.shape == (2, 28, 28, 1)
    assert list(result.layers) == reference_config().layer_names()
    assert result.layers["dense_1"].shape == (2, 10)
    weights = engine.get_weights()
    assert {layer: set(params) for layer, params in result.parameters.items()} == {
        layer: set(params) for layer, params in weights.items()}
    for layer, params in weights.items():
        for name, value in params.items():
            assert result.parameters[layer][name].shape == value.shape
    assert np.abs(result.input).sum() > 0


def test_gradient_arguments_are_checked(engine_name):
    engine = create_engine(engine_name, reference_config())
    with pytest.raises(ValueError, match="class_index must be in"):
        engine.gradients(images(1), class_index=10)
    with pytest.raises(ValueError, match="labels must be 1 class indices"):
        engine.gradients(images(1), labels=np.array([12]))


def test_weights_round_trip_between_engines(engine_name):
    source = create_engine("numpy", reference_config(), seed=3)
    engine = create_engine(engine_name, reference_config())
    engine.set_weights(source.get_weights())
    batch = images(4)
    np.testing.assert_allclose(engine.predict(batch), source.predict(batch), rtol=1e-4, atol=1e-6)


def test_set_weights_checks_before_changing_anything(engine_name):
    engine = create_engine(engine_name, reference_config())
    before = engine.get_weights()
    bad = engine.get_weights()
    bad["dense"]["kernel"] = np.zeros((3, 3), np.float32)
    with pytest.raises(ValueError, match=r"dense/kernel has shape \(3, 3\)"):
        engine.set_weights(bad)
    missing = engine.get_weights()
    del missing["dense_1"]
    with pytest.raises(ValueError, match="no entry for layer 'dense_1'"):
        engine.set_weights(missing)
    after = engine.get_weights()
    for layer in before:
        for name in before[layer]:
            np.testing.assert_array_equal(after[layer][name], before[layer][name])


def test_training_generator_yields_steps_then_epochs(engine_name):
    config = reference_config().with_training(batch_size=16)
    engine = create_engine(engine_name, config)
    batch, labels = images(40), np.arange(40) % 10
    results = list(train_epochs(engine, batch, labels, (batch[:8], labels[:8]), epochs=2, batch_size=16))
    kinds = [type(result).__name__ for result in results]
    assert kinds == ["StepResult"] * 3 + ["EpochResult"] + ["StepResult"] * 3 + ["EpochResult"]
    steps = [result for result in results if isinstance(result, StepResult)]
    assert [step.samples_seen for step in steps] == [16, 32, 40, 56, 72, 80]
    epochs = [result for result in results if isinstance(result, EpochResult)]
    assert epochs[1].val_accuracy is not None and 0 <= epochs[1].val_accuracy <= 1


def test_learning_rate_can_change(engine_name):
    engine = create_engine(engine_name, reference_config())
    engine.learning_rate = 0.25
    assert engine.learning_rate == pytest.approx(0.25)
    with pytest.raises(ValueError, match="positive number"):
        engine.learning_rate = -1.0


def test_save_and_load_round_trip(engine_name, tmp_path):
    engine = create_engine(engine_name, deep_config(), seed=5)
    path = engine.save(tmp_path / "model")
    assert path.suffix == (".npz" if engine_name == "numpy" else ".keras")
    loaded = load_engine(path)
    assert loaded.name == engine_name
    assert loaded.layer_names() == engine.layer_names()
    batch = images(3)
    np.testing.assert_allclose(loaded.predict(batch), engine.predict(batch), rtol=1e-6, atol=1e-7)
    assert not list(tmp_path.glob("*.tmp*")), "no temporary file may be left behind"


def test_set_training_keeps_weights_and_switches_optimizer(engine_name):
    engine = create_engine(engine_name, reference_config())
    before = engine.get_weights()
    training = reference_config().training
    engine.set_training(training.__class__(**{**training.__dict__, "optimizer": "sgd", "learning_rate": 0.5,
                                              "batch_size": 7}))
    assert engine.config.training.batch_size == 7 and engine.learning_rate == pytest.approx(0.5)
    for layer in before:
        np.testing.assert_array_equal(engine.get_weights()[layer]["kernel"], before[layer]["kernel"])
    batch, labels = images(8), np.arange(8) % 10
    gradients = engine.gradients(batch, labels=labels)
    engine.train_step(batch, labels)
    # Plain SGD now: w1 = w0 - 0.5 * g (no dropout randomness in the kernels' gradient at the last layer).
    expected = before["dense_1"]["bias"] - 0.5 * gradients.parameters["dense_1"]["bias"]
    assert np.abs(engine.get_weights()["dense_1"]["bias"] - expected).max() < 0.5 * np.abs(
        gradients.parameters["dense_1"]["bias"]).max() + 1e-6
