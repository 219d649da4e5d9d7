"""The sanity checks restore the model, report every method and step, and see a destroyed model."""

import numpy as np
import pytest

from cnnviz.science import attribution
from cnnviz.science.attribution import sanity
from cnnviz.science.data import load_test_split
from tests.science.attribution.test_guided import WithoutGuided
from tests.science.helpers import reference_engine, weights_equal


@pytest.fixture(scope="module")
def engine():
    return reference_engine()


@pytest.fixture(scope="module")
def split(engine):
    return load_test_split(engine, count=200)


def test_cascading_randomization_reports_each_layer_top_down_and_restores_the_weights(engine, split):
    before = engine.get_weights()
    table = attribution.cascading_randomization(engine, split.images[:2], ("gradient", "grad-cam"), seed=3)
    assert weights_equal(before, engine.get_weights())
    assert table.steps == ("dense_1", "dense_1…dense", "dense_1…conv2d")
    assert table.methods == ("gradient", "grad-cam") and table.spearman.shape == (2, 3)
    # With every layer random, the gradient no longer ranks pixels as the trained model does.
    assert table.spearman[0, -1] < 0.9 and table.ssim[0, -1] < 0.9
    again = attribution.cascading_randomization(engine, split.images[:2], ("gradient", "grad-cam"), seed=3)
    np.testing.assert_array_equal(table.spearman, again.spearman)
    csv = table.to_csv().splitlines()
    assert csv[0] == "check,method,step,spearman,ssim" and len(csv) == 1 + 2 * 3
    assert "| gradient |" in table.to_markdown() and "Adebayo" in table.explanation


def test_weights_are_restored_when_a_method_fails_midway(engine, split, monkeypatch):
    before = engine.get_weights()
    calls = []
    real = sanity.maps

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) > 2:
            raise RuntimeError("a failure inside a method")
        return real(*args, **kwargs)

    monkeypatch.setattr(sanity, "maps", failing)
    with pytest.raises(RuntimeError):
        attribution.cascading_randomization(engine, split.images[:1], ("gradient", "gradient-x-input"))
    assert len(calls) == 3 and weights_equal(before, engine.get_weights())


def test_a_method_the_engine_cannot_compute_is_skipped_with_its_reason(split):
    wrapped = WithoutGuided(reference_engine())
    wrapped.get_weights = wrapped._engine.get_weights
    wrapped.set_weights = wrapped._engine.set_weights
    wrapped.layer_names = wrapped._engine.layer_names
    table = attribution.cascading_randomization(wrapped, split.images[:1], ("gradient", "guided-backprop"))
    assert table.methods == ("gradient",)
    assert "guided-backprop" in table.explanation and "cannot compute guided" in table.explanation


def test_label_randomization_trains_a_copy_and_restores_weights_and_state(engine, split):
    before, state = engine.get_weights(), engine.training_state()
    table = attribution.label_randomization(engine, split.images[:2], split.images[:96], split.labels[:96],
                                            ("gradient",), epochs=1, seed=1)
    assert weights_equal(before, engine.get_weights())
    after = engine.training_state()
    assert all(np.array_equal(state[key], after[key]) for key in state)
    assert table.steps == ("shuffled labels",) and table.spearman.shape == (1, 1)
    assert table.spearman[0, 0] < 0.9 and "accuracy on their true labels" in table.explanation


def test_reinitialisation_follows_the_stated_rules():
    rng = np.random.default_rng(0)
    kernel = sanity.reinitialised("kernel", np.zeros((3, 3, 1, 28), np.float32), rng)
    limit = np.sqrt(6 / (9 + 9 * 28))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    assert (sanity.reinitialised("bias", np.ones(4, np.float32), rng) == 0).all()
    assert (sanity.reinitialised("gamma", np.zeros(4, np.float32), rng) == 1).all()
