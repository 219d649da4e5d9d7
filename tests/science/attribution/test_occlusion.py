"""Occlusion sensitivity equals a brute-force loop over patches and pixels."""

import numpy as np
import pytest

from cnnviz.science import attribution
from cnnviz.science.attribution.occlusion import patch_starts
from tests.science.attribution.helpers import colour_engine, random_images


def brute_force(engine, image, class_index, patch, stride, fill):
    """For every pixel, the mean probability drop over every patch position that covers it."""
    height, width = engine.input_shape[:2]
    reference = engine.predict(image)[0, class_index]
    tops = list(range(0, height - patch + 1, stride))
    lefts = list(range(0, width - patch + 1, stride))
    if tops[-1] != height - patch:
        tops.append(height - patch)
    if lefts[-1] != width - patch:
        lefts.append(width - patch)
    expected = np.zeros((height, width))
    for row in range(height):
        for col in range(width):
            drops = []
            for top in tops:
                for left in lefts:
                    if top <= row < top + patch and left <= col < left + patch:
                        occluded = image.copy()
                        occluded[0, top:top + patch, left:left + patch, :] = fill
                        drops.append(reference - engine.predict(occluded)[0, class_index])
            expected[row, col] = np.mean(drops)
    return expected


@pytest.mark.parametrize("patch, stride, fill", [(3, 2, 0.0), (4, 3, 0.5), (2, 2, 1.0)])
def test_occlusion_equals_a_brute_force_loop(patch, stride, fill):
    engine = colour_engine()
    image = random_images(1, engine.input_shape, seed=patch)
    result = attribution.occlusion(engine, image, 2, patch_size=patch, stride=stride, fill=fill, batch_size=7)
    expected = brute_force(engine, image, 2, patch, stride, fill)
    np.testing.assert_allclose(result.map, expected, rtol=1e-4, atol=1e-6)
    assert np.abs(expected).max() > 1e-4  # the patches do change the prediction


def test_patches_cover_the_whole_axis():
    assert patch_starts(10, 4, 3) == [0, 3, 6]
    assert patch_starts(11, 4, 3) == [0, 3, 6, 7]
    assert patch_starts(4, 4, 2) == [0]
