"""Bootstrap intervals and verdicts that say "not distinguishable" when the data cannot tell."""

import math

import numpy as np
import pytest

from cnnviz.science.uncertainty import (
    CONTRADICTED,
    MIN_SAMPLES_FOR_VERDICT,
    NOT_DISTINGUISHABLE,
    SUPPORTED,
    Interval,
    bootstrap_mean,
    expanded_tail,
    judge_difference,
    percentile_bounds,
    percentile_interval,
    resample_counts,
    sign_test_p_value,
    student_t_quantile,
    upper_bound_never_seen,
)


def test_resample_counts_draw_n_with_replacement_and_follow_the_seed():
    counts = resample_counts(np.random.default_rng(3), 7, 500)
    assert counts.shape == (500, 7) and (counts.sum(axis=1) == 7).all() and counts.min() >= 0
    # Each observation is drawn once per resample on average.
    assert counts.mean(axis=0) == pytest.approx(np.ones(7), abs=0.15)
    np.testing.assert_array_equal(counts, resample_counts(np.random.default_rng(3), 7, 500))
    assert not np.array_equal(counts, resample_counts(np.random.default_rng(4), 7, 500))
    assert resample_counts(np.random.default_rng(0), 0, 4).shape == (4, 0)


def test_the_interval_is_reproducible_with_a_seed():
    samples = np.random.default_rng(0).normal(0.5, 0.1, 40)
    first, again = bootstrap_mean(samples, seed=11), bootstrap_mean(samples, seed=11)
    assert first == again
    other = bootstrap_mean(samples, seed=12)
    assert (other.low, other.high) != (first.low, first.high)
    assert other.estimate == first.estimate == pytest.approx(samples.mean())


def test_the_interval_contains_the_true_mean_about_as_often_as_it_claims():
    rng = np.random.default_rng(5)
    true_mean, covered, trials = 2.0, 0, 200
    for trial in range(trials):
        samples = rng.exponential(true_mean, 60)  # skewed, as similarities near 1 are
        covered += bootstrap_mean(samples, num_resamples=400, seed=trial).contains(true_mean)
    # A 95 % interval: about 190 of 200; a percentile bootstrap of 60 runs a little short.
    assert 175 <= covered <= 200


def test_the_interval_narrows_with_more_samples():
    rng = np.random.default_rng(1)
    widths = [bootstrap_mean(rng.normal(0, 1, size), seed=0).width for size in (10, 100, 1000)]
    assert widths[0] > widths[1] > widths[2]
    # The standard error falls as 1/sqrt(n): ten times the samples, about a third of the width.
    assert widths[1] / widths[2] == pytest.approx(math.sqrt(10), rel=0.3)


def test_degenerate_samples_and_bad_input():
    assert math.isnan(bootstrap_mean([]).estimate)
    single = bootstrap_mean([0.3])
    assert single.estimate == single.low == single.high == pytest.approx(0.3)
    for bad, match in (([[1.0, 2.0]], "one-dimensional"), ([1.0, np.nan], "NaN")):
        with pytest.raises(ValueError, match=match):
            bootstrap_mean(bad)
    with pytest.raises(ValueError, match="confidence"):
        percentile_interval(0.0, [1.0], confidence=95)
    with pytest.raises(ValueError, match="num_resamples"):
        bootstrap_mean([1.0, 2.0], num_resamples=0)


def test_percentile_interval_and_bounds_leave_out_nan_replicates():
    replicates = np.concatenate([np.linspace(0, 1, 101), [np.nan] * 20])
    interval = percentile_interval(0.5, replicates)
    assert interval.low == pytest.approx(0.025) and interval.high == pytest.approx(0.975)
    assert math.isnan(percentile_interval(0.5, [np.nan]).low)
    stacked = np.stack([np.linspace(0, 1, 101), np.full(101, np.nan)], axis=1)
    low, high = percentile_bounds(stacked)
    assert low[0] == pytest.approx(0.025) and high[0] == pytest.approx(0.975)
    assert math.isnan(low[1]) and math.isnan(high[1])


