"""A progress throttle: the worker hands on what it produced in batches, at most every so often.

Training and experiments produce a step result per batch, often hundreds a second; the window
needs about thirty updates a second. The throttle collects items and delivers every one of them,
in order, in as few calls as that pace allows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class ProgressThrottle(Generic[Item]):
    """Collects items and passes them to ``deliver`` as a tuple, at most once per ``interval`` s.

    Used by one thread (the worker): nothing here is locked.

    Parameters
    ----------
    interval : float
        Least seconds between two deliveries made by :meth:`add`; 0 delivers every item at once.
    deliver : callable(tuple of items)
        Called with every item collected since the previous delivery (never with none).
    clock : callable() -> float
        Seconds, monotonic; replaceable in tests.
    """

    def __init__(self, interval: float, deliver: Callable[[tuple[Item, ...]], None],
                 clock: Callable[[], float] = time.perf_counter):
        self._interval = interval
        self._deliver = deliver
        self._clock = clock
        self._pending: list[Item] = []
        self._last_delivery: float | None = None

    @property
    def pending(self) -> tuple[Item, ...]:
        """The items collected but not delivered yet."""
        return tuple(self._pending)

    def add(self, item: Item) -> None:
        """Collect ``item``; deliver everything collected if ``interval`` has passed since the last
        delivery (the first item is delivered at once)."""
        self._pending.append(item)
        now = self._clock()
        if self._last_delivery is None or now - self._last_delivery >= self._interval:
            self.flush()

    def flush(self) -> None:
        """Deliver everything collected now (before an epoch ends, a pause or the end of a job)."""
        if not self._pending:
            return
        items, self._pending = tuple(self._pending), []
        self._last_delivery = self._clock()
        self._deliver(items)
