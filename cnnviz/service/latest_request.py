"""A one-place mailbox where the newest request wins.

The interface may ask for inspections faster than the worker answers them (every pen stroke asks
for one). Only the newest deserves an answer: an older one still waiting is replaced, and an
answer computed for a request that a newer one has since replaced is dropped.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

Request = TypeVar("Request")


class LatestRequest(Generic[Request]):
    """Holds at most one request; :meth:`offer` (any thread) replaces the one waiting,
    :meth:`take` (the worker) removes it. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: Request | None = None

    def offer(self, request: Request) -> None:
        """Make ``request`` the one to serve next, replacing any request still waiting."""
        with self._lock:
            self._waiting = request

    def take(self) -> Request | None:
        """Remove and return the waiting request, or None when there is none."""
        with self._lock:
            request, self._waiting = self._waiting, None
        return request

    def has_waiting(self) -> bool:
        """Whether a request waits; after :meth:`take`, whether the one taken is superseded."""
        with self._lock:
            return self._waiting is not None
