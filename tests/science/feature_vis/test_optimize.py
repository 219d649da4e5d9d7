"""Activation maximization: the check of issue 16 (every first-layer filter of the reference model is
driven above its largest activation over 1,000 dataset images), and the optimizer's behaviour on
other layers, classes, a colour model, and bad settings."""

import numpy as np
import pytest

from cnnviz.science.data import layer_maps, load_test_split
from cnnviz.science.feature_vis import FeatureVisResult, Progress, Settings, visualize, visualize_steps
from cnnviz.science.feature_vis.image_ops import total_variation
from cnnviz.science.feature_vis.objective import direction, layer_shape, objective_gradient
from tests.science.attribution.helpers import colour_engine


def test_every_first_layer_filter_beats_its_best_dataset_image(engine):
    images = load_test_split(engine, count=1000).images
    dataset_best = layer_maps(engine, images, "conv2d").max(axis=(0, 1, 2))
    result = visualize(engine, "conv2d", range(28))
    margins = result.peaks - dataset_best
    print("\nfilter  optimized  best of 1,000  margin")
    for unit, (peak, best, margin) in enumerate(zip(result.peaks, dataset_best, margins)):
        print(f"{unit:6d}  {peak:9.3f}  {best:13.3f}  {margin:+.3f}")
    assert result.images.shape == (28, 28, 28, 1)
    assert (margins > 0).all(), margins
    # The optimized images' own peaks are the engine's, recomputed from the images.
    recomputed = engine.feature_maps(result.images)["conv2d"]
    np.testing.assert_allclose(result.peaks, [recomputed[i, :, :, i].max() for i in range(28)], rtol=1e-5)


def test_fourier_parameterization_with_every_regularizer_raises_the_unit_and_smooths_the_image(engine):
    units = [0, 5, 9]
    plain = visualize(engine, "conv2d", units, Settings(steps=64, parameterization="fourier", l2=0.0, jitter=0))
    settings = Settings(steps=64, parameterization="fourier", l2=0.5, total_variation=0.1, jitter=2, rotation=5.0,
                        scaling=0.1, blur_sigma=0.5)
    result = visualize(engine, "conv2d", units, settings)
    assert result.history.shape == (64, 3)
    grey = np.full((3, 28, 28, 1), 0.5, np.float32)
    seed = direction(layer_shape(engine, "conv2d"), units)
    grey_values = objective_gradient(engine, grey, "conv2d", seed, units)[0]
    assert (result.values > grey_values).all() and (plain.values > result.values).all()
    assert (total_variation(result.images)[0] < total_variation(plain.images)[0]).all()


def test_a_class_visualization_is_classified_as_that_class(engine):
    result = visualize(engine, "dense_1", [3, 8], Settings(steps=96))
    assert list(engine.predict(result.images).argmax(axis=1)) == [3, 8]


def test_bounded_images_stay_in_the_input_range(engine):
    for parameterization in ("pixels", "fourier"):
        result = visualize(engine, "conv2d", [2], Settings(steps=16, bounded=True, parameterization=parameterization))
        assert result.images.min() >= 0 and result.images.max() <= 1


def test_progress_comes_every_step_and_the_result_last():
    engine = colour_engine()
    events = list(visualize_steps(engine, "conv2d_1", [0, 4], Settings(steps=5)))
    assert [event.step for event in events[:-1]] == [1, 2, 3, 4, 5]
    assert all(isinstance(event, Progress) and event.images.shape == (2, 12, 10, 3) for event in events[:-1])
    assert isinstance(events[-1], FeatureVisResult) and events[-1].units == (0, 4)


def test_the_same_seed_gives_the_same_images_and_another_does_not():
    engine = colour_engine()
    first = visualize(engine, "dense", [1], Settings(steps=8, seed=1))
    again = visualize(engine, "dense", [1], Settings(steps=8, seed=1))
    other = visualize(engine, "dense", [1], Settings(steps=8, seed=2))
    np.testing.assert_array_equal(first.images, again.images)
    assert not np.array_equal(first.images, other.images)


@pytest.mark.parametrize("changes, message", [
    ({"steps": 0}, "steps must be a whole number"), ({"parameterization": "wavelet"}, "parameterization must be"),
    ({"l2": -1.0}, "l2 must be"), ({"scaling": 1.5}, "scaling must be below 1"), ({"jitter": -1}, "jitter"),
    ({"position": "edge"}, "objective must be one of")])
def test_bad_settings_say_what_is_wrong(changes, message):
    with pytest.raises(ValueError, match=message):
        Settings(**changes)


def test_bad_layer_or_unit_says_which_are_valid(engine):
    with pytest.raises(ValueError, match="no layer 'conv9'"):
        visualize(engine, "conv9", [0])
    with pytest.raises(ValueError, match="numbered 0 to 27"):
        visualize(engine, "conv2d", [28])
