"""Attribution map latency on the bundled reference model, NumPy engine: run with
`python benchmarks/bench_attribution.py [--repeats N]`.

Each method's whole call (as :func:`cnnviz.science.attribution.explain` runs it for one 28×28 input:
the class choice, the engine calls and the reductions) is timed alternately with a reference measured
in the same loop, one plain ``engine.gradients(batch, class_index=K)`` call on as many images as the
method sends the engine at once (1; SmoothGrad's 25 noisy copies; Integrated Gradients' 64 path
points), because the machine may be shared and noisy and only the ratio of the same run means much.
Prints the median latency, its target, and the median ratio to the reference. The maps' own passes
(the NumPy engine's ``logit_gradients`` and ``guided_gradients``) skip the parameters' gradients, reuse
the last forward pass of the same input and keep BLAS to one thread, so a ratio below 1 is expected.

Targets: Grad-CAM, gradient × input and guided backpropagation ≤ 20 ms; SmoothGrad (25 samples) and
Integrated Gradients (64 steps) ≤ 250 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from cnnviz.core.resources import resource_path
from cnnviz.engines.registry import load_engine
from cnnviz.science import attribution
from cnnviz.science.data import load_test_split

CASES = (  # method, settings, target (s), images per engine call
    ("grad-cam", {}, 0.020, 1),
    ("gradient-x-input", {}, 0.020, 1),
    ("guided-backprop", {}, 0.020, 1),
    ("smoothgrad", {"num_samples": 25}, 0.250, 25),
    ("integrated-gradients", {"steps": 64}, 0.250, 64),
)


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21, help="timed calls per method (default 21)")
    args = parser.parse_args(argv)
    engine = load_engine(resource_path("reference_model.npz"))
    image = load_test_split(engine, count=4).images[3:4]
    class_index = int(engine.predict(image).argmax())
    print(f"reference model, NumPy engine, one 28×28 input, {args.repeats} repeats, {os.cpu_count()} CPUs")
    print(f"{'method':<22}{'median':>10}{'target':>10}{'ratio to gradients':>22}")
    for method, settings, target, batch_size in CASES:
        batch = np.repeat(image, batch_size, axis=0)

        def run(method=method, settings=settings):
            return attribution.explain(engine, image, method, class_index, **settings)

        def reference(batch=batch):
            return engine.gradients(batch, class_index=class_index)

        run()  # warm-up: caches, first allocations
        reference()
        times, references = [], []
        for _ in range(args.repeats):
            times.append(timed(run))
            references.append(timed(reference))
        median = float(np.median(times))
        ratio = float(np.median(np.array(times) / np.array(references)))
        verdict = "meets" if median <= target else "misses"
        print(f"{method:<22}{median * 1e3:>8.1f}ms{target * 1e3:>8.0f}ms{ratio:>20.1f}×  ({verdict} target; "
              f"gradients of {batch_size} {np.median(references) * 1e3:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
