"""How sure a measured verdict is: bootstrap intervals, and when the data cannot tell.

The Science analyses turn numbers into verdicts ("the spectra of a 4 and a 7 look alike",
"this filter is never active"). A verdict drawn from a sample must say how uncertain it is and
must not be drawn when the sample cannot support it. This module holds the statistics for that,
free of any analysis:

*Bootstrap percentile intervals.* Resample the observations with replacement many times
(:func:`resample_counts`, seeded so a result can be reproduced), recompute the statistic on
each resample, and take the central share of those values (:func:`percentile_interval`).
:func:`bootstrap_mean` does it for the mean of one sample. A plain percentile interval is too
narrow for small samples (the resamples vary less than new samples would); given the number of
observations, the share is widened as Hesterberg's *expanded percentile interval* does
(:func:`expanded_tail`), so a "95 %" interval covers about 95 % also for ten or twenty images.

*Verdicts on a difference.* :func:`judge_difference` says ``"supported"`` or ``"contradicted"``
only when the interval of a difference excludes zero, and ``"not distinguishable"`` otherwise,
or whenever fewer than :data:`MIN_SAMPLES_FOR_VERDICT` observations stand behind it (a bootstrap
of two or three observations gives intervals far too narrow to trust).

*Events never seen.* A filter silent on all ``n`` test images may still fire on others:
:func:`upper_bound_never_seen` bounds how often (the exact form of the "rule of three").

*Paired changes.* :func:`sign_test_p_value` asks whether ``b`` predictions that turned wrong and
``c`` that turned right differ by more than chance (McNemar's exact test).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from cnnviz.core.checks import is_int, is_real

CONFIDENCE = 0.95
"""The coverage of every interval the Science analyses report."""
NUM_RESAMPLES = 1000
"""Bootstrap resamples per analysis: enough for stable 2.5 % and 97.5 % percentiles."""
MIN_SAMPLES_FOR_VERDICT = 5
"""Fewer observations than this per group never give a verdict: a bootstrap of so few is too narrow."""
SIGNIFICANCE = 1 - CONFIDENCE
"""A two-sided test rejects "no change" below this p-value."""

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
NOT_DISTINGUISHABLE = "not distinguishable"
OUTCOMES = (SUPPORTED, CONTRADICTED, NOT_DISTINGUISHABLE)


def _confidence(confidence) -> float:
    if not is_real(confidence) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a number between 0 and 1 (0.95 for a 95 % interval), "
                         f"received {confidence!r}.")
    return float(confidence)


def _count(value, what: str, minimum: int) -> int:
    if not is_int(value) or value < minimum:
        raise ValueError(f"{what} must be an integer of at least {minimum}, received {value!r}.")
    return int(value)


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval.

    Attributes
    ----------
    estimate : float
        The value measured on the whole sample (not the mean of the resamples).
    low, high : float
        The interval's ends; NaN when there was nothing to resample.
    confidence : float
        Its coverage, e.g. 0.95.
    """

    estimate: float
    low: float
    high: float
    confidence: float = CONFIDENCE

    @property
    def is_finite(self) -> bool:
        return bool(np.isfinite([self.estimate, self.low, self.high]).all())

    @property
    def width(self) -> float:
        return self.high - self.low

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies inside the interval, ends included."""
        return bool(self.low <= value <= self.high)

    def excludes(self, value: float) -> bool:
        """Whether the interval is finite and ``value`` lies outside it."""
        return self.is_finite and not self.contains(value)

    def text(self, digits: int = 3, signed: bool = False) -> str:
        """``"0.895 [0.881, 0.908]"`` (``"+0.005 [-0.006, +0.016]"`` when ``signed``); ``"n/a"`` for NaN."""
        if not np.isfinite(self.estimate):
            return "n/a"
        sign = "+" if signed else ""
        estimate = f"{self.estimate:{sign}.{digits}f}"
        if not (np.isfinite(self.low) and np.isfinite(self.high)):
            return f"{estimate} [no interval]"
        return f"{estimate} [{self.low:{sign}.{digits}f}, {self.high:{sign}.{digits}f}]"


def resample_counts(rng: np.random.Generator, num_items: int, num_resamples: int) -> np.ndarray:
    """How often each of ``num_items`` observations is drawn in each bootstrap resample.

    Parameters
    ----------
    rng : numpy.random.Generator
    num_items : int
        ``n``; each resample draws ``n`` observations with replacement.
    num_resamples : int

    Returns
    -------
    ndarray, shape (num_resamples, num_items), int64
        Each row sums to ``num_items``.
    """
    num_items = _count(num_items, "num_items", 0)
    num_resamples = _count(num_resamples, "num_resamples", 1)
    if num_items == 0:
        return np.zeros((num_resamples, 0), dtype=np.int64)
    draws = rng.integers(0, num_items, size=(num_resamples, num_items))
    # One bincount over all rows: draw j of row b lands in bin b * n + j.
    offsets = np.arange(num_resamples)[:, None] * num_items
    return np.bincount((draws + offsets).ravel(), minlength=num_resamples * num_items).reshape(
        num_resamples, num_items).astype(np.int64)


def student_t_quantile(probability: float, degrees_of_freedom: int) -> float:
    """The ``probability`` quantile of Student's t distribution (no SciPy needed).

    Exact for 1 and 2 degrees of freedom; from 3 on, the Cornish-Fisher expansion of Abramowitz and
    Stegun (26.7.5), within 0.004 at 3 degrees of freedom and closer beyond.
    """
    if not 0 < probability < 1:
        raise ValueError(f"probability must lie strictly between 0 and 1, received {probability!r}.")
    nu = _count(degrees_of_freedom, "degrees_of_freedom", 1)
    if nu == 1:
        return math.tan(math.pi * (probability - 0.5))
    if nu == 2:
        return (2 * probability - 1) / math.sqrt(2 * probability * (1 - probability))
    z = NormalDist().inv_cdf(probability)
    terms = ((z ** 3 + z) / 4,
             (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96,
             (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384,
             (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160)
    return z + sum(term / nu ** (power + 1) for power, term in enumerate(terms))


def expanded_tail(num_samples: int | None, confidence: float = CONFIDENCE) -> float:
    """The share of replicates to leave out on each side for a ``confidence`` interval from ``n`` observations.

    Hesterberg's expanded percentile interval: a plain bootstrap of ``n`` observations spreads
    like a normal distribution with the variance divided by ``n`` instead of ``n - 1``, and without
    the extra width of Student's t. Using the tail ``Φ(-√(n / (n - 1)) · t[n-1])`` instead of
    ``(1 - confidence) / 2`` corrects both (for ``n = 20`` and 95 %: 1.6 % instead of 2.5 %).

    Parameters
    ----------
    num_samples : int or None
        ``n``; None (or fewer than 2) gives the plain ``(1 - confidence) / 2``.
    confidence : float, default 0.95
    """
    confidence = _confidence(confidence)
    plain = (1 - confidence) / 2
    if num_samples is None or num_samples < 2:
        return plain
    n = int(num_samples)
    t = student_t_quantile(1 - plain, n - 1)
    return NormalDist().cdf(-math.sqrt(n / (n - 1)) * t)


def percentile_interval(estimate: float, replicates, confidence: float = CONFIDENCE,
                        num_samples: int | None = None) -> Interval:
    """The central ``confidence`` share of bootstrap replicates, around ``estimate``.

    Parameters
    ----------
    estimate : float
        The statistic on the whole sample.
    replicates : array_like, shape (B,)
        The statistic on each resample; NaN replicates (a resample with nothing to measure) are
        left out.
    confidence : float, default 0.95
    num_samples : int, optional
        The observations resampled (the fewest per group): widens the interval for small samples
        (:func:`expanded_tail`).

    Returns
    -------
    Interval
        With NaN ends when no replicate is finite.
    """
    confidence = _confidence(confidence)
    values = np.asarray(replicates, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if not values.size or not np.isfinite(estimate):
        return Interval(float(estimate), float("nan"), float("nan"), confidence)
    tail = 100 * expanded_tail(num_samples, confidence)
    low, high = np.percentile(values, [tail, 100 - tail])
    return Interval(float(estimate), float(low), float(high), confidence)


def percentile_bounds(replicates: np.ndarray, confidence: float = CONFIDENCE,
                      num_samples=None) -> tuple[np.ndarray, np.ndarray]:
    """Element-wise percentile bounds of replicates stacked on the first axis.

    Parameters
    ----------
    replicates : ndarray, shape (B, ...)
    confidence : float, default 0.95
    num_samples : int or ndarray of int, shape (...), optional
        The observations behind each element (see :func:`expanded_tail`).

    Returns
    -------
    low, high : ndarray, shape (...)
        NaN where no replicate of an element is finite.
    """
    confidence = _confidence(confidence)
    values = np.asarray(replicates, dtype=np.float64)
    shape = values.shape[1:]
    counts = np.zeros(shape, dtype=np.int64) if num_samples is None else np.broadcast_to(
        np.asarray(num_samples, dtype=np.int64), shape)
    finite = np.isfinite(values).any(axis=0)
    low = np.full(shape, np.nan)
    high = np.full(shape, np.nan)
    for count in np.unique(counts[finite]) if finite.any() else ():
        chosen = finite & (counts == count)
        tail = 100 * expanded_tail(int(count) if num_samples is not None else None, confidence)
        with np.errstate(invalid="ignore"):
            bounds = np.nanpercentile(values[:, chosen], [tail, 100 - tail], axis=0)
        low[chosen], high[chosen] = bounds
    return low, high


def bootstrap_mean(samples, num_resamples: int = NUM_RESAMPLES, seed: int = 0,
                   confidence: float = CONFIDENCE) -> Interval:
    """The mean of a sample with its bootstrap percentile interval.

    Parameters
    ----------
    samples : array_like, shape (n,)
        Finite observations.
    num_resamples : int, default 1000
    seed : int, default 0
        Seeds ``numpy.random.default_rng``: one seed, one interval.
    confidence : float, default 0.95

    Returns
    -------
    Interval
        NaN everywhere for an empty sample; a zero-width interval for a single observation
        (there is no spread to resample: see :data:`MIN_SAMPLES_FOR_VERDICT`).
    """
    values = np.asarray(samples, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"samples must be one-dimensional, received an array of shape {values.shape}.")
    if not np.isfinite(values).all():
        raise ValueError("samples hold NaN or infinite values; drop them before resampling.")
    if not values.size:
        return Interval(float("nan"), float("nan"), float("nan"), _confidence(confidence))
    counts = resample_counts(np.random.default_rng(seed), len(values), num_resamples)
    replicates = counts @ values / len(values)
    return percentile_interval(float(values.mean()), replicates, confidence, num_samples=len(values))


def judge_difference(difference: Interval, claim_positive: bool, num_samples: int,
                     min_samples: int = MIN_SAMPLES_FOR_VERDICT) -> str:
    """Whether a difference's interval settles a claim about its sign.

    Parameters
    ----------
    difference : Interval
        E.g. a pair's similarity minus the mean between different classes.
    claim_positive : bool
        The claim says the difference is above zero (True) or below it (False).
    num_samples : int
        The fewest observations behind either side of the difference.
    min_samples : int, default :data:`MIN_SAMPLES_FOR_VERDICT`

    Returns
    -------
    str
        :data:`SUPPORTED` when the whole interval lies on the claimed side of zero,
        :data:`CONTRADICTED` when it lies wholly on the other side, :data:`NOT_DISTINGUISHABLE`
        when it holds zero, is not finite, or rests on fewer than ``min_samples`` observations.
    """
    if num_samples < min_samples or not difference.excludes(0.0):
        return NOT_DISTINGUISHABLE
    above = difference.low > 0
    return SUPPORTED if above == bool(claim_positive) else CONTRADICTED


def upper_bound_never_seen(num_trials: int, confidence: float = CONFIDENCE) -> float:
    """The largest rate an event seen in none of ``num_trials`` trials can have, at ``confidence``.

    ``1 - (1 - confidence) ** (1 / n)``, about ``3 / n`` at 95 % (the "rule of three"): if the
    event's rate were higher, seeing it never would be less likely than ``1 - confidence``.

    Returns
    -------
    float
        1.0 for no trials (nothing is known).
    """
    num_trials = _count(num_trials, "num_trials", 0)
    confidence = _confidence(confidence)
    if num_trials == 0:
        return 1.0
    return float(1 - (1 - confidence) ** (1 / num_trials))


def sign_test_p_value(num_worse: int, num_better: int) -> float:
    """Two-sided exact p-value that ``num_worse`` and ``num_better`` changes are equally likely.

    McNemar's exact test on paired outcomes: of the ``b + c`` observations that changed, each is
    as likely to have gone either way under "no real change", so ``b`` follows Binomial(b + c, 1/2).

    Returns
    -------
    float
        In (0, 1]; 1.0 when nothing changed.
    """
    worse = _count(num_worse, "num_worse", 0)
    better = _count(num_better, "num_better", 0)
    total = worse + better
    if total == 0:
        return 1.0
    smaller = min(worse, better)
    tail = sum(math.comb(total, k) for k in range(smaller + 1)) / 2 ** total
    return float(min(1.0, 2 * tail))
