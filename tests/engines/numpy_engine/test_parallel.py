"""The NumPy engine's thread pool: the priority of the threads that compute a batch's chunks."""

from __future__ import annotations

import os

import pytest


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2
                    or not hasattr(os, "getpriority"), reason="needs Linux thread priorities and two cores")
def test_the_chunks_of_a_lower_priority_thread_run_at_its_priority_and_other_threads_keep_theirs():
    import threading

    from cnnviz.engines.numpy_engine import parallel

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    own = niceness()
    seen = {}

    def lowered():
        seen["changed"] = parallel.lower_thread_priority(min(own + 5, 19))
        seen["chunks"] = parallel.run_all([niceness, niceness])

    thread = threading.Thread(target=lowered)
    thread.start()
    thread.join()
    assert seen["changed"]
    assert seen["chunks"] == [min(own + 5, 19)] * 2
    # A thread at the process's priority (a command-line run) does not get the lowered pool threads.
    assert parallel.run_all([niceness, niceness]) == [own, own]
