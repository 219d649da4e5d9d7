"""The image operations' adjoints and gradients: the warp's transpose by the inner-product identity,
the total variation's gradient and the Fourier parameterization's by central finite differences."""

import numpy as np
import pytest

from cnnviz.science.feature_vis.image_ops import Warp, gaussian_blur, total_variation
from cnnviz.science.feature_vis.parameterization import FourierImage, PixelImage


@pytest.mark.parametrize("shift, angle, scale", [((0, 0), 0.0, 1.0), ((2, -1), 0.0, 1.0), ((0.5, 1), 7.0, 1.1),
                                                 ((-1, 0), -12.0, 0.9)])
def test_warp_adjoint_is_its_transpose(shift, angle, scale):
    rng = np.random.default_rng(0)
    warp = Warp((9, 7), shift, angle, scale)
    image = rng.standard_normal((2, 9, 7, 3))
    gradient = rng.standard_normal((2, 9, 7, 3))
    assert np.sum(warp.apply(image) * gradient) == pytest.approx(np.sum(image * warp.adjoint(gradient)), rel=1e-9)


def test_warp_without_motion_is_the_identity_and_a_shift_moves_content():
    image = np.random.default_rng(1).random((1, 6, 5, 1))
    np.testing.assert_allclose(Warp((6, 5)).apply(image), image)
    shifted = Warp((6, 5), shift=(1, 2)).apply(image)
    np.testing.assert_allclose(shifted[0, 1:, 2:, 0], image[0, :-1, :-2, 0])


def test_total_variation_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    image = rng.standard_normal((2, 5, 4, 2))
    values, gradient = total_variation(image)
    step = 1e-6
    for index in [(0, 0, 0, 0), (1, 2, 3, 1), (0, 4, 1, 0), (1, 3, 0, 1)]:
        plus, minus = image.copy(), image.copy()
        plus[index] += step
        minus[index] -= step
        numeric = (total_variation(plus)[0].sum() - total_variation(minus)[0].sum()) / (2 * step)
        assert gradient[index] == pytest.approx(numeric, rel=1e-5, abs=1e-8)
    assert values.shape == (2,) and (values > 0).all()


def test_blur_keeps_a_constant_image_and_smooths_noise():
    constant = np.full((1, 8, 6, 1), 0.3)
    np.testing.assert_allclose(gaussian_blur(constant, 1.5), constant)
    noise = np.random.default_rng(3).standard_normal((1, 16, 16, 1))
    assert gaussian_blur(noise, 1.0).std() < 0.6 * noise.std()


@pytest.mark.parametrize("bounded", [True, False])
@pytest.mark.parametrize("height, width", [(8, 8), (7, 10), (6, 5)])
def test_fourier_image_gradient_matches_finite_differences(height, width, bounded):
    rng = np.random.default_rng(4)
    image = FourierImage((2, height, width, 3), (-0.5, 2.0), rng, decay=1.0, bounded=bounded)
    weights = rng.standard_normal((2, height, width, 3))

    def loss():
        # The documented map, in float64 (the image itself is float32).
        spatial = image._spatial()
        pixels = 0.75 + 2.5 * spatial if not bounded else -0.5 + 2.5 / (1 + np.exp(-spatial))
        return float(np.sum(pixels * weights))

    image.image()
    analytic = image.backward(weights)
    step = 1e-5
    picks = [tuple(int(rng.integers(0, size)) for size in image.params.shape) for _ in range(12)]
    picks += [(0, 0, 0, 0, 0), (1, 1, 0, 0, 2), (0, 1, 1, width // 2, 1), (1, 0, height - 1, width // 2, 0)]
    for index in picks:
        original = image.params[index]
        image.params[index] = original + step
        plus = loss()
        image.params[index] = original - step
        minus = loss()
        image.params[index] = original
        numeric = (plus - minus) / (2 * step)
        assert analytic[index] == pytest.approx(numeric, rel=1e-5, abs=1e-7 * np.abs(analytic).max())


def test_fourier_image_stays_in_range_when_bounded_and_blur_damps_high_frequencies():
    rng = np.random.default_rng(5)
    image = FourierImage((1, 12, 12, 1), (0.0, 1.0), rng)
    pixels = image.image()
    assert pixels.min() >= 0 and pixels.max() <= 1 and pixels.std() > 0.05
    before = np.abs(np.diff(image._spatial(), axis=1)).mean()
    image.blur(1.5)
    assert np.abs(np.diff(image._spatial(), axis=1)).mean() < 0.5 * before


def test_pixel_image_clips_only_when_bounded():
    for bounded in (True, False):
        image = PixelImage((1, 4, 4, 1), (0.0, 1.0), np.random.default_rng(6), bounded=bounded)
        image.params += 5
        image.project()
        assert (image.image().max() <= 1.0) == bounded
