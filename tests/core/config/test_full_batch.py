"""Full-batch gradient descent and training by iterations: the settings' JSON form, their checks,
and the batch size and epochs they make."""

import pytest

from cnnviz.core.config import ConfigError, ModelConfig, TrainingConfig, reference_config
from cnnviz.core.validation import find_problems


def test_full_batch_and_iterations_round_trip_through_json_and_files(tmp_path):
    config = reference_config().with_training(optimizer="sgd", full_batch=True, iterations=1500, train_subset=5000)
    assert ModelConfig.from_json(config.to_json()) == config
    path = tmp_path / "config.json"
    config.save(path)
    loaded = ModelConfig.load(path)
    assert loaded.training.full_batch is True and loaded.training.iterations == 1500
    # A document written before these settings existed reads as before: mini-batches, by epochs.
    older = reference_config().to_dict()
    del older["training"]["full_batch"], older["training"]["iterations"]
    assert ModelConfig.from_dict(older).training == reference_config().training


@pytest.mark.parametrize("setting, value, match", [
    ("full_batch", "yes", "full_batch' must be bool"),
    ("full_batch", 1, "full_batch' must be bool"),
    ("iterations", 1.5, "iterations' must be int"),
    ("iterations", True, "iterations' must be int"),
])
def test_wrong_types_are_refused_naming_the_setting(setting, value, match):
    document = reference_config().to_dict()
    document["training"][setting] = value
    with pytest.raises(ConfigError, match=match) as caught:
        ModelConfig.from_dict(document)
    assert caught.value.setting == setting


def test_iterations_must_be_positive():
    problems = find_problems(reference_config().with_training(iterations=0))
    assert [problem.setting for problem in problems] == ["iterations"]
    assert "positive number of steps" in problems[0].message
    assert not find_problems(reference_config().with_training(iterations=1))


def test_batch_size_and_epochs_follow_full_batch_and_iterations():
    training = TrainingConfig(batch_size=32, epochs=4)
    assert training.batch_size_for(5000) == 32 and training.epochs_for(5000) == 4
    full = TrainingConfig(batch_size=32, epochs=4, full_batch=True)
    assert full.batch_size_for(5000) == 5000 and full.epochs_for(5000) == 4
    # With iterations, an epoch of the full batch is one step; of 32-image batches, 157 steps.
    assert TrainingConfig(full_batch=True, iterations=1500).epochs_for(5000) == 1500
    assert TrainingConfig(batch_size=32, iterations=1500).epochs_for(5000) == 10
    assert TrainingConfig(batch_size=32, iterations=157).epochs_for(5000) == 1
    assert TrainingConfig(batch_size=32, iterations=158).epochs_for(5000) == 2


def test_expected_epochs_before_the_data_is_read():
    assert TrainingConfig(epochs=7).expected_epochs() == 7
    assert TrainingConfig(full_batch=True, iterations=1500).expected_epochs() == 1500
    assert TrainingConfig(batch_size=100, iterations=100, train_subset=1000,
                          validation_split=0.5).expected_epochs() == 20
    assert TrainingConfig(epochs=3, batch_size=100, iterations=100).expected_epochs() == 3
