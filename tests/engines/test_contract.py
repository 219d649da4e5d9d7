"""The engine contract, checked the same way for both engines."""

import inspect

import numpy as np
import pytest

from cnnviz.core.config import deep_config, reference_config
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.summary import summarize
from cnnviz.engines.base import Engine, train_epochs
from cnnviz.engines.registry import create_engine, load_engine

ENGINES = ["numpy", "keras"]


@pytest.fixture(params=ENGINES)
def engine_name(request):
    return request.param


def images(count, seed=0):
    return np.random.default_rng(seed).random((count, 28, 28, 1), dtype=np.float32)


def parameter_mismatches(member: str, expected: inspect.Signature, actual: inspect.Signature) -> list[str]:
    """How ``actual`` fails to accept every call that ``expected`` allows."""
    problems = []
    actual_order = list(actual.parameters)
    for position, (name, parameter) in enumerate(expected.parameters.items()):
        match = actual.parameters.get(name)
        if match is None:
            problems.append(f"{member}() has no parameter {name!r}")
            continue
        if parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and (
                match.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD or actual_order.index(name) != position):
            problems.append(f"{member}() does not take {name!r} as its positional parameter {position}")
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and match.kind not in (
                inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            problems.append(f"{member}() does not take {name!r} by keyword")
        if parameter.default is not inspect.Parameter.empty and match.default != parameter.default:
            problems.append(f"{member}() defaults {name!r} to {match.default!r}, the contract to "
                            f"{parameter.default!r}")
    for name, parameter in actual.parameters.items():
        if name not in expected.parameters and parameter.default is inspect.Parameter.empty and \
                parameter.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            problems.append(f"{member}() requires {name!r}, which the contract does not pass")
    return problems


def contract_mismatches(engine_class: type, engine: object | None = None) -> list[str]:
    """Every way ``engine_class`` (and ``engine``, an instance, for the attributes set on
    construction) differs from the :class:`Engine` protocol: a missing member, a method that is a
    classmethod in one and not the other, or parameters a caller of the contract cannot use."""
    problems = []
    members = {name: value for name, value in vars(Engine).items() if not name.startswith("_")}
    for name in [*Engine.__annotations__, *(name for name, value in members.items() if isinstance(value, property))]:
        if engine is not None and not hasattr(engine, name):
            problems.append(f"no attribute {name!r}")
    for name, declared in members.items():
        if isinstance(declared, property):
            continue
        found = inspect.getattr_static(engine_class, name, None)
        if found is None:
            problems.append(f"no method {name}()")
            continue
        if isinstance(declared, classmethod) != isinstance(found, (classmethod, staticmethod)):
            problems.append(f"{name}() must {'' if isinstance(declared, classmethod) else 'not '}be a classmethod")
            continue
        if not callable(getattr(engine_class, name)):
            problems.append(f"{name} is not a method")
            continue
        problems += parameter_mismatches(name, inspect.signature(getattr(Engine, name)),
                                         inspect.signature(getattr(engine_class, name)))
    return problems


def test_both_engines_follow_the_protocol(engine_name):
    engine = create_engine(engine_name, reference_config())
    assert isinstance(engine, Engine)
    assert contract_mismatches(type(engine), engine) == []


def test_the_protocol_check_finds_a_missing_renamed_or_changed_method():
    from cnnviz.engines.numpy_engine import NumpyEngine

    members = dict(vars(NumpyEngine))
    renamed = {name: value for name, value in members.items() if name != "kernels"}
    renamed["convolution_kernels"] = members["kernels"]
    engine_class = type("Renamed", (), renamed)
    engine = engine_class(reference_config())
    assert not isinstance(engine, Engine)
    assert contract_mismatches(engine_class, engine) == ["no method kernels()"]

    def predict(self, images, size=256):
        return NumpyEngine.predict(self, images, size)

    def load(self, path):
        raise NotImplementedError

    changed = type("Changed", (), {**members, "predict": predict, "load": load})
    assert contract_mismatches(changed, changed(reference_config())) == [
        "predict() has no parameter 'batch_size'", "load() must be a classmethod"]
    without_name = type("Nameless", (), {name: value for name, value in members.items() if name != "name"})
    assert contract_mismatches(without_name, without_name(reference_config())) == ["no attribute 'name'"]


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


def test_the_input_shape_follows_the_configuration_in_every_output(engine_name):
    from cnnviz.core import config as cfg

    config = cfg.ModelConfig(input_shape=(20, 12, 3), layers=(
        cfg.Conv2D(4, (3, 3), activation="linear"), cfg.BatchNormalization(), cfg.Activation("relu"),
        cfg.GlobalMaxPooling2D(), cfg.Dense(10, "softmax")))
    engine = create_engine(engine_name, config)
    assert engine.input_shape == (20, 12, 3)
    batch = np.random.default_rng(0).random((2, 20, 12, 3), dtype=np.float32)
    assert engine.predict(batch).shape == (2, 10)
    assert engine.kernels()["conv2d"].shape == (3, 3, 3, 4)
    gradients = engine.gradients(batch)
    assert gradients.input.shape == (2, 20, 12, 3)
    assert gradients.layers["batch_normalization"].shape == (2, 18, 10, 4)
    assert list(gradients.parameters["batch_normalization"]) == ["gamma", "beta"]
    assert list(engine.get_weights()["batch_normalization"]) == ["gamma", "beta", "moving_mean", "moving_variance"]
    with pytest.raises(ValueError, match=r"takes images of shape \(20, 12, 3\).*received an array of shape "
                                         r"\(1, 28, 28, 1\)"):
        engine.predict(images(1))
