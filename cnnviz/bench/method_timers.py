"""Wrappers a benchmark puts on methods to time them, and takes off again (``cnnviz bench ui``).

A wrapper taken off is kept alive for the rest of the process. PySide remembers the Python
override of a C++ virtual it found for a class (``paintEvent``); after the class's attribute is set
back, a window made later could still be handed the old wrapper's address, and once that wrapper
was freed its memory held another one: a second measurement in the same process had painting
call a viewer's ``show_inspection`` with the paint event ("object has no attribute
'layer_names'"), and that view did not paint. Kept, a stale wrapper is still the wrapper of the
same method; it reports to whichever recorder is active (:meth:`MethodTimers.activate`), so its
timing lands in the measurement running now.
"""

from __future__ import annotations

from collections.abc import Callable

_KEPT: list[Callable] = []
"""Every wrapper ever taken off, never freed (see the module docstring)."""

_active: dict[str, object] = {}
"""The recorder of each kind of measurement running now, by kind."""


def active(kind: str):
    """The recorder of ``kind`` active now, or None."""
    return _active.get(kind)


class MethodTimers:
    """The wrappers one recorder of ``kind`` put on, with :meth:`wrap`, and :meth:`restore` to take
    them off. A wrapper is made by ``make(original)`` and should find its recorder with
    :func:`active` each time it runs, not hold one."""

    def __init__(self, kind: str):
        self.kind = kind
        self._patched: list[tuple[object, str, Callable, Callable]] = []

    def activate(self, recorder: object) -> None:
        """Make ``recorder`` the one every wrapper of this kind reports to."""
        _active[self.kind] = recorder

    def wrap(self, owner: object, name: str, make: Callable[[Callable], Callable]) -> None:
        """Replace ``owner.name`` by ``make(original)``."""
        original = getattr(owner, name)
        wrapper = make(original)
        self._patched.append((owner, name, original, wrapper))
        setattr(owner, name, wrapper)

    def restore(self) -> None:
        """Put the originals back; the wrappers are kept (see the module docstring); no recorder
        of this kind is active any more."""
        for owner, name, original, wrapper in reversed(self._patched):
            setattr(owner, name, original)
            _KEPT.append(wrapper)
        self._patched.clear()
        _active.pop(self.kind, None)
