"""Receptive fields from the configuration against a brute force on the NumPy engine: perturb one input
pixel at a time and see which units of each layer change."""

import numpy as np
import pytest

from cnnviz.core.config import AveragePooling2D, Conv2D, Dense, Flatten, MaxPooling2D, ModelConfig, reference_config
from cnnviz.core.receptive_field import receptive_fields
from cnnviz.core.summary import summarize
from cnnviz.engines.registry import create_engine

CONFIGS = {
    "strided-same": ModelConfig(input_shape=(17, 14, 1), layers=(
        Conv2D(filters=2, kernel_size=(3, 3), padding="same", activation="linear"),
        AveragePooling2D(pool_size=(2, 2)),
        Conv2D(filters=2, kernel_size=(3, 2), strides=(2, 2), padding="same", activation="linear"),
        Conv2D(filters=2, kernel_size=(2, 3), activation="linear"),
        Flatten(), Dense(units=10, activation="softmax"))),
    "max-pooling": ModelConfig(input_shape=(16, 18, 3), layers=(
        Conv2D(filters=2, kernel_size=(5, 3), strides=(1, 2), activation="linear"),
        MaxPooling2D(pool_size=(3, 2), strides=(2, 2)),
        Conv2D(filters=2, kernel_size=(3, 3), padding="same", activation="linear"),
        Flatten(), Dense(units=10, activation="softmax"))),
}


def influence(engine):
    """For every layer with maps: which units change when each input pixel alone is raised a lot,
    shape (input pixels, h', w')."""
    height, width, channels = engine.input_shape
    base = np.random.default_rng(0).random((1, height, width, channels), dtype=np.float32)
    perturbed = np.repeat(base, height * width, axis=0)
    perturbed.reshape(height * width, height * width, channels)[np.arange(height * width),
                                                                np.arange(height * width)] += 1e3
    before = engine.feature_maps(base)
    after = engine.feature_maps(perturbed)
    return {name: (after[name] != before[name]).any(axis=-1) for name in after if after[name].ndim == 4}


@pytest.mark.parametrize("name", CONFIGS)
def test_receptive_fields_equal_a_brute_force(name):
    config = CONFIGS[name]
    engine = create_engine("numpy", config, seed=1)
    # Positive kernels and linear units: raising any pixel a unit sees raises the unit (max pooling too).
    engine.set_weights({layer: {key: np.abs(value) + 0.1 for key, value in params.items()}
                        for layer, params in engine.get_weights().items()})
    changed = influence(engine)
    height, width = config.input_shape[:2]
    fields = {field.name: field for field in receptive_fields(config)}
    checked = 0
    for layer, units in changed.items():
        for row in range(units.shape[1]):
            for column in range(units.shape[2]):
                pixels = np.flatnonzero(units[:, row, column])
                rows, columns = pixels // width, pixels % width
                top, bottom, left, right = fields[layer].bounds(row, column, (height, width))
                assert (rows.min(), rows.max(), columns.min(), columns.max()) == (top, bottom, left, right), \
                    (layer, row, column)
                # The field is a full rectangle: every pixel in it counts.
                assert len(pixels) == (bottom - top + 1) * (right - left + 1)
                checked += 1
    assert checked > 50


def test_reference_model_fields_and_summary():
    fields = receptive_fields(reference_config())
    assert [field.size for field in fields[:3]] == [(3, 3), (4, 4), (4, 4)]
    assert fields[1].jump == (2, 2) and fields[1].start == (1.5, 1.5)
    assert fields[3].whole_input and fields[-1].whole_input
    rows = summarize(reference_config()).rows
    assert rows[0].receptive_field == fields[0] and rows[1].receptive_field.describe() == "4×4, jump 2×2"


def test_bounds_follow_the_centre_and_size_away_from_the_edges():
    config = CONFIGS["strided-same"]
    field = receptive_fields(config)[2]
    top, bottom, left, right = field.bounds(2, 2, config.input_shape[:2])
    assert bottom - top + 1 == field.size[0] and right - left + 1 == field.size[1]
    assert (top + bottom) / 2 == field.start[0] + 2 * field.jump[0]
