"""The training monitor's step buffers and moving average."""

import numpy as np
import pytest

from cnnviz.ui.training.series import AVERAGE_BLOCK, GrowingColumns, exponential_moving_average


def test_growing_columns_keep_every_row_past_their_capacity():
    columns = GrowingColumns(2, capacity=4)
    assert columns.size == 0 and np.isnan(columns.last(0))
    chunks = [np.vstack([np.arange(start, start + count), -np.arange(start, start + count)])
              for start, count in ((0, 3), (3, 4), (7, 10))]
    for chunk in chunks:
        columns.append(chunk.astype(float))
    assert columns.size == 17
    np.testing.assert_array_equal(columns.column(0), np.arange(17))
    np.testing.assert_array_equal(columns.column(1), -np.arange(17))
    assert columns.last(1) == -16.0


@pytest.mark.parametrize("chunk", [1, 7, AVERAGE_BLOCK, AVERAGE_BLOCK + 3])
def test_the_moving_average_of_chunks_is_the_recurrence_over_all_values(chunk):
    values = np.random.default_rng(2).uniform(0, 1, 3 * AVERAGE_BLOCK + 11)
    alpha = 0.1
    expected = [values[0]]
    for value in values[1:]:
        expected.append(alpha * value + (1 - alpha) * expected[-1])
    averages, previous = [], None
    for start in range(0, len(values), chunk):
        part = exponential_moving_average(values[start:start + chunk], alpha, previous)
        previous = float(part[-1])
        averages.append(part)
    np.testing.assert_allclose(np.concatenate(averages), expected, rtol=1e-10)
    assert exponential_moving_average(np.zeros(0), alpha, None).size == 0
