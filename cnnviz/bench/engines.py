"""Benchmarks of the engines side by side in one process: ``speed``, ``accuracy``, ``fashion``
and ``latency`` (see :mod:`cnnviz.bench` for what each measures).

The machine may be shared and noisy, so every figure that matters is a ratio of runs made in
the same process, alternating between engines; absolute times are printed for context only.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

from cnnviz.core.config import ModelConfig, reference_config
from cnnviz.core.datasets import DatasetUnavailableError, load_dataset
from cnnviz.core.preprocessing import preprocess_batch
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.base import batch_indices
from cnnviz.engines.registry import create_engine


def sixty_thousand_images() -> tuple[np.ndarray, np.ndarray, str]:
    """60,000 training images: full MNIST if found, else Fashion-MNIST, else the sample repeated."""
    for name in ("mnist", "fashion-mnist"):
        try:
            dataset = load_dataset(name, "train")
            return preprocess_batch(dataset.images), dataset.labels.astype(np.int64), name
        except DatasetUnavailableError:
            continue
    dataset = load_dataset("mnist-sample", "train")
    repeats = -(-60_000 // len(dataset))
    images = np.tile(preprocess_batch(dataset.images), (repeats, 1, 1, 1))[:60_000]
    labels = np.tile(dataset.labels.astype(np.int64), repeats)[:60_000]
    return images, labels, "mnist-sample repeated"


def run_epoch(engine, images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int = 0) -> float:
    """Seconds for one epoch of ``engine.train_step`` over shuffled batches."""
    batches = batch_indices(len(images), batch_size, np.random.default_rng(seed))
    start = time.perf_counter()
    for indices in batches:
        engine.train_step(images[indices], labels[indices])
    return time.perf_counter() - start


def _keras_fit_model(config: ModelConfig):
    import keras

    from cnnviz.engines.keras_engine.builder import build_model, make_optimizer

    model = build_model(config, seed=0)
    model.compile(optimizer=make_optimizer(config.training), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model, keras


def numpy_peak_memory_mb(num_samples: int = 60_000, batch_size: int = 128) -> float:
    """Peak resident memory (MB) of a fresh process that trains the NumPy engine for one epoch."""
    # VmHWM belongs to the new process image; ru_maxrss would carry over the parent's peak
    # through fork and exec.
    code = (
        "import sys\n"
        "from cnnviz.bench.engines import sixty_thousand_images, run_epoch\n"
        "from cnnviz.core.config import reference_config\n"
        "from cnnviz.engines.numpy_engine import NumpyEngine\n"
        "images, labels, _ = sixty_thousand_images()\n"
        f"images, labels = images[:{num_samples}], labels[:{num_samples}]\n"
        f"run_epoch(NumpyEngine(reference_config()), images, labels, {batch_size})\n"
        "assert 'tensorflow' not in sys.modules\n"
        "peak = [line for line in open('/proc/self/status') if line.startswith('VmHWM')][0]\n"
        "print(int(peak.split()[1]) / 1024)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def speed(out: Callable[[str], None], repeats: int = 3, num_samples: int = 60_000,
          batch_sizes: tuple[int, ...] = (128, 32), drift_epochs: int = 4) -> dict:
    """Alternate one-epoch runs of each engine at each batch size; samples per second and ratios
    (every round printed), the NumPy engine's drift over consecutive epochs, and its peak memory."""
    images, labels, source = sixty_thousand_images()
    images, labels = images[:num_samples], labels[:num_samples]
    out(f"speed: reference model, Adam, {len(images):,} images ({source}), batches "
        f"{', '.join(map(str, batch_sizes))}, {repeats} alternating rounds")
    result: dict = {"batches": {}}
    for batch_size in batch_sizes:
        result["batches"][str(batch_size)] = _speed_at(out, images, labels, batch_size, repeats)
    if drift_epochs > 1:
        result["drift"] = _drift(out, images, labels, batch_sizes[0], drift_epochs)
    result["numpy_peak_memory_mb"] = numpy_peak_memory_mb(len(images), max(batch_sizes))
    out(f"  numpy peak memory: {result['numpy_peak_memory_mb']:.0f} MB")
    return result


def _speed_at(out: Callable[[str], None], images: np.ndarray, labels: np.ndarray, batch_size: int,
              repeats: int) -> dict:
    """One batch size of :func:`speed`: alternating rounds of the NumPy engine, the Keras engine and
    plain ``keras.Model.fit``."""
    config = reference_config().with_training(batch_size=batch_size)
    numpy_engine = create_engine("numpy", config)
    keras_engine = create_engine("keras", config)
    fit_model, _ = _keras_fit_model(config)
    # Warm up: TensorFlow traces its graphs on the first batches.
    warm = 10 * batch_size
    run_epoch(numpy_engine, images[:warm], labels[:warm], batch_size)
    run_epoch(keras_engine, images[:warm], labels[:warm], batch_size)
    fit_model.fit(images[:warm], labels[:warm], batch_size=batch_size, epochs=1, verbose=0)
    times: dict[str, list[float]] = {"numpy": [], "keras": [], "keras-fit": []}
    for round_index in range(repeats):
        times["numpy"].append(run_epoch(numpy_engine, images, labels, batch_size, round_index))
        times["keras"].append(run_epoch(keras_engine, images, labels, batch_size, round_index))
        start = time.perf_counter()
        fit_model.fit(images, labels, batch_size=batch_size, epochs=1, verbose=0, shuffle=True)
        times["keras-fit"].append(time.perf_counter() - start)
        out(f"  batch {batch_size} round {round_index + 1}: "
            + ", ".join(f"{name} {values[-1]:.2f} s" for name, values in times.items())
            + f"; numpy / keras fit {times['numpy'][-1] / times['keras-fit'][-1]:.2f}")
    medians = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "seconds": times,
        "samples_per_second": {name: len(images) / value for name, value in medians.items()},
        "time_ratio_numpy_to_keras_fit": medians["numpy"] / medians["keras-fit"],
        "time_ratio_numpy_to_keras_engine": medians["numpy"] / medians["keras"],
    }
    for name, value in result["samples_per_second"].items():
        out(f"  batch {batch_size} {name:<10} {value:10,.0f} samples/s")
    out(f"  batch {batch_size} time ratio numpy / keras fit:    {result['time_ratio_numpy_to_keras_fit']:.2f} "
        "(median)")
    out(f"  batch {batch_size} time ratio numpy / keras engine: {result['time_ratio_numpy_to_keras_engine']:.2f}")
    return result


