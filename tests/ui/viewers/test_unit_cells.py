"""What a unit grid accepts, how it lays its cells out and numbers its axes (pure functions, no widget)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.ui.viewers.unit_cells import axis_ticks, checked_units, unit_columns


def test_units_fill_the_area_with_the_fewest_holes_among_the_largest_cells():
    assert unit_columns(128, (1600, 800)) == 16        # 16 × 8, not 15 × 9 with seven holes
    assert unit_columns(10, (1000, 100)) == 10         # a strip for a few units in a wide area
    assert unit_columns(10, (100, 1000)) == 1
    assert unit_columns(0, (400, 400)) == 1


def test_axis_ticks_name_each_rows_first_unit_and_thin_out_to_about_a_dozen():
    left, bottom = axis_ticks(3, 16)
    assert left == [(0.5, "0"), (1.5, "16"), (2.5, "32")]
    assert [label for _, label in bottom][:3] == ["+0", "+2", "+4"]
    left, _ = axis_ticks(100, 50)
    assert 10 <= len(left) <= 13 and left[1] == (9.5, "450")


def test_a_unit_grid_takes_one_vector_or_a_batch_of_one_and_says_what_else_it_received():
    values, names = checked_units(np.arange(3, dtype=np.int64)[None], ("a", "b", 3))
    assert values.dtype == np.float32 and values.shape == (3,) and not values.flags.writeable
    assert names == ["a", "b", "3"]
    with pytest.raises(ValueError, match=r"one vector of shape \(units,\), received an array of shape \(2, 3\)"):
        checked_units(np.zeros((2, 3)), None)
    with pytest.raises(ValueError, match="must hold numbers"):
        checked_units(np.array(["x", "y"]), None)
    with pytest.raises(ValueError, match="Received 1 names for 2 units"):
        checked_units(np.zeros(2), ["only"])
