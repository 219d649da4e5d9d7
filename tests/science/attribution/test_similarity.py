"""Spearman rank correlation and SSIM against independent computations."""

import numpy as np
import pytest

from cnnviz.science.attribution.resampling import gaussian_kernel
from cnnviz.science.attribution.similarity import SSIM_SIGMA, ranks, spearman, ssim


def test_ranks_share_ties():
    assert ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [3.5, 1.0, 3.5, 2.0]


def test_spearman_equals_scipys_with_ties():
    from scipy import stats
    rng = np.random.default_rng(0)
    first = np.round(rng.normal(size=(9, 7)), 1)
    second = first + np.round(rng.normal(size=(9, 7)), 1)
    second[:3] = 0.0
    expected = stats.spearmanr(np.abs(first).ravel(), np.abs(second).ravel()).statistic
    assert spearman(first, second) == pytest.approx(expected, abs=1e-12)


def test_spearman_extremes_and_the_undefined_case():
    values = np.arange(1.0, 13.0).reshape(3, 4)
    assert spearman(values, -values * 2) == pytest.approx(1.0)  # magnitudes are compared
    assert spearman(values, 1.0 / values) == pytest.approx(-1.0)
    assert np.isnan(spearman(values, np.zeros_like(values)))


def brute_ssim(first, second):
    """SSIM with explicit windows: each pixel's weighted statistics over its reflected neighbourhood."""
    x = np.abs(first) / np.abs(first).max()
    y = np.abs(second) / np.abs(second).max()
    kernel = gaussian_kernel(SSIM_SIGMA)
    weights = np.outer(kernel, kernel)
    radius = len(kernel) // 2
    px, py = np.pad(x, radius, mode="symmetric"), np.pad(y, radius, mode="symmetric")
    total = 0.0
    for row in range(x.shape[0]):
        for col in range(x.shape[1]):
            wx = px[row:row + 2 * radius + 1, col:col + 2 * radius + 1]
            wy = py[row:row + 2 * radius + 1, col:col + 2 * radius + 1]
            mx, my = (weights * wx).sum(), (weights * wy).sum()
            vx, vy = (weights * wx * wx).sum() - mx ** 2, (weights * wy * wy).sum() - my ** 2
            cov = (weights * wx * wy).sum() - mx * my
            total += ((2 * mx * my + 1e-4) * (2 * cov + 9e-4)) / ((mx ** 2 + my ** 2 + 1e-4) * (vx + vy + 9e-4))
    return total / x.size


def test_ssim_equals_an_explicit_window_computation():
    rng = np.random.default_rng(1)
    first = rng.random((14, 11))
    second = first + 0.3 * rng.random((14, 11))
    assert ssim(first, second) == pytest.approx(brute_ssim(first, second), abs=1e-10)
    assert ssim(first, first) == pytest.approx(1.0)
    assert ssim(first, rng.random((14, 11))) < 0.5
