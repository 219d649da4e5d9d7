"""Real run folders for the History tab's tests, and the replay the model service would answer."""

from pathlib import Path

from cnnviz.core.config import reference_config
from cnnviz.core.datasets import load_dataset
from cnnviz.core.preprocessing import preprocess_batch
from cnnviz.core.runs import RunDirectory
from cnnviz.core.training_data import prepare_training_data
from cnnviz.engines.registry import create_engine, load_engine
from cnnviz.service.inspection import run_inspection
from cnnviz.service.payloads import ReplayResult
from cnnviz.service.runner import train_run

RUNS = (("20250101-120000-numpy-mnist-sample", 2, 0.001), ("20250101-130000-numpy-mnist-sample", 3, 0.01))
"""Name, epochs and learning rate of each run made for these tests (the newest is listed first)."""


def train_runs(root: Path) -> None:
    """Train :data:`RUNS` with the NumPy engine on 96 images (32 more for validation) into ``root``."""
    for name, epochs, learning_rate in RUNS:
        config = reference_config().with_training(train_subset=128, batch_size=64, epochs=epochs,
                                                  validation_split=0.25, learning_rate=learning_rate)
        data = prepare_training_data(config.training)
        engine = create_engine("numpy", config)
        run = RunDirectory(root / name)
        for _ in train_run(engine, data, run, epochs=epochs, batch_size=64, seed=0):
            pass
        run.update_info(status="finished", test_accuracy=0.5)
        run.close()


def replay_of(run, epoch: int) -> ReplayResult:
    """What the service's replay answers: an inspection of a test digit with the epoch's checkpoint,
    made as the worker makes it (its spectra go into the service's kernel-spectra cache)."""
    engine = load_engine(run.path / "checkpoints" / f"epoch-{epoch + 1:04d}.npz")
    image = preprocess_batch(load_dataset("mnist-sample", "test").images[:1])
    return ReplayResult(7, str(run.path), epoch, run_inspection(engine, image))
