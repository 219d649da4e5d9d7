"""The embedding projector's cost on the bundled reference model, NumPy engine: run with
`python benchmarks/bench_embedding.py [--samples N] [--repeats N]`.

Times, alternately in one loop (the machine may be shared and noisy; only ratios of one run mean
much): gathering the activations and predictions in one forward pass against two (a layer's
activations, then ``predict``); and :func:`cnnviz.science.embedding.pca` against a full NumPy SVD of
the same centred activations, for the penultimate layer (128 values per image) and for ``flatten``
(4,732). Prints the medians and their ratios.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from cnnviz.core.resources import resource_path
from cnnviz.engines.registry import load_engine
from cnnviz.science.data import layer_maps, load_test_split
from cnnviz.science.embedding import _layer_and_output, pca


def full_svd(features: np.ndarray) -> None:
    centred = features - features.mean(axis=0)
    with threadpool_limits(limits=1, user_api="blas"):
        np.linalg.svd(centred, full_matrices=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    engine = load_engine(resource_path("reference_model.npz"))
    images = load_test_split(engine, args.samples).images
    narrow = _layer_and_output(engine, images, "dropout_1", "dense_1")[0]
    wide = _layer_and_output(engine, images, "flatten", "dense_1")[0]
    cases = {
        "two passes": lambda: (layer_maps(engine, images, "dropout_1"), engine.predict(images)),
        "one pass": lambda: _layer_and_output(engine, images, "dropout_1", "dense_1"),
        f"SVD {narrow.shape}": lambda: full_svd(narrow),
        f"pca {narrow.shape}": lambda: pca(narrow),
        f"SVD {wide.shape}": lambda: full_svd(wide),
        f"pca {wide.shape}": lambda: pca(wide),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, case in cases.items():
            start = time.perf_counter()
            case()
            times[name].append(time.perf_counter() - start)
    medians = {name: float(np.median(values)) for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name:>24}: {1000 * value:8.1f} ms")
    names = list(medians)
    for first, second in ((1, 0), (3, 2), (5, 4)):
        print(f"{names[first]} / {names[second]} = {medians[names[first]] / medians[names[second]]:.2f}")


if __name__ == "__main__":
    main()
