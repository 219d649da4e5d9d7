"""Keeping the garbage collector's full passes out of strokes and training.

Python's cyclic garbage collector now and then examines every container object the program holds.
In the window, with its modules, Qt wrappers, plots and model, that is over 100,000 objects: a pass
of 50-60 ms, which landed inside a stroke (a hitch under the pen) or between two frames of training.
Nearly all of those objects live as long as the window or its model does.

:func:`settle` collects the garbage there is and moves every survivor into the collector's permanent
generation (``gc.freeze``): later passes examine only what was made since, well under a millisecond.
The window settles after a model's first inspection is shown (at start-up, after a build or an
opened file, after training), when a short pause goes unnoticed. Each settle first hands back what
the last one froze, so the cycles of a model replaced since are freed, not kept for good.
"""

from __future__ import annotations

import gc
import time

__all__ = ["settle"]


def settle() -> float:
    """Collect all garbage, then keep every surviving object out of later collections; returns
    the milliseconds it took."""
    start = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return (time.perf_counter() - start) * 1000
