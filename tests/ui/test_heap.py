"""The window keeps the garbage collector's full passes out of strokes: once a model's first
inspection is shown it collects, then freezes what survives (:mod:`cnnviz.ui.heap`)."""

from __future__ import annotations

import gc
import weakref

from cnnviz.core.config import reference_config
from cnnviz.ui import heap
from tests.ui.person import build_discarding_weights
from tests.ui.test_main_window import TIMEOUT, settings, window  # noqa: F401  (fixtures)


class Node:
    """An object that can sit in a reference cycle."""


def test_settle_frees_garbage_freezes_survivors_and_hands_them_back_next_time():
    try:
        kept = Node()
        kept.cycle = kept
        garbage = Node()
        garbage.cycle = garbage
        garbage_ref = weakref.ref(garbage)
        del garbage
        heap.settle()
        assert garbage_ref() is None
        assert gc.get_freeze_count() > 0
        kept_ref = weakref.ref(kept)
        del kept              # now garbage too, but frozen: an ordinary collection leaves it
        gc.collect()
        assert kept_ref() is not None
        heap.settle()         # hands the frozen objects back first: a replaced model's cycles are freed
        assert kept_ref() is None
    finally:
        gc.unfreeze()


def test_the_window_settles_after_a_models_first_inspection_and_not_after_a_stroke(qtbot, window,  # noqa: F811
                                                                                   monkeypatch):
    settled: list[float] = []
    settle = heap.settle
    monkeypatch.setattr(heap, "settle", lambda: settled.append(settle()))
    window.config_panel.set_config(reference_config().with_training(epochs=2))
    with qtbot.waitSignal(window.service.sig_model_changed, timeout=TIMEOUT):
        build_discarding_weights(qtbot, window)
    qtbot.waitUntil(lambda: len(settled) == 1, timeout=TIMEOUT)
    assert gc.get_freeze_count() > 0
    for points in ([(60, 60), (200, 200)], [(200, 60), (60, 200)]):
        with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
            window.canvas.stroke(points)
    qtbot.wait(50)
    assert len(settled) == 1
    gc.unfreeze()
