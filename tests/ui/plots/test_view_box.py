"""Stepwise ranges of the metric view box: they contain the data, keep to the bounds, and move
only when the data cross a step."""

import numpy as np
import pytest

from cnnviz.ui.plots.view_box import stepwise_range


@pytest.mark.parametrize("low, high", [(0.013, 2.31), (-3e-7, 4e-7), (0.95, 0.97), (120.0, 4500.0), (-2.0, -1.5)])
def test_a_stepwise_range_contains_the_range_within_a_few_steps(low, high):
    stepped_low, stepped_high = stepwise_range(low, high)
    assert stepped_low <= low and stepped_high >= high
    # Widened by at most one step (about an eighth of the span, at most 2.5 times that) at each end.
    assert stepped_high - stepped_low <= (high - low) * (1 + 2 * 2.5 / 8) + 1e-12


def test_a_stepwise_range_keeps_to_the_metric_s_bounds():
    assert stepwise_range(0.013, 0.93, limits=(0.0, 1.0))[1] <= 1.0
    assert stepwise_range(0.013, 0.93, limits=(0.0, 1.0))[0] >= 0.0
    # A range already beyond a bound (room for a marker on it) is kept, not cut.
    assert stepwise_range(-0.02, 1.03, limits=(0.0, 1.0)) == pytest.approx((-0.02, 1.03))


def test_a_falling_curve_moves_a_stepwise_range_only_now_and_then():
    lows = 2.3 * np.exp(-np.linspace(0, 1, 200))
    ranges = [stepwise_range(low, 2.4) for low in lows]
    assert all(stepped_low <= low for (stepped_low, _), low in zip(ranges, lows))
    changes = sum(first != second for first, second in zip(ranges, ranges[1:]))
    assert 0 < changes < 20


def test_degenerate_ranges_are_returned_as_they_are():
    assert stepwise_range(1.0, 1.0) == (1.0, 1.0)
    nan_range = stepwise_range(float("nan"), 1.0)
    assert np.isnan(nan_range[0]) and nan_range[1] == 1.0
