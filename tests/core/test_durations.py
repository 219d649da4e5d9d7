"""Durations as people read them: minutes and seconds, hours only from an hour up."""

import pytest

from cnnviz.core.durations import format_duration


@pytest.mark.parametrize("seconds, text", [
    (0, "0:00"), (4.4, "0:04"), (4.6, "0:05"), (59.6, "1:00"), (247, "4:07"), (3599, "59:59"),
    (3600, "1:00:00"), (3729, "1:02:09"), (90061, "25:01:01"), (-3, "0:00"),
])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
