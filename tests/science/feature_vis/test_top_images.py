"""Top images per filter: equal to a brute-force search, crops at the receptive field, dense units
and the contract-only path."""

import numpy as np
import pytest

from cnnviz.core.receptive_field import receptive_fields
from cnnviz.science.feature_vis.top_images import load_images, top_images, top_images_steps
from tests.science.attribution.helpers import colour_engine, random_images
from tests.science.test_registry import ContractOnly


@pytest.fixture(scope="module")
def images(engine):
    return load_images(engine, "train", count=600)


def test_top_images_equal_a_brute_force_search(engine, images):
    result = top_images(engine, images, "conv2d", count=5)
    maps = engine.feature_maps(images)["conv2d"]
    peaks = maps.max(axis=(1, 2))  # (images, filters)
    for unit in range(28):
        # Several images can reach a filter's best value exactly (its optimal patch), and batches of other
        # sizes round differently: so the values are compared, and each image's own peak.
        expected = np.sort(peaks[:, unit])[::-1][:5]
        np.testing.assert_allclose(result.activations[unit], expected, rtol=1e-5)
        np.testing.assert_allclose(peaks[result.indices[unit], unit], expected, rtol=1e-5)
        assert len(set(result.indices[unit])) == 5
        for rank, index in enumerate(result.indices[unit]):
            row, column = result.positions[unit, rank]
            assert maps[index, row, column, unit] == pytest.approx(result.activations[unit, rank], rel=1e-5)
    np.testing.assert_array_equal(result.images[3, 2], images[result.indices[3, 2]])


def test_crops_are_the_receptive_field_of_the_peak(engine, images):
    result = top_images(engine, images, "max_pooling2d", count=3)
    field = {field.name: field for field in receptive_fields(engine.config)}["max_pooling2d"]
    for unit, rank in [(0, 0), (7, 2), (27, 1)]:
        row, column = result.positions[unit, rank]
        top, bottom, left, right = field.bounds(int(row), int(column), (28, 28))
        assert tuple(result.boxes[unit, rank]) == (top, bottom, left, right)
        assert result.crop(unit, rank).shape == (bottom - top + 1, right - left + 1, 1) == (4, 4, 1)


def test_dense_units_crop_the_whole_image_and_progress_counts_the_images(engine, images):
    events = list(top_images_steps(engine, images, "dense", count=2, batch_size=256))
    assert events[:-1] == [(256, 600), (512, 600), (600, 600)]
    result = events[-1]
    assert result.indices.shape == (128, 2)
    assert (result.boxes == [0, 27, 0, 27]).all()


def test_contract_only_engine_and_colour_model_give_the_same_search():
    engine = colour_engine()
    images = random_images(40, (12, 10, 3), seed=7)
    direct = top_images(engine, images, "conv2d_1", count=4)
    through_contract = top_images(ContractOnly(engine), images, "conv2d_1", count=4)
    np.testing.assert_array_equal(direct.indices, through_contract.indices)
    assert direct.images.shape == (5, 4, 12, 10, 3)


def test_bad_requests_say_what_is_wrong(engine, images):
    with pytest.raises(ValueError, match="at least 1"):
        top_images(engine, images, "conv2d", count=0)
    with pytest.raises(ValueError, match="no layer"):
        top_images(engine, images, "conv7")
