"""The interface benchmark's bookkeeping: a stroke's stages derived from its marks, and the work
timed inside an event-loop gap."""

from __future__ import annotations

import pytest

from cnnviz.bench.ui_gaps import WorkLog, _timed
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


class _Owner:
    def work(self, value):
        return value * 2


def test_a_wrapper_taken_off_stays_alive_and_reports_to_the_measurement_running_now():
    """Qt may call a wrapper it found before it was taken off (a paintEvent override): it must still
    be the same method's wrapper, and time into the measurement running now, not the finished one."""
    import gc
    import weakref

    from cnnviz.bench.method_timers import MethodTimers

    original = _Owner.work
    first, second = WorkLog(), WorkLog()
    timers = MethodTimers("work log")
    timers.activate(first)
    timers.wrap(_Owner, "work", lambda method: _timed(method, "_Owner.work", False))
    stale = _Owner.work
    assert _Owner().work(2) == 4 and len(first.intervals) == 1
    timers.restore()
    assert _Owner.work is original
    alive = weakref.ref(stale)
    del stale
    gc.collect()
    assert alive() is not None   # kept: its address is never another function's
    assert alive()(_Owner(), 3) == 6
    assert len(first.intervals) == 1   # no measurement was running: nothing recorded
    timers.activate(second)
    assert alive()(_Owner(), 4) == 8
    assert [label for _, _, label in second.intervals] == ["_Owner.work"]
    assert len(first.intervals) == 1
    timers.restore()


def test_a_stage_clocks_stale_wrapper_times_into_the_clock_running_now():
    from cnnviz.bench.ui_stages import StageClock

    original = _Owner.work
    first = StageClock()
    first._timers.activate(first)
    first._wrap(_Owner, "work", "viewer", before="slot", after="shown")
    stale = _Owner.work
    first.restore()
    assert _Owner.work is original
    second = StageClock()
    second._timers.activate(second)
    start = second.start()
    assert stale(_Owner(), 5) == 10
    assert second.current.stages["viewer"] > 0 and second.marks["slot"] >= start
    assert "viewer" not in first.current.stages and not first.marks
    second.restore()
