"""Integrated Gradients: completeness on the NumPy engine, and the baselines."""

import pytest

from cnnviz.science import attribution
from cnnviz.science.attribution.integrated_gradients import baseline_image, class_logit, path_weights
from cnnviz.science.data import load_test_split
from tests.science.attribution.helpers import colour_engine, random_images
from tests.science.helpers import reference_engine


def completeness_gap(engine, image, class_index, **settings):
    result = attribution.integrated_gradients(engine, image, class_index, **settings)
    start = baseline_image(engine, image, settings.get("baseline", "black"), settings.get("blur_sigma", 5.0))
    expected = class_logit(engine, image, class_index) - class_logit(engine, start, class_index)
    assert abs(expected) > 0.1  # a difference worth explaining
    return abs(float(result.channels.sum()) - expected) / abs(expected), result


@pytest.mark.parametrize("rule", ["midpoint", "trapezoid"])
def test_completeness_on_the_reference_model(rule):
    engine = reference_engine()
    split = load_test_split(engine, count=4)
    gap, result = completeness_gap(engine, split.images[3:4], int(split.labels[3]), steps=128, rule=rule,
                                   batch_size=50)
    assert gap < 0.01
    assert "completeness" in result.notes and result.parameters["steps"] == 128


@pytest.mark.parametrize("baseline", ["black", "blurred", "image"])
def test_completeness_on_a_colour_model_for_each_baseline(baseline):
    engine = colour_engine()
    image = random_images(1, engine.input_shape, seed=8) * 4
    chosen = random_images(1, engine.input_shape, seed=9) if baseline == "image" else baseline
    gap, _ = completeness_gap(engine, image, 1, steps=128, baseline=chosen, blur_sigma=2.0)
    assert gap < 0.01


def test_too_few_steps_show_in_the_gap():
    engine = colour_engine()
    image = random_images(1, engine.input_shape, seed=8) * 3
    coarse, _ = completeness_gap(engine, image, 1, steps=1)
    fine, _ = completeness_gap(engine, image, 1, steps=128)
    assert fine < coarse


def test_riemann_rules_weigh_the_path_to_one():
    for rule in ("midpoint", "trapezoid"):
        alphas, weights = path_weights(5, rule)
        assert weights.sum() == pytest.approx(1.0) and 0 <= alphas.min() and alphas.max() <= 1
    assert path_weights(4, "midpoint")[0].tolist() == [0.125, 0.375, 0.625, 0.875]


def test_blurred_baseline_is_smooth_and_keeps_the_mean():
    engine = colour_engine()
    image = random_images(1, engine.input_shape, seed=3)
    blurred = baseline_image(engine, image, "blurred", 1.5)
    assert blurred.shape == image.shape
    assert blurred.std() < image.std() / 2
    assert blurred.mean() == pytest.approx(image.mean(), abs=0.02)
