"""The model service's short jobs: build, switch engines, open, save, evaluate, analyse, inspect
and replay a checkpoint.

Each is a function of the :class:`~cnnviz.service.worker.Worker` and its request, run on the
worker thread; it reports through the service's signals and raises on failure (the worker turns
the exception into an error signal naming the job). Training and experiments are in
:mod:`cnnviz.service.training_jobs`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cnnviz.service import payloads as p
from cnnviz.service.commands import (
    BuildRequest,
    ConvertRequest,
    EvaluateRequest,
    InspectionRequest,
    LoadRequest,
    ReplayRequest,
    SaveRequest,
    ScienceRequest,
)
from cnnviz.service.inspection import run_inspection

if TYPE_CHECKING:
    from cnnviz.service.worker import Worker


def replace_model(worker: Worker, engine) -> None:
    """Make ``engine`` the model, remembering the input shape of the one it replaces: requests made
    for that one (sent before the window learnt of the change) are then dropped, not failed."""
    shape = getattr(worker.engine, "input_shape", None)  # (a test's stand-in engine may have none)
    if shape is not None:
        worker.replaced_input_shape = tuple(shape)
    worker.engine, worker.version = engine, worker.version + 1


def build(worker: Worker, request: BuildRequest) -> None:
    """Replace the model with a new one built from the request's configuration."""
    worker.publish(p.BUSY)
    engine = worker.options.engine_factory(request.engine, request.config)
    replace_model(worker, engine)
    worker.signals.sig_model_changed.emit(worker.model_info(f"new {request.engine} model"))


def convert(worker: Worker, request: ConvertRequest) -> None:
    """Move the model to another engine with the same weights (both engines share one layout)."""
    engine = worker.require_engine()
    if engine.name == request.engine:
        return
    if engine.config is None:
        raise RuntimeError(f"This model was opened from a file with layers cnnviz cannot rebuild, so it runs on "
                           f"the {engine.name} engine only. Build a model from the Model panel to use the "
                           f"{request.engine} engine.")
    worker.publish(p.BUSY)
    converted = worker.options.engine_factory(request.engine, engine.config)
    converted.set_weights(engine.get_weights())
    replace_model(worker, converted)
    # The model is the same one, on another engine: it keeps the name of where it came from.
    worker.signals.sig_model_changed.emit(worker.model_info(worker.source))


def load(worker: Worker, request: LoadRequest) -> None:
    """Open a model file."""
    worker.publish(p.BUSY)
    engine = worker.options.loader(request.path)
    replace_model(worker, engine)
    worker.signals.sig_model_changed.emit(worker.model_info(request.path))


def save(worker: Worker, request: SaveRequest) -> None:
    """Write the model to the request's path; the state returns to what it was (saves run while
    paused, too)."""
    engine = worker.require_engine()
    previous = worker.state
    worker.publish(p.BUSY)
    saved = engine.save(request.path)  # the path written (the suffix may have been added)
    worker.signals.sig_model_saved.emit(str(saved))
    worker.publish(previous)


def evaluate(worker: Worker, request: EvaluateRequest) -> None:
    """Evaluate the model on its dataset's test split."""
    from cnnviz.core.datasets import load_dataset
    from cnnviz.core.preprocessing import fit_batch
    from cnnviz.core.training_data import check_dataset_fits, output_units
    from cnnviz.science.evaluation import evaluate as evaluate_model

    engine = worker.require_engine()
    worker.publish(p.BUSY)
    config = engine.config
    dataset = config.training.dataset if config is not None else "mnist-sample"
    # A dataset made at any shape is made at the model's; any other is fitted to it, as training does.
    test = load_dataset(dataset, "test", data_dir=request.data_dir, image_shape=engine.input_shape)
    if config is not None:
        check_dataset_fits(test, output_units(config))
    images, _ = fit_batch(test.images, engine.input_shape)
    result = evaluate_model(engine, images, test.labels, dataset, test.class_names)
    worker.signals.sig_evaluation_finished.emit(result)


def science(worker: Worker, request: ScienceRequest) -> None:
    """Run one of :mod:`cnnviz.science`'s analyses; one that changes the weights (pruning
    that is kept) makes a new model version."""
    from cnnviz import science as analyses

    engine = worker.require_engine()
    worker.publish(p.BUSY)
    params = dict(request.params)
    value = analyses.run(request.analysis, engine, **params)
    if analyses.CHANGES_WEIGHTS.get(request.analysis, False) and params.get("keep", False):
        worker.version += 1
    worker.signals.sig_science_finished.emit(p.ScienceResult(request.job_id, request.analysis, params, value))


def inspect(worker: Worker, request: InspectionRequest) -> None:
    """Inspect the request's image with the model, computing the parts the request names (and
    reusing what the worker's cache holds); the answer is dropped if a newer request waits."""
    if worker.engine is None:
        return
    shape = tuple(request.image.shape[1:])
    if shape == worker.replaced_input_shape and shape != tuple(getattr(worker.engine, "input_shape", shape)):
        return  # made for the model this one replaced; the window asks again for the new model
    result = run_inspection(worker.engine, request.image, request.label, request.class_index, request.job_id,
                            worker.version, parts=request.parts, cache=worker.inspection_cache,
                            spectra_layers=request.spectra_layers)
    if not worker.inspections.has_waiting():
        worker.signals.sig_inspection_finished.emit(result)


def replay(worker: Worker, request: ReplayRequest) -> None:
    """Inspect the request's image with a checkpoint of a run (the model itself is kept); the
    answer is dropped if a newer request waits."""
    from cnnviz.core.runs import RunInfo

    info = RunInfo(Path(request.run_path))
    snapshots = sorted((info.path / "checkpoints").glob("epoch-*.*"))
    matches = [path for path in snapshots if path.stem == f"epoch-{request.epoch + 1:04d}"]
    if not matches:
        which = "from before training" if request.epoch < 0 else f"for epoch {request.epoch + 1}"
        raise RuntimeError(f"The run {info.name} has no checkpoint {which}.")
    key = str(matches[0])
    if key not in worker.replay_engines:
        worker.replay_engines = {key: worker.options.loader(key)}  # keep one: checkpoints can be large
    result = run_inspection(worker.replay_engines[key], request.image, request_id=request.job_id, model_version=-1)
    if not worker.replays.has_waiting():
        worker.signals.sig_replay_finished.emit(p.ReplayResult(request.job_id, request.run_path, request.epoch,
                                                               result))
