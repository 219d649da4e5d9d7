"""Running a training step on every core: a small shared thread pool and BLAS thread control.

NumPy's element-wise operations use one core; a training step that splits its batch
into chunks and runs them on separate threads (NumPy releases the GIL inside its
loops) uses them all. While chunks run side by side, BLAS is held to one thread
per call so the threads do not fight over the cores. The number of chunks is fixed
(:data:`NUM_CHUNKS`), not taken from the machine, so a seed gives the same
results on any machine; only how many chunks run at once depends on the cores.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

NUM_CHUNKS = 2
_limits = threading.local()  # a per-thread cap set with set_worker_limit
_lock = threading.Lock()
_pools: dict[int | None, ThreadPoolExecutor] = {}  # one per niceness of the threads that hand work to it


def num_workers() -> int:
    """How many chunks run at once: the usable cores, at most :data:`NUM_CHUNKS` and at most the
    limit set with :func:`set_worker_limit`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, NUM_CHUNKS, getattr(_limits, "value", None) or NUM_CHUNKS))


def set_worker_limit(limit: int | None) -> None:
    """For training started from the calling thread, run at most ``limit`` chunks at once
    (None: as many as there are cores).

    With 1, chunks run one after the other, with the same results, and BLAS uses its own threads
    (which hand off inside every product). The model service's worker uses every core at a lower
    priority instead (:func:`lower_thread_priority`).
    """
    if limit is not None and limit < 1:
        raise ValueError(f"The worker limit must be at least 1, received {limit}.")
    _limits.value = limit


def lower_thread_priority(niceness: int) -> bool:
    """Run the calling thread, and the pool threads that compute its chunks, at ``niceness``.

    On Linux each thread has its own nice value. An interactive application's worker lowers its
    priority so the window's thread always gets a core first; its chunks then run on a pool of
    their own at the same niceness (a pool thread's niceness can only ever be raised), so a process
    that also trains at full priority keeps its own. Returns whether the priority changed (not
    elsewhere, or when not permitted).
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except (AttributeError, OSError):
        return False
    _limits.niceness = niceness
    return True


def _set_niceness(niceness: int) -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)


def _executor() -> ThreadPoolExecutor:
    niceness = getattr(_limits, "niceness", None)  # None: the process's own, never changed here
    with _lock:
        pool = _pools.get(niceness)
        if pool is None:
            if niceness is None:
                pool = ThreadPoolExecutor(max_workers=NUM_CHUNKS - 1, thread_name_prefix="cnnviz-numpy")
            else:
                pool = ThreadPoolExecutor(max_workers=NUM_CHUNKS - 1, thread_name_prefix=f"cnnviz-numpy-nice{niceness}",
                                          initializer=_set_niceness, initargs=(niceness,))
            _pools[niceness] = pool
        return pool


def start_pool() -> None:
    """Start the pool threads that will compute the calling thread's chunks, now rather than at the
    first batch (a thread started then waits for the interpreter while training begins)."""
    if num_workers() > 1:
        _executor().submit(int).result()


def run_all(tasks: list) -> list:
    """Run zero-argument callables, side by side when there are cores for it; return their results.

    The first task runs on the calling thread. An exception in any task is raised here
    after every task has finished, so no thread is left working on shared arrays.
    """
    if len(tasks) <= 1 or num_workers() == 1:
        return [task() for task in tasks]
    futures: list[Future] = [_executor().submit(task) for task in tasks[1:]]
    first_error = None
    try:
        results = [tasks[0]()]
    except BaseException as error:  # noqa: BLE001 - re-raised once the other tasks are done
        first_error, results = error, [None]
    for future in futures:
        try:
            results.append(future.result())
        except BaseException as error:  # noqa: BLE001
            first_error = first_error or error
            results.append(None)
    if first_error is not None:
        raise first_error
    return results


_blas_libraries: list | None = None


def _blas() -> list:
    """threadpoolctl's controllers of the loaded BLAS libraries, found once."""
    global _blas_libraries
    if _blas_libraries is None:
        from threadpoolctl import ThreadpoolController

        _blas_libraries = list(ThreadpoolController().select(user_api="blas").lib_controllers)
    return _blas_libraries


_local_setters: list | None = None


def _openblas_local_setters() -> list:
    """OpenBLAS's ``openblas_set_num_threads_local`` of each loaded OpenBLAS that has it, found once.

    With the OpenBLAS NumPy ships (0.3.31), ``set_num_threads(1)`` alone left some threads' products
    threaded, the second BLAS thread spinning (``benchmarks/blas_threads.py``: 3.4 s of CPU for an
    epoch that took 0.4 s on another thread); this call holds them to one.
    """
    global _local_setters
    if _local_setters is None:
        import ctypes

        found = []
        for library in _blas():
            if getattr(library, "internal_api", "") != "openblas":
                continue
            with contextlib.suppress(OSError, AttributeError):
                setter = ctypes.CDLL(library.filepath).openblas_set_num_threads_local
                setter.restype, setter.argtypes = ctypes.c_int, [ctypes.c_int]
                found.append(setter)
        _local_setters = found
    return _local_setters


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    # The libraries' own calls: threadpoolctl's limit context costs tens of microseconds each time,
    # a tenth of a small batch's whole step.
    libraries = _blas()
    previous = [library.get_num_threads() for library in libraries]
    for library, count in zip(libraries, previous):
        if count != 1:
            library.set_num_threads(1)
    local_previous = [setter(1) for setter in _openblas_local_setters()]
    try:
        yield
    finally:
        for setter, count in zip(_openblas_local_setters(), local_previous):
            if count != 1:
                setter(count)
        for library, count in zip(libraries, previous):
            if count != 1:
                library.set_num_threads(count)


def single_threaded_blas() -> contextlib.AbstractContextManager:
    """A context in which BLAS calls use one thread (a no-op on a single core)."""
    if num_workers() == 1:
        return contextlib.nullcontext()
    return _one_blas_thread()


_NUM_CPUS = os.cpu_count() or 1
SMALL_BATCH = 16
"""Batches of at most this many images run their matrix products on one BLAS thread."""


def blas_for_batch(num_images: int) -> contextlib.AbstractContextManager:
    """A context for inference on ``num_images`` images: one BLAS thread for a small batch (an
    inspection's products are too small to share; on a busy machine the threads' hand-offs cost more
    than the products), BLAS's own threads otherwise."""
    if num_images > SMALL_BATCH or _NUM_CPUS == 1:
        return contextlib.nullcontext()
    return _one_blas_thread()
