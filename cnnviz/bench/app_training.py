"""The window's training against the command line's, in one process (``cnnviz bench app``).

The same training — the reference model, Adam, one epoch of a fixed subset, a fresh model each
round, its run folder recorded — runs alternately through two paths:

- **command line**: the loop of ``cnnviz train`` (:func:`~cnnviz.service.runner.train_run` on the
  calling thread, its progress bar written to a string);
- **window**: the real main window (offscreen), its Train button clicked as a person clicks it; the
  model service's worker trains, the training monitor draws the progress it receives, and the
  window re-inspects the drawn input a few times a second, as it does for a user.

Each round is timed from the start of training (the click) to the end of its last epoch, recorded
and checkpointed (in the window: as the worker signals it), in wall time and in the process's CPU time; the
data are prepared once, outside the timings, and handed to both paths. The figures that count are
the per-round ratios window / command line, measured side by side.
"""

from __future__ import annotations

import dataclasses
import io
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cnnviz.core.config import ModelConfig, reference_config
from cnnviz.core.training_data import TrainingData, output_units, prepare_training_data


def training_data(num_samples: int) -> tuple[TrainingData, str]:
    """``num_samples`` Fashion-MNIST training images (the bundled MNIST sample when Fashion-MNIST is
    not installed; a tenth held out for validation), prepared as ``cnnviz train`` prepares them, without
    a test set, and the dataset's name."""
    config = reference_config()
    for dataset in ("fashion-mnist", "mnist-sample"):
        training = config.with_training(dataset=dataset, train_subset=num_samples).training
        try:
            data = prepare_training_data(training, input_shape=config.input_shape, num_outputs=output_units(config))
        except ValueError:
            continue
        # No test set: the window evaluates one after training, outside the timing, and the command
        # line's loop does not; it would only lengthen the benchmark.
        return dataclasses.replace(data, test_images=data.test_images[:0], test_labels=data.test_labels[:0]), dataset
    raise RuntimeError("Neither Fashion-MNIST nor the bundled MNIST sample could be read.")


def cli_epoch(config: ModelConfig, data: TrainingData, folder: Path,
              niceness: int | None = None) -> tuple[float, float]:
    """One epoch through ``cnnviz train``'s loop; (wall, CPU) seconds.

    With ``niceness`` the loop runs on a thread of its own at that priority (the model service's
    worker's, :data:`~cnnviz.service.worker.WORKER_NICENESS`), so that on a machine busy with other
    processes both paths get the same share of it and the ratio shows the window's own cost.
    """
    if niceness is None:
        return _cli_epoch(config, data, folder)
    from cnnviz.engines.numpy_engine import parallel

    outcome: list = []

    def lowered() -> None:
        parallel.lower_thread_priority(niceness)
        try:
            outcome.append(_cli_epoch(config, data, folder))
        except BaseException as error:  # noqa: BLE001 - raised again on the calling thread
            outcome.append(error)

    thread = threading.Thread(target=lowered, name="cnnviz-bench-cli")
    thread.start()
    thread.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _cli_epoch(config: ModelConfig, data: TrainingData, folder: Path) -> tuple[float, float]:
    from cnnviz.cli.progress import ProgressBar
    from cnnviz.core.results import EpochResult
    from cnnviz.core.runs import RunDirectory
    from cnnviz.engines.registry import create_engine
    from cnnviz.service.runner import train_run

    training = config.training
    engine = create_engine("numpy", config)
    run = RunDirectory(folder, mode="new", command="cnnviz train")
    progress = ProgressBar(training.epochs, stream=io.StringIO())
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        for result in train_run(engine, data, run, epochs=training.epochs, batch_size=training.batch_size,
                                seed=training.seed):
            if isinstance(result, EpochResult):
                progress.epoch(result)
            else:
                progress.step(result)
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        run.close()


