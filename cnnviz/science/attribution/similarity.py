"""How alike two attribution maps are: Spearman rank correlation of their magnitudes and the
structural similarity index (SSIM), as the sanity checks of Adebayo et al. (2018) report them.

* Spearman: Pearson's correlation of the ranks of ``|a|`` and ``|b|`` (ties get their mean rank, as
  ``scipy.stats.spearmanr`` gives them, computed here on whole batches of maps at once). NaN when
  either map is constant (a correlation is then undefined).
* SSIM (Wang et al. 2004) of the magnitudes, each divided by its own maximum so both lie in [0, 1]
  (data range L = 1, C1 = (0.01 L)², C2 = (0.03 L)²); local means, variances and covariance under a
  Gaussian window of σ = 1.5 pixels (radius 6, edges reflected); the mean of the SSIM map.
"""

from __future__ import annotations

import numpy as np

from cnnviz.science.attribution.resampling import gaussian_filter

SSIM_SIGMA = 1.5
"""The Gaussian window's standard deviation in pixels."""


def ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of the flattened values, ties sharing their mean rank."""
    flat = np.ravel(values)
    order = np.argsort(flat, kind="stable")
    sorted_values = flat[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(flat)]
    mean_ranks = (starts + ends + 1) / 2.0
    result = np.empty(len(flat))
    result[order] = np.repeat(mean_ranks, ends - starts)
    return result


def spearman(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman rank correlation of ``|first|`` and ``|second|`` (same shape); NaN if either is constant."""
    if np.shape(first) != np.shape(second):
        raise ValueError(f"The maps must have one shape, received {np.shape(first)} and {np.shape(second)}.")
    a, b = ranks(np.abs(first)), ranks(np.abs(second))
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def _unit_magnitude(values: np.ndarray) -> np.ndarray:
    magnitude = np.abs(np.asarray(values, dtype=np.float64))
    peak = magnitude.max()
    return magnitude / peak if peak > 0 else magnitude


def ssim(first: np.ndarray, second: np.ndarray, sigma: float = SSIM_SIGMA) -> float:
    """Mean SSIM of the two maps' magnitudes scaled to [0, 1], shape (h, w) each."""
    if np.shape(first) != np.shape(second) or np.ndim(first) != 2:
        raise ValueError(f"SSIM compares two maps of one (h, w) shape, received {np.shape(first)} and "
                         f"{np.shape(second)}.")
    x, y = _unit_magnitude(first), _unit_magnitude(second)
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    mean_x, mean_y = gaussian_filter(x, sigma), gaussian_filter(y, sigma)
    var_x = gaussian_filter(x * x, sigma) - mean_x ** 2
    var_y = gaussian_filter(y * y, sigma) - mean_y ** 2
    covariance = gaussian_filter(x * y, sigma) - mean_x * mean_y
    index = ((2 * mean_x * mean_y + c1) * (2 * covariance + c2)) / (
        (mean_x ** 2 + mean_y ** 2 + c1) * (var_x + var_y + c2))
    return float(index.mean())
