"""Does the one BLAS thread the engine asks for while training hold in every thread? Run with
`PYTHONPATH=. python benchmarks/blas_threads.py [--images 1280]`.

Trains the reference model for one epoch (batch 128) on the main thread, on a new thread, and on a
new thread that first calls OpenBLAS's own ``openblas_set_num_threads_local(1)`` (when the loaded
OpenBLAS has it), and prints the process's CPU seconds for each: equal figures mean the engine's
``set_num_threads(1)`` (threadpoolctl) governs every thread; a much larger one for a new thread means
BLAS ran its threaded products there, its second thread spinning (see docs/performance.md).
"""

import argparse
import ctypes
import sys
import threading
import time

import numpy as np
from threadpoolctl import ThreadpoolController

from cnnviz.core.config import reference_config
from cnnviz.engines.base import batch_indices
from cnnviz.engines.numpy_engine.engine import NumpyEngine


def _local_setter():
    for library in ThreadpoolController().select(internal_api="openblas").lib_controllers:
        function = getattr(ctypes.CDLL(library.filepath), "openblas_set_num_threads_local", None)
        if function is not None:
            return function
    return None


def epoch(images: np.ndarray, labels: np.ndarray, setter=None) -> float:
    """CPU seconds of one epoch at batch 128 (after two warm-up steps)."""
    if setter is not None:
        setter(1)
    engine = NumpyEngine(reference_config().with_training(batch_size=128))
    for indices in batch_indices(256, 128, np.random.default_rng(1)):
        engine.train_step(images[indices], labels[indices])
    start = time.process_time()
    for indices in batch_indices(len(images), 128, np.random.default_rng(0)):
        engine.train_step(images[indices], labels[indices])
    return time.process_time() - start


def on_new_thread(images: np.ndarray, labels: np.ndarray, setter=None) -> float:
    result: list[float] = []
    thread = threading.Thread(target=lambda: result.append(epoch(images, labels, setter)))
    thread.start()
    thread.join()
    return result[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1280)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    images = rng.random((max(args.images, 128), 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, len(images))
    setter = _local_setter()
    print(f"CPU seconds of one epoch of {len(images):,} images at batch 128: main thread "
          f"{epoch(images, labels):.2f}, new thread {on_new_thread(images, labels):.2f}", end="")
    if setter is None:
        print("; this OpenBLAS has no openblas_set_num_threads_local")
    else:
        print(f", new thread after openblas_set_num_threads_local(1) {on_new_thread(images, labels, setter):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
