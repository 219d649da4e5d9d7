"""Where a NumPy-engine training epoch's time goes, stage by stage, against its arithmetic floor:
run with `python benchmarks/profile_epoch.py [--images N] [--batch-sizes 128 32]`.

The reference model (Adam) trains on one thread, BLAS held to one thread too, so the thread's CPU
time (``time.thread_time``, which a busy machine's other processes do not inflate the way they
inflate wall time) is the whole step. The engine's own stage functions are wrapped with timers:

- im2col: gathering receptive fields (and padding); matmuls: every ``np.matmul`` (forward, input
  and weight gradients); pooling: the fused block's maximum and gradient routing, and plain pooling
  layers; activations: activations and their gradients; dropout: masks and their products; loss:
  softmax and cross-entropy; optimizer: the whole update; Python overhead: the rest of the step.
- Thread hand-offs are timed apart (wall time of a round trip to the engine's thread pool, times
  the hand-offs a step makes when its chunks run on two cores).

The floor of the matrix products is their floating-point operations at this thread's speed on a
large product (measured in the same run); the floor of every other stage is reading its inputs and
writing its results once at this thread's copy bandwidth (also measured in the run). Both floors
are per image, in microseconds.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import defaultdict

import numpy as np
from threadpoolctl import threadpool_limits

from cnnviz.core.config import reference_config
from cnnviz.engines.base import batch_indices
from cnnviz.engines.numpy_engine import fused, layers, network, parallel
from cnnviz.engines.numpy_engine.engine import NumpyEngine

STAGES = ("im2col", "matmuls", "pooling", "activations", "dropout", "loss", "optimizer")


class Profile:
    """CPU seconds, bytes and floating-point operations per stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.bytes: dict[str, float] = defaultdict(float)
        self.flops = 0.0

    def clear(self) -> None:
        self.seconds.clear()
        self.bytes.clear()
        self.flops = 0.0


def _nbytes(values) -> int:
    if isinstance(values, np.ndarray):
        return values.nbytes
    if isinstance(values, (list, tuple)):
        return sum(_nbytes(value) for value in values)
    return 0


def _timed(profile: Profile, stage: str, function, count_bytes: bool = True):
    def wrapper(*args, **kwargs):
        start = time.thread_time()
        result = function(*args, **kwargs)
        profile.seconds[stage] += time.thread_time() - start
        if count_bytes:
            arrays = [arg for arg in args if not hasattr(arg, "conv")]
            profile.bytes[stage] += _nbytes(arrays) + _nbytes(result)
        return result
    return wrapper


def _timed_matmul(profile: Profile, matmul):
    def wrapper(first, second, *args, **kwargs):
        start = time.thread_time()
        result = matmul(first, second, *args, **kwargs)
        profile.seconds["matmuls"] += time.thread_time() - start
        profile.flops += 2.0 * math.prod(result.shape) * first.shape[-1]
        return result
    return wrapper


def _timed_optimizer(profile: Profile, apply):
    def wrapper(parameters, gradients):
        start = time.thread_time()
        apply(parameters, gradients)
        profile.seconds["optimizer"] += time.thread_time() - start
        # Read the parameters, gradients and two moments; write the parameters and moments.
        profile.bytes["optimizer"] += _nbytes(parameters) * 6 + _nbytes(gradients)
    return wrapper


def instrument(engine: NumpyEngine, profile: Profile) -> None:
    """Wrap the engine's stage functions (in this process only) with timers."""
    block = fused.ConvMaxPoolBlock
    block._gather = _timed(profile, "im2col", block._gather)
    block._pad = _timed(profile, "im2col", block._pad)
    block._pool = _timed(profile, "pooling", block._pool)
    block._route = _timed(profile, "pooling", block._route)
    for cls in (layers.MaxPooling2DLayer,):
        cls.forward = _timed(profile, "pooling", cls.forward)
        cls.backward = _timed(profile, "pooling", cls.backward)
    layers.DropoutLayer.forward = _timed(profile, "dropout", layers.DropoutLayer.forward)
    layers.DropoutLayer.backward = _timed(profile, "dropout", layers.DropoutLayer.backward)
    for module in (fused, layers):
        module.activate = _timed(profile, "activations", module.activate)
        module.activation_backward = _timed(profile, "activations", module.activation_backward)
    layers.softmax = _timed(profile, "loss", layers.softmax)
    network.cross_entropy = _timed(profile, "loss", network.cross_entropy)
    network.cross_entropy_gradient = _timed(profile, "loss", network.cross_entropy_gradient)
    np.matmul = _timed_matmul(profile, np.matmul)
    engine.optimizer.apply = _timed_optimizer(profile, engine.optimizer.apply)


