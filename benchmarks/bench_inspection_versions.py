"""The NumPy engine's complete inspection (``cnnviz bench latency``'s: feature maps, kernels, gradients)
by two versions of the code in one process, alternating: run with
`python benchmarks/bench_inspection_versions.py OLD NEW [--rounds N] [--repeats M] [--new-inputs]`.

OLD and NEW are folders that each hold a ``cnnviz`` package and its ``resources``, for instance
``git archive <commit> cnnviz resources | tar -x -C OLD``. Each version is imported in turn under the
name ``cnnviz`` (the first one's modules are set aside, not unloaded, so its engine keeps running its
own code), builds the reference model with the same seed, and the two must agree on the gradients.
Then rounds alternate: ``--repeats`` inspections by one version, as many by the other (which goes first
alternates too), each timed with the thread's CPU clock (other processes on a shared machine inflate
wall time far more). Prints every round's ratio of medians (new / old), the median of those ratios and
each version's overall median and 95th percentile.

As ``cnnviz bench latency`` does, every inspection is of the same image, so after the first the engine
serves the forward pass it kept (:meth:`Network.last_inference`) and only the backward pass and the
copies are timed. ``--new-inputs`` inspects another test image each time, as each stroke on the canvas
is: the forward pass then counts too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def load(folder: Path, new_inputs: bool) -> tuple[Callable[[], None], Callable]:
    """An inspection by a fresh reference-model engine of the code in ``folder`` (of the first test image,
    or with ``new_inputs`` of the next one each time), and that image's gradients."""
    for name in [name for name in sys.modules if name == "cnnviz" or name.startswith("cnnviz.")]:
        del sys.modules[name]
    sys.path.insert(0, str(folder))
    try:
        import cnnviz
        from cnnviz.core.config import reference_config
        from cnnviz.core.datasets import load_dataset
        from cnnviz.core.preprocessing import preprocess_batch
        from cnnviz.engines.numpy_engine import NumpyEngine

        if not Path(cnnviz.__file__).resolve().is_relative_to(folder.resolve()):
            raise SystemExit(f"{folder} holds no cnnviz package (imported {cnnviz.__file__}).")
        images = preprocess_batch(load_dataset("mnist-sample", "test", count=1000 if new_inputs else 1).images)
        engine = NumpyEngine(reference_config())
    finally:
        sys.path.remove(str(folder))
    count = 0

    def inspect() -> None:
        nonlocal count
        image = images[count % len(images)][None]
        count += new_inputs
        engine.feature_maps(image)
        engine.kernels()
        engine.gradients(image)

    return inspect, lambda: engine.gradients(images[:1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=50, help="inspections per version per round")
    parser.add_argument("--new-inputs", action="store_true", help="another test image for each inspection")
    args = parser.parse_args()
    versions: dict[str, Callable[[], None]] = {}
    gradients = {}
    for name in ("old", "new"):
        versions[name], gradients[name] = load(getattr(args, name), args.new_inputs)
    old, new = gradients["old"](), gradients["new"]()
    np.testing.assert_allclose(new.input, old.input, rtol=1e-5, atol=1e-8)
    for layer, params in old.parameters.items():
        for param, value in params.items():
            np.testing.assert_allclose(new.parameters[layer][param], value, rtol=1e-5, atol=1e-7)
    del old, new
    for inspect in versions.values():
        for _ in range(20):
            inspect()
    samples: dict[str, list[float]] = {"old": [], "new": []}
    ratios = []
    for round_index in range(args.rounds):
        order = ("old", "new") if round_index % 2 == 0 else ("new", "old")
        medians = {}
        for name in order:
            times = []
            for _ in range(args.repeats):
                start = time.thread_time()
                versions[name]()
                times.append((time.thread_time() - start) * 1000)
            samples[name] += times
            medians[name] = statistics.median(times)
        ratios.append(medians["new"] / medians["old"])
        print(f"round {round_index + 1}: old {medians['old']:.3f} ms, new {medians['new']:.3f} ms CPU; "
              f"new / old {ratios[-1]:.3f}", flush=True)
    for name, times in samples.items():
        print(f"{name}: median {statistics.median(times):.3f} ms CPU, p95 {np.percentile(times, 95):.3f} ms")
    print(f"new / old: median of {args.rounds} rounds' ratios {statistics.median(ratios):.3f} "
          f"(from {min(ratios):.3f} to {max(ratios):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
