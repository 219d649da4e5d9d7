"""The loss plots' axis choices and where a curve diverged."""

import math

import numpy as np
import pytest

from cnnviz.ui.plots.axes import log_scale_reason
from cnnviz.ui.plots.divergence import divergence_point


def test_a_linear_axis_suits_curves_of_like_size():
    assert log_scale_reason([np.linspace(2.3, 0.3, 50), np.linspace(2.3, 0.9, 50)]) is None
    assert log_scale_reason([]) is None
    assert log_scale_reason([np.array([math.nan, -1.0, 0.0])]) is None  # nothing positive and finite


def test_a_run_a_hundred_times_larger_calls_for_a_log_axis_and_says_why():
    converging = np.linspace(2.3, 0.3, 50)
    exploding = np.array([2.3, 90.0, 1.5e4, math.inf, math.nan])
    reason = log_scale_reason([converging, exploding])
    assert reason == "Log scale chosen: the losses span 0.3 to 1.5e+04."
    # One order of magnitude is not enough at the default of two.
    assert log_scale_reason([converging, converging * 20]) is None
    assert log_scale_reason([converging, converging * 20], orders=1) is not None


@pytest.mark.parametrize("y, diverged, expected", [
    ([2.0, 1.5, math.nan, 1.0], False, (1.0, 1.5)),   # the last finite point before the first NaN
    ([2.0, math.inf], False, (0.0, 2.0)),
    ([math.nan, 1.0], False, None),                   # broke at once: no point to mark
    ([2.0, 1.5, 1.2], False, None),                   # never broke
    ([2.0, 1.5, 900.0], True, (2.0, 900.0)),          # stopped at a finite but exploding loss
])
def test_where_a_curve_diverged(y, diverged, expected):
    x = np.arange(len(y), dtype=float)
    assert divergence_point(x, np.array(y), diverged=diverged) == expected