def machine_speeds() -> tuple[float, float]:
    """This thread's single-precision product speed (FLOP/s) and copy bandwidth (bytes/s), best of 5."""
    rng = np.random.default_rng(0)
    square = rng.random((1024, 1024), dtype=np.float32)
    source, target = rng.random(8 << 20, dtype=np.float32), np.empty(8 << 20, np.float32)
    product, copy = [], []
    for _ in range(5):
        start = time.thread_time()
        square @ square
        product.append(time.thread_time() - start)
        start = time.thread_time()
        np.copyto(target, source)
        copy.append(time.thread_time() - start)
    return 2 * 1024 ** 3 / min(product), 2 * source.nbytes / min(copy)


def hand_off_seconds(repeats: int = 200) -> float:
    """Wall seconds of one round trip through the engine's thread pool (two empty tasks)."""
    tasks = [lambda: None, lambda: None]
    parallel.set_worker_limit(None)
    try:
        parallel.run_all(tasks)
        start = time.perf_counter()
        for _ in range(repeats):
            parallel.run_all(tasks)
        return (time.perf_counter() - start) / repeats
    finally:
        parallel.set_worker_limit(1)


def profile_epoch(images: np.ndarray, labels: np.ndarray, batch_size: int) -> tuple[dict, float, float]:
    """CPU microseconds per image of each stage and of the whole step, FLOPs and bytes per image."""
    engine = NumpyEngine(reference_config().with_training(batch_size=batch_size))
    profile = Profile()
    instrument(engine, profile)
    warm = batch_indices(4 * batch_size, batch_size, np.random.default_rng(1))
    for indices in warm:
        engine.train_step(images[indices], labels[indices])
    profile.clear()
    start = time.thread_time()
    for indices in batch_indices(len(images), batch_size, np.random.default_rng(0)):
        engine.train_step(images[indices], labels[indices])
    total = time.thread_time() - start
    per_image = {stage: profile.seconds[stage] / len(images) * 1e6 for stage in STAGES}
    per_image["python overhead"] = total / len(images) * 1e6 - sum(per_image.values())
    per_image["total"] = total / len(images) * 1e6
    steps = -(-len(images) // batch_size)
    hand_offs = 2 if engine.network.chunk_count(batch_size) > 1 else 1  # chunks, optimizer slices
    per_image["thread hand-offs"] = hand_offs * steps * hand_off_seconds() / len(images) * 1e6
    bytes_per_image = {stage: profile.bytes[stage] / len(images) for stage in STAGES}
    return per_image, profile.flops / len(images), bytes_per_image  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=6400, help="training images per epoch (default 6400)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[128, 32])
    args = parser.parse_args(argv)
    if args.images < 1 or min(args.batch_sizes) < 1:
        parser.error("--images and --batch-sizes must be at least 1.")
    rng = np.random.default_rng(0)
    images = rng.random((args.images, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, args.images)
    parallel.set_worker_limit(1)
    with threadpool_limits(1, "blas"):
        flop_speed, bandwidth = machine_speeds()
        print(f"profile: reference model, Adam, {args.images:,} images, one thread; this thread: "
              f"{flop_speed / 1e9:.0f} GFLOP/s on a 1024² product, {bandwidth / 1e9:.1f} GB/s copying")
        for batch_size in args.batch_sizes:
            per_image, flops, bytes_per_image = profile_epoch(images, labels, batch_size)
            floors = {stage: bytes_per_image[stage] / bandwidth * 1e6 for stage in STAGES}
            floors["matmuls"] = flops / flop_speed * 1e6
            print(f"\nbatch {batch_size}: CPU µs per image (floor: the stage's arithmetic or one pass over its data)")
            print(f"  {'stage':<18}{'measured':>10}{'floor':>10}{'× floor':>10}")
            for stage, value in per_image.items():
                floor = floors.get(stage)
                if stage == "total":
                    floor = sum(floors.values())
                ratio = f"{value / floor:10.1f}" if floor and floor >= 0.5 else f"{'':>10}"
                floor_text = f"{floor:10.1f}" if floor is not None else f"{'-':>10}"
                print(f"  {stage:<18}{value:10.1f}{floor_text}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