def test_interval_text_and_membership():
    interval = Interval(0.0051, -0.0021, 0.0134)
    assert interval.text() == "0.005 [-0.002, 0.013]"
    assert interval.text(signed=True) == "+0.005 [-0.002, +0.013]"
    assert interval.contains(0.0) and not interval.excludes(0.0) and interval.excludes(0.02)
    assert Interval(float("nan"), float("nan"), float("nan")).text() == "n/a"
    assert not Interval(0.1, float("nan"), float("nan")).excludes(0.0)


@pytest.mark.parametrize("low, high, claim_positive, samples, expected", [
    (0.002, 0.010, True, 20, SUPPORTED),
    (0.002, 0.010, False, 20, CONTRADICTED),
    (-0.010, -0.002, False, 20, SUPPORTED),
    (-0.010, -0.002, True, 20, CONTRADICTED),
    (-0.002, 0.010, True, 20, NOT_DISTINGUISHABLE),
    (0.002, 0.010, True, MIN_SAMPLES_FOR_VERDICT - 1, NOT_DISTINGUISHABLE),
    (float("nan"), float("nan"), True, 20, NOT_DISTINGUISHABLE),
])
def test_judge_difference_settles_a_claim_only_when_the_interval_excludes_zero(low, high, claim_positive, samples,
                                                                               expected):
    assert judge_difference(Interval(0.005, low, high), claim_positive, samples) == expected


def test_upper_bound_of_an_event_never_seen_is_the_rule_of_three():
    assert upper_bound_never_seen(1000) == pytest.approx(3 / 1000, rel=0.01)
    assert upper_bound_never_seen(1000) == pytest.approx(1 - 0.05 ** (1 / 1000))
    assert upper_bound_never_seen(10) > upper_bound_never_seen(100)
    assert upper_bound_never_seen(0) == 1.0


def test_sign_test_p_value():
    assert sign_test_p_value(0, 0) == 1.0
    assert sign_test_p_value(3, 3) == 1.0
    assert sign_test_p_value(1, 0) == 1.0  # one change cannot show anything
    assert sign_test_p_value(10, 0) == pytest.approx(2 / 2 ** 10)
    assert sign_test_p_value(0, 10) == sign_test_p_value(10, 0)
    assert sign_test_p_value(60, 40) > 0.05 > sign_test_p_value(70, 30)


@pytest.mark.parametrize("degrees, expected", [(1, 12.7062), (2, 4.3027), (3, 3.1824), (4, 2.7764), (9, 2.2622),
                                               (19, 2.0930), (1000, 1.9623)])
def test_student_t_quantile_matches_the_tables(degrees, expected):
    assert student_t_quantile(0.975, degrees) == pytest.approx(expected, abs=0.004)
    assert student_t_quantile(0.025, degrees) == pytest.approx(-expected, abs=0.004)


def test_small_samples_widen_the_interval_and_large_ones_leave_it_alone():
    assert expanded_tail(None) == pytest.approx(0.025)
    assert expanded_tail(20) == pytest.approx(0.0159, abs=0.0005)
    assert expanded_tail(5) < expanded_tail(20) < expanded_tail(1000) < 0.025
    assert expanded_tail(100_000) == pytest.approx(0.025, abs=1e-4)
    replicates = np.random.default_rng(0).normal(0, 1, 4000)
    plain = percentile_interval(0.0, replicates)
    widened = percentile_interval(0.0, replicates, num_samples=10)
    assert widened.low < plain.low and widened.high > plain.high
    low, high = percentile_bounds(np.stack([replicates, replicates], axis=1), num_samples=np.array([10, 10 ** 6]))
    assert low[0] == pytest.approx(widened.low) and low[1] == pytest.approx(plain.low, abs=0.02)
