"""Configurations that pass every other check but would exhaust memory are refused with the estimate and
the fix; the limit can be raised knowingly; layers, filters, units and seeds have one rule for both engines."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cnnviz.core import memory
from cnnviz.core.config import ConfigError, Conv2D, Dense, Flatten, MaxPooling2D, ModelConfig, reference_config
from cnnviz.core.memory import MEMORY_LIMIT_ENV, estimate_memory, memory_limit, set_memory_limit_mb
from cnnviz.core.validation import MAX_SEED, check_seed, find_problems, output_shapes, validate
from cnnviz.engines.numpy_engine import NumpyEngine

OUTPUT = Dense(units=10, activation="softmax")


@pytest.fixture(autouse=True)
def default_limit(monkeypatch):
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    set_memory_limit_mb(None)
    yield
    set_memory_limit_mb(None)


def wide(filters=1024, batch_size=512):
    config = ModelConfig(layers=(Conv2D(filters=filters, padding="same"), MaxPooling2D(), Flatten(), OUTPUT))
    return config.with_training(batch_size=batch_size)


def test_ten_thousand_layers_are_refused_before_anything_is_estimated():
    config = ModelConfig(layers=(*(Conv2D(filters=8, kernel_size=(1, 1)) for _ in range(10_000)), Flatten(), OUTPUT))
    problems = find_problems(config)
    assert len(problems) == 1 and "10,002 layers, more than the 200" in problems[0].message


def test_two_hundred_thousand_filters_are_refused():
    problems = find_problems(ModelConfig(layers=(Conv2D(filters=200_000), Flatten(), OUTPUT)))
    assert problems[0].setting == "filters" and "at most 4,096, received 200,000" in problems[0].message


def test_a_configuration_that_needs_more_than_the_limit_is_refused_with_the_estimate_and_the_fix(monkeypatch):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1000")
    config = wide()
    estimate = estimate_memory(config, output_shapes(config))
    assert estimate.training > 4 * 2**30  # 512 images of 28x28x1024 floats, columns and gradients
    with pytest.raises(ConfigError) as caught:
        validate(config)
    message = caught.value.message
    assert "Training this model needs about" in message and "a batch of 512" in message
    assert "more than the 1,000 MiB cnnviz allows (set by $CNNVIZ_MEMORY_LIMIT_MB)" in message
    assert "Lower the batch size or the number of filters" in message
    assert caught.value.layer_index == 0 and caught.value.setting == "filters"
    # The fix it names works: a smaller batch and fewer filters fit.
    assert find_problems(wide(filters=32, batch_size=32)) == []


def test_the_default_limit_is_half_of_what_the_machine_has_available(monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: 8 * 2**30)
    limit, source = memory_limit()
    assert limit == 4 * 2**30 and "50% of the 8,192 MiB this machine has available" in source
    assert find_problems(reference_config()) == []
    problems = find_problems(wide(filters=512, batch_size=2048))
    assert problems and "50% of the 8,192 MiB" in problems[0].message


def test_the_limit_can_be_raised_knowingly_and_the_flag_wins(monkeypatch):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "100")
    assert find_problems(wide())
    monkeypatch.setenv(MEMORY_LIMIT_ENV, str(10**7))
    assert find_problems(wide()) == []
    set_memory_limit_mb(100)
    assert "set with --memory-limit" in find_problems(wide())[0].message


@pytest.mark.parametrize("value", ["lots", "-5", "0", "nan"])
def test_a_malformed_limit_is_a_problem_not_a_crash(monkeypatch, value):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, value)
    problems = find_problems(reference_config())
    assert problems and "CNNVIZ_MEMORY_LIMIT_MB must be a positive number of megabytes" in problems[0].message
    with pytest.raises(ValueError, match="positive number"):
        set_memory_limit_mb(-1)


def test_changing_training_settings_of_a_built_model_skips_the_memory_check(monkeypatch):
    engine = NumpyEngine(reference_config())
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1")
    engine.set_training(replace(engine.config.training, learning_rate=0.01))
    assert engine.learning_rate == 0.01


def test_the_estimate_grows_with_the_batch_and_the_optimizer():
    def estimate(**training):
        config = reference_config().with_training(**training)
        return estimate_memory(config, output_shapes(config))

    assert estimate(batch_size=64).activations == pytest.approx(2 * estimate(batch_size=32).activations)
    assert estimate(optimizer="adam").parameters == 2 * estimate(optimizer="sgd").parameters


# -- seeds: one rule for both engines (the Keras engine's test is in tests/engines/keras_engine) -----

@pytest.mark.parametrize("seed", [-1, MAX_SEED, 2**64])
def test_a_seed_outside_32_bits_is_refused_by_validation(seed):
    problems = find_problems(reference_config().with_training(seed=seed))
    assert [problem.setting for problem in problems] == ["seed"]
    assert "seed must be an integer in [0, 2**32) = [0, 4,294,967,295]" in problems[0].message


def test_the_numpy_engine_refuses_a_seed_the_keras_engine_would_refuse():
    assert check_seed(MAX_SEED - 1) == MAX_SEED - 1
    with pytest.raises(ConfigError, match=r"seed must be an integer in \[0, 2\*\*32\)"):
        NumpyEngine(reference_config().with_training(seed=2**32))
    with pytest.raises(ConfigError, match=r"received 4,294,967,296"):
        NumpyEngine(reference_config(), seed=2**32)
    NumpyEngine(reference_config(), seed=MAX_SEED - 1)


def test_an_input_too_large_for_memory_is_refused_at_the_input_shape(monkeypatch):
    from cnnviz.core.config import Conv2D, Dense, GlobalAveragePooling2D, ModelConfig
    from cnnviz.core.validation import find_problems

    monkeypatch.setenv("CNNVIZ_MEMORY_LIMIT_MB", "4000")
    layers = (Conv2D(8, (3, 3)), GlobalAveragePooling2D(), Dense(10, "softmax"))
    assert find_problems(ModelConfig(input_shape=(64, 64, 3), layers=layers)) == []
    problems = find_problems(ModelConfig(input_shape=(512, 512, 3), layers=layers))
    assert [(problem.setting, problem.layer_index) for problem in problems] == [("input_shape", None)]
    assert "Use a smaller input_shape than [512, 512, 3]" in problems[0].message