class WindowTrainer:
    """The main window, offscreen, trained from its Train button (see the module docstring).

    ``engine_workers`` is handed to the :class:`~cnnviz.service.model_service.ModelService`
    (None: its default).
    """

    def __init__(self, data: TrainingData, folder: Path, engine_workers: int | None | str = "default"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from cnnviz.service.model_service import ModelService
        from cnnviz.ui.main_window import MainWindow

        self.app = QApplication.instance() or QApplication([])
        options = {} if engine_workers == "default" else {"engine_workers": engine_workers}
        service = ModelService(run_root=folder / "runs", data_provider=self._provide, **options)
        self.window = MainWindow(service, settings=QSettings(str(folder / "settings.ini"), QSettings.IniFormat))
        self.data = data
        self.window.resize(1366, 768)
        self.window.show()
        self._epochs: list[float] = []
        self._finished: list = []
        service.sig_epoch_finished.connect(self._on_epoch_finished)
        service.sig_training_finished.connect(self._finished.append)
        self._wait(lambda: self.window.last_result() is not None)

    def _provide(self, training, data_dir, *, input_shape=None, num_outputs=None) -> TrainingData:
        return self.data

    def _on_epoch_finished(self, epoch) -> None:
        self._epochs.append(time.perf_counter())

    def _wait(self, condition: Callable[[], bool], timeout: float = 900.0) -> None:
        """Run the event loop as the application does (asleep until an event comes) until
        ``condition`` holds, checked every 20 ms (polling the loop instead would spend the
        interface thread's time, which the window does not)."""
        from PySide6.QtCore import QEventLoop, QTimer

        end = time.perf_counter() + timeout
        loop = QEventLoop()

        def check() -> None:
            if condition() or time.perf_counter() > end:
                loop.quit()

        timer = QTimer(interval=20)
        timer.timeout.connect(check)
        timer.start()
        try:
            if not condition():
                loop.exec()
        finally:
            timer.stop()
        if not condition():
            raise RuntimeError("The window did not finish training in time.")

    def epoch(self, config: ModelConfig) -> tuple[float, float]:
        """Build a fresh model, then train one epoch from the Train button; (wall, CPU) seconds."""
        window = self.window
        version = window.model_info().version if window.model_info() is not None else -1
        window.config_panel.set_config(config)
        window.service.build(config)
        self._wait(lambda: window.model_info() is not None and window.model_info().version != version
                   and window.service.state == "idle")
        self._epochs.clear()
        self._finished.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        window.config_panel.train_button.click()  # as a user starts training
        self._wait(lambda: len(self._epochs) >= config.training.epochs)
        seconds, cpu_seconds = self._epochs[-1] - wall, time.process_time() - cpu
        self._wait(lambda: bool(self._finished) and window.service.state == "idle")
        if self._finished[0].reason != "completed":
            raise RuntimeError(f"The window's training ended {self._finished[0].reason}: {self._finished[0].message}")
        return seconds, cpu_seconds

    def close(self) -> None:
        self.window.close()
        self.app.processEvents()


def app_vs_cli(out: Callable[[str], None] = print, rounds: int = 3, num_samples: int = 6_000,
               batch_sizes: tuple[int, ...] = (128, 32), engine_workers: int | None | str = "default",
               same_priority: bool = False) -> dict:
    """Alternate one-epoch rounds of the window's training and the command line's at each batch
    size; every round's wall and CPU seconds and the ratios window / command line.

    ``same_priority`` runs the window's worker at the command line's priority instead of its
    lower one: on a machine busy with other processes a nice-10 thread gets about a tenth of the
    share of a nice-0 one, which starves the window's training by design, so only at the same
    priority does the ratio show the window's own cost. ``engine_workers`` is handed to the
    window's model service.
    """
    from cnnviz.service import worker

    data, dataset = training_data(num_samples)
    out(f"app: reference model, Adam, one epoch of {len(data.train_labels):,} images ({dataset}), batches "
        f"{', '.join(map(str, batch_sizes))}, {rounds} alternating rounds (window, then command line"
        + ("; the window's worker at the command line's priority)" if same_priority else ")"))
    result: dict = {"batches": {}}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        lowered, worker.WORKER_NICENESS = worker.WORKER_NICENESS, (0 if same_priority else worker.WORKER_NICENESS)
        trainer = WindowTrainer(data, folder, engine_workers)  # its worker thread reads the niceness
        try:
            for batch_size in batch_sizes:
                config = reference_config().with_training(batch_size=batch_size, epochs=1, seed=0)
                config = config.with_training(dataset=dataset, train_subset=num_samples)
                times: dict[str, list[float]] = {"app": [], "cli": [], "app_cpu": [], "cli_cpu": []}
                for index in range(rounds):
                    app, app_cpu = trainer.epoch(config)
                    cli, cli_cpu = cli_epoch(config, data, folder / f"cli-{batch_size}-{index}")
                    for name, value in zip(times, (app, cli, app_cpu, cli_cpu)):
                        times[name].append(value)
                    out(f"  batch {batch_size} round {index + 1}: window {app:.2f} s (CPU {app_cpu:.2f} s), "
                        f"command line {cli:.2f} s (CPU {cli_cpu:.2f} s); window / command line "
                        f"{app / cli:.2f} (CPU {app_cpu / cli_cpu:.2f})")
                result["batches"][str(batch_size)] = _summary(out, batch_size, times)
        finally:
            trainer.close()
            worker.WORKER_NICENESS = lowered
    return result


def _summary(out: Callable[[str], None], batch_size: int, times: dict[str, list[float]]) -> dict:
    """The rounds' ratios and medians at one batch size, printed."""
    median = {name: statistics.median(values) for name, values in times.items()}
    ratios = [app / cli for app, cli in zip(times["app"], times["cli"])]
    entry = {"seconds": times, "ratios": ratios, "median_ratio": statistics.median(ratios),
             "ratio_of_medians": median["app"] / median["cli"],
             "cpu_ratio_of_medians": median["app_cpu"] / median["cli_cpu"]}
    out(f"  batch {batch_size} window / command line: median of the rounds' ratios {entry['median_ratio']:.2f}, "
        f"of median times {entry['ratio_of_medians']:.2f}, of median CPU times {entry['cpu_ratio_of_medians']:.2f}")
    return entry