def _drift(out: Callable[[str], None], images: np.ndarray, labels: np.ndarray, batch_size: int,
           epochs: int) -> dict:
    """Consecutive epochs of one fresh NumPy engine: is the last slower than the first?"""
    engine = create_engine("numpy", reference_config().with_training(batch_size=batch_size))
    seconds = [run_epoch(engine, images, labels, batch_size, epoch) for epoch in range(epochs)]
    ratio = seconds[-1] / seconds[0]
    out(f"  numpy, {epochs} consecutive epochs at batch {batch_size}: "
        + ", ".join(f"{value:.2f} s" for value in seconds) + f"; last / first {ratio:.2f}")
    return {"seconds": seconds, "last_to_first": ratio}


def accuracy(out: Callable[[str], None], epochs: int = 5) -> dict:
    """Both engines on the bundled sample with the same settings and seed; test accuracy per epoch."""
    config = reference_config().with_training(optimizer="adam", learning_rate=1e-3, batch_size=32,
                                              epochs=epochs, seed=0, validation_split=0.0)
    data = prepare_training_data(config.training)
    out(f"accuracy: bundled sample ({len(data.train_labels):,} train / {len(data.test_labels):,} test), "
        f"Adam 1e-3, batch 32, {epochs} epochs, seed 0")
    result = {}
    for name in ("numpy", "keras"):
        engine = create_engine(name, config)
        accuracies = []
        for epoch in range(epochs):
            run_epoch(engine, data.train_images, data.train_labels, 32, seed=epoch)
            accuracies.append(engine.evaluate(data.test_images, data.test_labels)[1])
        result[name] = accuracies
        out(f"  {name:<6} test accuracy by epoch: " + " ".join(f"{value:.4f}" for value in accuracies))
    out(f"  difference after {epochs} epochs: {abs(result['numpy'][-1] - result['keras'][-1]) * 100:.2f} points")
    return result


def fashion(out: Callable[[str], None], epochs: int = 3) -> dict:
    """The NumPy engine on full Fashion-MNIST (batch 128, Adam 1e-3)."""
    config = reference_config().with_training(dataset="fashion-mnist", batch_size=128, epochs=epochs,
                                              validation_split=0.0)
    try:
        data = prepare_training_data(config.training)
    except DatasetUnavailableError as error:
        out(f"fashion: skipped, {error}")
        return {}
    engine = create_engine("numpy", config)
    out(f"fashion: NumPy engine, Fashion-MNIST {len(data.train_labels):,} / {len(data.test_labels):,}, "
        f"batch 128, {epochs} epochs")
    accuracies = []
    start = time.perf_counter()
    for epoch in range(epochs):
        run_epoch(engine, data.train_images, data.train_labels, 128, seed=epoch)
        accuracies.append(engine.evaluate(data.test_images, data.test_labels)[1])
        out(f"  epoch {epoch + 1}: test accuracy {accuracies[-1]:.4f} ({time.perf_counter() - start:.1f} s)")
    return {"test_accuracy": accuracies}


def full_inspection(engine, image: np.ndarray) -> None:
    """Everything the viewers show for one input."""
    engine.feature_maps(image)
    engine.kernels()
    engine.gradients(image)


def latency(out: Callable[[str], None], repeats: int = 200) -> dict:
    """Median and 95th percentile of a complete inspection of one 28x28 input, per engine.

    Every repeat inspects another test image, as every stroke does: an engine keeps the forward pass
    of the input it saw last, so repeating one image would leave the forward pass out of the timing.
    """
    images = preprocess_batch(load_dataset("mnist-sample", "test", count=64).images)
    result = {}
    out(f"latency: one 28x28 input to a complete inspection, {repeats} repeats, a new input each time")
    for name in ("numpy", "keras"):
        engine = create_engine(name, reference_config())
        for index in range(5):
            full_inspection(engine, images[index:index + 1])
        samples = []
        for repeat in range(repeats):
            image = images[repeat % len(images):repeat % len(images) + 1]
            start = time.perf_counter()
            full_inspection(engine, image)
            samples.append((time.perf_counter() - start) * 1000)
        median, p95 = float(np.median(samples)), float(np.percentile(samples, 95))
        result[name] = {"median_ms": median, "p95_ms": p95}
        out(f"  {name:<6} median {median:6.2f} ms   p95 {p95:6.2f} ms")
    return result
