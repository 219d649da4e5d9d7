"""Feature visualization and top-image search on the bundled reference model, NumPy engine: run with
`python benchmarks/bench_feature_vis.py [--repeats N]`.

Times, alternately with a reference in the same loop (the machine may be shared and noisy; only the
ratio of one run means much):

* one first-layer filter, 256 steps of gradient ascent (default settings; and the Fourier
  parameterization), against 256 plain ``engine.gradients(image, class_index=K)`` calls (one full
  backward pass per step, what a class visualization would cost without the layer cut-off);
* the top 9 images of all 28 first-layer filters over the 8,000 bundled training images, against one
  ``engine.predict`` over the same images (one full forward pass).

Prints the median seconds, the target and the median ratio to the reference.

Targets: one filter, 256 steps, < 2 s; top-9 images of 28 filters over 8,000 images, < 5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from cnnviz.core.resources import resource_path
from cnnviz.engines.registry import load_engine
from cnnviz.science.feature_vis import Settings, visualize
from cnnviz.science.feature_vis.top_images import load_images, top_images


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per case (default 3)")
    args = parser.parse_args(argv)
    engine = load_engine(resource_path("reference_model.npz"))
    images = load_images(engine, "train")
    one = images[:1]

    def gradient_steps():
        for _ in range(256):
            engine.gradients(one, class_index=3)

    cases = (
        ("1 filter, 256 steps, pixels", lambda: visualize(engine, "conv2d", [5]), gradient_steps, 2.0),
        ("1 filter, 256 steps, Fourier", lambda: visualize(engine, "conv2d", [5], Settings(parameterization="fourier")),
         gradient_steps, 2.0),
        (f"top 9 of 28 filters, {len(images)} images", lambda: top_images(engine, images, "conv2d", 9),
         lambda: engine.predict(images), 5.0),
    )
    print(f"reference model, NumPy engine, {args.repeats} repeats, {os.cpu_count()} CPUs")
    print(f"{'case':<40}{'median s':>10}{'target':>8}{'ratio to reference':>20}")
    missed = 0
    for name, run, reference, target in cases:
        times, ratios = [], []
        for _ in range(args.repeats):
            elapsed = timed(run)
            baseline = timed(reference)
            times.append(elapsed)
            ratios.append(elapsed / baseline)
        median = statistics.median(times)
        missed += median >= target
        print(f"{name:<40}{median:>10.3f}{target:>8.1f}{statistics.median(ratios):>20.2f}")
    print("reference: 256 engine.gradients calls on one image (filters); one engine.predict over the images (top)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
