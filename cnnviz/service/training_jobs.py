"""The model service's long jobs: training the model, and running an experiment's runs.

Both are generators consumed on the worker thread (:func:`~cnnviz.service.runner.train_run`,
:func:`~cnnviz.service.runner.run_experiment`); between two batches they hand control to
:meth:`Worker.between_batches <cnnviz.service.worker.Worker.between_batches>`, which pauses, stops,
steps and serves inspections. Progress reaches the window through one
:class:`~cnnviz.service.throttle.ProgressThrottle` per job.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cnnviz.core.datasets.registry import dataset_label
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.run_files import RunWriteError
from cnnviz.core.runs import RunDirectory
from cnnviz.core.training_data import output_units
from cnnviz.service import payloads as p
from cnnviz.service.commands import ExperimentRequest, RunControls, TrainRequest
from cnnviz.service.runner import ExperimentStep, TrainingDiverged, run_experiment, train_run
from cnnviz.service.throttle import ProgressThrottle

if TYPE_CHECKING:
    from cnnviz.service.worker import Worker


def train(worker: Worker, request: TrainRequest) -> None:
    """Train the model, recording the run in a run folder (unless the service records none).

    With ``request.resume_dir`` the run in that folder continues: its configuration replaces the
    model (on the run's engine) and training goes on from its last complete epoch, writing into the
    same folder. The folder is locked for the whole job and its ``run.json`` ends saying how the run
    ended: ``finished``, ``stopped`` (Stop), ``interrupted`` (the window closed), ``diverged`` or
    ``failed``. A diverged run ends with the last good weights restored; a run that raises (a file
    that cannot be written included) keeps the weights of its last finished epoch, reports
    ``"failed"`` and re-raises (the worker reports the error to the training panel).
    """
    run = _resume_run(worker, request) if request.resume_dir else None
    try:
        _train(worker, request, run)
    finally:
        if run is not None:
            run.close()


def _resume_run(worker: Worker, request: TrainRequest) -> RunDirectory:
    """Open ``request.resume_dir`` to continue it, and make its model the service's."""
    from cnnviz.core.runs import RunInfo

    worker.publish(p.BUSY)
    info = RunInfo(Path(str(request.resume_dir)))
    config = info.config()
    if config is None:
        raise RuntimeError(f"The run {info.path} has no readable configuration (config.json), so it cannot "
                           "be continued.")
    run = RunDirectory(info.path, mode="resume", command="cnnviz window")
    try:
        engine = worker.options.engine_factory(info.engine if info.engine in ("numpy", "keras") else "numpy", config)
        worker.engine, worker.version = engine, worker.version + 1
        worker.signals.sig_model_changed.emit(worker.model_info(f"run {info.name}"))
    except BaseException:
        run.close()
        raise
    return run


def _train(worker: Worker, request: TrainRequest, run: RunDirectory | None) -> None:
    engine = worker.require_engine()
    if engine.config is None:
        raise RuntimeError("This model has no cnnviz configuration (it was opened from a file with layers "
                           "cnnviz cannot rebuild), so it can be inspected but not trained here.")
    if run is None and request.training is not None and request.training != engine.config.training:
        engine.set_training(request.training)
    training = engine.config.training
    planned = run.info.get("epochs_planned") if run is not None else None
    epochs = request.epochs or (planned if isinstance(planned, int) else training.epochs)
    worker.publish(p.BUSY)
    # The model's shape and classes: a dataset made at any shape (an image folder, colour shapes) is made
    # at the model's input shape, any other is fitted to it, and one whose classes do not fit the model
    # is refused before anything trains.
    data = worker.options.data_provider(training, request.data_dir, input_shape=engine.input_shape,
                                        num_outputs=output_units(engine.config)).fitted(engine.input_shape)
    if run is None and worker.options.run_root is not False:
        run_root = worker.options.run_root
        run = RunDirectory.create(None if run_root is True else run_root, engine.name,
                                  dataset_label(training.dataset), command="cnnviz window")
    try:
        _train_in(worker, request, run, engine, data, epochs)
    finally:
        if run is not None and request.resume_dir is None:
            run.close()


def _train_in(worker: Worker, request: TrainRequest, run: RunDirectory | None, engine, data, epochs: int) -> None:
    training = engine.config.training
    if training.iterations is not None:
        # A run of so many steps: its epochs follow from the batches an epoch of this data holds.
        epochs = training.epochs_for(len(data.train_labels))
    last_good = engine.get_weights()
    worker.publish(p.TRAINING)
    controls = RunControls(step_unit=request.step_unit)
    progress: ProgressThrottle[StepResult] = ProgressThrottle(
        worker.options.progress_interval,
        lambda steps: worker.signals.sig_training_progress.emit(p.TrainingProgress(steps, epochs)))
    last_epoch: EpochResult | None = None
    reason, message = "completed", "Training finished."
    suggestion = None
    steps = train_run(engine, data, run, epochs=epochs, batch_size=training.batch_size, seed=training.seed)
    try:
        for result in steps:
            if isinstance(result, StepResult):
                worker.version += 1
                progress.add(result)
                if controls.step_unit == "batch":
                    controls.step_unit, controls.paused = None, True
            else:
                progress.flush()
                last_epoch, last_good = result, engine.get_weights()
                worker.signals.sig_epoch_finished.emit(result)
                if controls.step_unit == "epoch":
                    controls.step_unit, controls.paused = None, True
            worker.between_batches(controls, training=True, before_pause=progress.flush)
            if controls.stopping:
                reason, message = "stopped", "Training stopped."
                break
    except TrainingDiverged as error:
        reason, message, suggestion = "diverged", str(error), error.suggestion
    except Exception as error:
        engine.set_weights(last_good)
        worker.version += 1
        if run is not None and not isinstance(error, RunWriteError):
            run.close(status="failed")  # a write failure was recorded (where it could be) by the runner
        # A write failure says which file and why right in the training panel, as well as in the dialog.
        cause = f" {error}" if isinstance(error, RunWriteError) else ""
        worker.signals.sig_training_finished.emit(p.TrainingFinished(
            "failed", f"Training failed; the weights of the last finished epoch were kept.{cause}", last_epoch))
        raise
    finally:
        steps.close()
    progress.flush()
    test_accuracy = None
    if reason == "completed" and len(data.test_labels):
        test_accuracy = engine.evaluate(data.test_images, data.test_labels)[1]
    if run is not None:
        if reason == "completed":
            run.update_info(status="finished", test_accuracy=test_accuracy)
        elif reason == "stopped":
            run.flush()
            # Closing the window interrupts the run; Stop stops it. Either can be resumed.
            run.update_info(status="interrupted" if worker.shutdown_requested.is_set() else "stopped")
    worker.version += 1
    worker.signals.sig_training_finished.emit(p.TrainingFinished(reason, message, last_epoch, test_accuracy,
                                                                 suggestion))


def experiment(worker: Worker, request: ExperimentRequest) -> None:
    """Train every run of the experiment in turn, each on a new engine; a Stop cancels the rest."""
    worker.publish(p.TRAINING)
    factory, provider = worker.options.engine_factory, worker.options.data_provider
    run_root = worker.options.run_root
    events = run_experiment(request.runs, lambda config: factory(request.engine, config),
                            lambda training, input_shape, num_outputs: provider(
                                training, None, input_shape=input_shape, num_outputs=num_outputs),
                            run_root=None if run_root is False else _runs_folder(run_root))
    controls = RunControls()
    progress: ProgressThrottle[ExperimentStep] = ProgressThrottle(
        worker.options.progress_interval,
        lambda items: worker.signals.sig_experiment_progress.emit(
            p.ExperimentProgress(items[0].run_index, tuple(item.step for item in items))))
    outcomes = []
    try:
        for event in events:
            if isinstance(event, ExperimentStep):
                if progress.pending and progress.pending[0].run_index != event.run_index:
                    progress.flush()  # one progress payload holds the steps of one run
                progress.add(event)
            else:
                progress.flush()
                outcomes.append(event)
                worker.signals.sig_experiment_run_finished.emit(event)
            worker.between_batches(controls, training=False)
            if controls.stopping:
                break
    finally:
        events.close()
    progress.flush()
    worker.signals.sig_experiment_finished.emit(p.ExperimentFinished(tuple(outcomes), controls.stopping))


def _runs_folder(run_root: str | Path | bool | None) -> str | Path:
    """Where an experiment's runs go: ``run_root``, or the user data folder's ``runs/``."""
    from cnnviz.core.runs import user_data_dir

    return run_root if isinstance(run_root, (str, Path)) and str(run_root) else user_data_dir() / "runs"
