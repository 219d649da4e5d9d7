"""The interface benchmark's bookkeeping: a stroke's stages derived from its marks, and the work
timed inside an event-loop gap."""

from __future__ import annotations

import pytest

from cnnviz.bench.ui_gaps import WorkLog
from cnnviz.bench.ui_stages import STAGES, StageClock


def test_a_strokes_hand_offs_and_painting_are_derived_from_its_marks():
    clock = StageClock()
    start = clock.start()
    clock.marks.update(update=start + 0.002, request=start + 0.010, worker_start=start + 0.011,
                       worker_end=start + 0.020, slot=start + 0.023, shown=start + 0.030)
    clock.current.stages.update(preprocessing=4.0, inspection=9.0, viewer=5.0, image_conversion=1.0,
                                image_paint=3.0, axes_and_colour_bars=2.0, paint_total=10.0)
    stroke = clock.finish(start, start + 0.040)
    stages = stroke.stages
    assert stroke.total_ms == pytest.approx(40.0)
    assert stages["debounce"] == pytest.approx(2.0)
    assert stages["request"] == pytest.approx(1.0)
    assert stages["result"] == pytest.approx(3.0)
    assert stages["other_slots"] == pytest.approx(2.0)        # 7 ms in the slot, 5 of them the viewer's
    assert stages["image_drawing"] == pytest.approx(2.0)      # ImageItem.paint less its render
    assert stages["paint_rest"] == pytest.approx(5.0)         # paintEvent less images and axes
    assert set(stages) <= {name for name, _ in STAGES}


def test_the_work_inside_a_gap_is_the_overlap_of_each_interval():
    log = WorkLog()
    log.intervals = [(0.0, 0.010, "paint"), (0.008, 0.030, "flush"), (0.050, 0.060, "paint")]
    spent = log.within(0.005, 0.020)
    assert spent == {"paint": pytest.approx(5.0), "flush": pytest.approx(12.0)}
    assert log.within(0.030, 0.050) == {}
