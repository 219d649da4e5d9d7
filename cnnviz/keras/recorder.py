""":class:`RunRecorder`: a Keras callback that writes a cnnviz run folder as a model trains.

The folder has the layout of the app's own runs (:mod:`cnnviz.core.runs`), so History, ``cnnviz runs``
and replay read it: ``run.json``, ``config.json`` (when cnnviz can describe the model),
``history_steps.csv`` and ``history_epochs.csv``, ``model.keras``, ``checkpoints/epoch-NNNN.keras``
(as often as the time budget allows, or every ``checkpoint_every`` epochs; always after the last),
``kernels/`` and ``histograms/`` (every epoch). Every file is written to a temporary name and renamed into place, and
the folder is locked while the run writes it.

Only the chief writes: the one process of a single-machine run (any strategy, ``MirroredStrategy``
included: Keras calls callbacks once per step, not once per replica), and under a multi-worker
strategy the ``chief`` task, or worker 0 of a cluster without one (as ``TF_CONFIG`` says). The
others record nothing.

It stays cheap: per batch it keeps one row in memory (the batch callbacks are marked safe to run off
the training thread, so Keras may run them in the background) and rewrites the history files at most
every ``flush_seconds``; per epoch it writes small summaries (kernels, histograms). Saving the model
is what costs (Keras's ``model.save`` takes a tenth of a second or more whatever the model's size), so
by default (``checkpoint_every="auto"``) an epoch's checkpoint is saved only while the recorder's own
time stays within :data:`CHECKPOINT_BUDGET` of the training time, and the last epoch's always. A file that cannot be
written stops the recording with a warning, never the training.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from cnnviz.core.histograms import (
    ACTIVATION_SAMPLES,
    Histogram,
    activation_histograms,
    gradient_histograms,
    parameter_histograms,
)
from cnnviz.core.history import epoch_history_csv, step_history_csv
from cnnviz.core.results import EpochResult, StepResult
from cnnviz.core.run_files import write_atomically, writing
from cnnviz.core.runs import RunDirectory
from cnnviz.engines.keras_engine.builder import config_from_model
from cnnviz.engines.keras_engine.kernels import layer_kernels, layer_parameters

COMMAND = "cnnviz.keras.RunRecorder"
ACCURACY_NAMES = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")
CHECKPOINT_BUDGET = 0.01
"""With ``checkpoint_every="auto"``: the share of the training time the recorder may spend before it
skips an epoch's checkpoint (the last epoch's, saved regardless, comes on top)."""


def is_chief(tf_config: str | None = None) -> bool:
    """Whether this process is the chief of its cluster, as ``TF_CONFIG`` (JSON) describes it.

    No ``TF_CONFIG``: a single process, the chief. Otherwise the ``chief`` task, or the ``worker`` of
    index 0 when the cluster has no chief (the rule ``MultiWorkerMirroredStrategy`` follows).
    """
    text = os.environ.get("TF_CONFIG", "") if tf_config is None else tf_config
    if not text.strip():
        return True
    try:
        config = json.loads(text)
    except ValueError:
        raise ValueError(f"TF_CONFIG is not JSON ({text[:60]!r}); set it as tf.distribute documents, "
                         'e.g. {"cluster": {...}, "task": {"type": "worker", "index": 0}}.') from None
    task = config.get("task") or {}
    kind, index = task.get("type"), int(task.get("index", 0) or 0)
    if kind in (None, "", "chief"):
        return True
    return kind == "worker" and index == 0 and "chief" not in (config.get("cluster") or {})


def _metric(logs: dict, names: tuple[str, ...], prefix: str = "") -> float | None:
    """The first of ``names`` (with ``prefix``) in ``logs``, else any key ending in ``accuracy``."""
    for name in names:
        if prefix + name in logs:
            return float(logs[prefix + name])
    if names is ACCURACY_NAMES:
        for key, value in logs.items():
            if key.startswith(prefix) and key.endswith("accuracy") and (prefix or not key.startswith("val_")):
                return float(value)
    return None


class RunRecorder(keras.callbacks.Callback):
    """Write a cnnviz run folder while ``model.fit`` trains.

    Parameters
    ----------
    run_dir : str or Path, optional
        The run's folder; it must be empty unless ``overwrite``. Without it a new folder is made under
        ``root`` (default: cnnviz's user data folder ``runs/``, where the app's History looks).
    root : str or Path, optional
        Where the new folder is made when ``run_dir`` is not given.
    dataset : str
        A name for the data, shown in History and ``cnnviz runs``.
    batch_size : int, optional
        The global batch size ``fit`` was given, to count samples; without it the history counts batches.
    checkpoint_every : int or "auto"
        Save the model to ``checkpoints/`` every this many epochs (and after the last, and before the
        first); ``"auto"`` saves after an epoch whenever the time budget allows (:data:`CHECKPOINT_BUDGET`),
        and after the last.
    inputs : array, optional
        A few fixed inputs ``(n, height, width, channels)``; with them each epoch also records the
        histogram of every layer's output, and of the gradient of the loss with respect to every
        parameter, over the first :data:`ACTIVATION_SAMPLES` of them.
    labels : array, optional
        The class indices ``(n,)`` (or one-hot rows) of ``inputs``, for the gradients' loss (sparse
        cross-entropy); without them the model's own predictions stand in.
    histograms : bool
        Record histograms of parameters (and activations and gradients, given ``inputs``) every epoch.
    overwrite : bool
        Replace what ``run_dir`` holds.
    flush_seconds : float
        Rewrite the history files during an epoch at most this often, so the app sees the curves grow.
    """

    async_safe = True
    """The batch callback only appends to a list under a lock: Keras may run it off the training thread."""

    def __init__(self, run_dir: str | Path | None = None, *, root: str | Path | None = None, dataset: str = "keras",
                 batch_size: int | None = None, checkpoint_every: int | str = "auto", inputs: np.ndarray | None = None,
                 labels: np.ndarray | None = None, histograms: bool = True, overwrite: bool = False,
                 flush_seconds: float = 5.0):
        super().__init__()
        if checkpoint_every != "auto" and (not isinstance(checkpoint_every, int) or checkpoint_every < 1):
            raise ValueError(f"checkpoint_every must be 'auto' or a whole number of epochs >= 1, received "
                             f"{checkpoint_every!r}.")
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f"batch_size must be a positive whole number (the global batch), received {batch_size!r}.")
        if inputs is not None:
            inputs = np.asarray(inputs, dtype=np.float32)[:ACTIVATION_SAMPLES]
            if inputs.ndim != 4 or not len(inputs):
                raise ValueError(f"inputs must be a batch of images (n, height, width, channels), received shape "
                                 f"{inputs.shape}.")
        if labels is not None:
            labels = np.asarray(labels)
            labels = (labels.argmax(axis=1) if labels.ndim == 2 else labels).astype(np.int64)[:ACTIVATION_SAMPLES]
            if inputs is None or labels.shape != (len(inputs),):
                raise ValueError(f"labels must hold one class index per input ({0 if inputs is None else len(inputs)} "
                                 f"inputs), received shape {np.shape(labels)}.")
        self.labels = labels
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.root, self.dataset, self.batch_size = root, dataset, batch_size
        self.checkpoint_every, self.inputs, self.histograms = checkpoint_every, inputs, histograms
        self.overwrite, self.flush_seconds = overwrite, float(flush_seconds)
        self.directory: RunDirectory | None = None
        self._path: Path | None = None
        self._lock = threading.Lock()
        self._probe: tuple[Any, list[str]] | None = None
        self._epoch, self._steps_done, self._started, self._flushed = 0, 0, 0.0, 0.0
        # Seconds spent writing at the start and at epoch ends, the last model save's duration, and the
        # newest epoch written and saved (-2: none yet).
        self._own_seconds, self._save_seconds = 0.0, 0.0
        self._epoch_written, self._epoch_saved = -2, -2
        self._rate = math.nan
        # The step table as written so far, and how many steps it holds.
        self._steps_text, self._steps_formatted = "", 0

    @property
    def path(self) -> Path | None:
        """The run folder written (None before training, and in a process that is not the chief)."""
        return self._path

    # -- training events --------------------------------------------------------------------------
    def on_train_begin(self, logs=None) -> None:
        if self._path is not None:
            raise RuntimeError(f"This RunRecorder has recorded a fit already (in {self._path}); give each call of "
                               "fit a new RunRecorder.")
        if not is_chief():
            return
        if self.run_dir is not None:
            self.directory = RunDirectory(self.run_dir, mode="overwrite" if self.overwrite else "new", command=COMMAND)
        else:
            self.directory = RunDirectory.create(self.root, "keras", self.dataset, command=COMMAND)
        self._path = self.directory.path
        self._started = self._flushed = time.perf_counter()
        with self._recording():
            self._start()
        self._own_seconds += time.perf_counter() - self._started

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._epoch = int(epoch)
        if self.directory is not None:
            self._rate = self._learning_rate()

    def on_train_batch_end(self, batch, logs=None) -> None:
        directory = self.directory
        if directory is None:
            return
        started = time.perf_counter()
        logs = logs or {}
        with self._lock:
            self._steps_done += 1
            steps = self.params.get("steps") if self.params else None
            directory.record_step(StepResult(
                self._epoch, int(batch), int(steps) if steps else int(batch) + 1, float(logs.get("loss", math.nan)),
                _metric(logs, ACCURACY_NAMES) or math.nan, self._samples_seen(), started - self._started,
                self._rate))
            if started - self._flushed >= self.flush_seconds:
                self._flushed = started
                # The learning rate is read here and at each epoch's start, not every batch (a read costs).
                self._rate = self._learning_rate()
                with self._recording():
                    self._write_histories(directory, durable=False)
            self._own_seconds += time.perf_counter() - started

    def on_epoch_end(self, epoch, logs=None) -> None:
        if self.directory is None:
            return
        logs = logs or {}
        result = EpochResult(int(epoch), int(self.params.get("epochs", epoch + 1)), float(logs.get("loss", math.nan)),
                             _metric(logs, ACCURACY_NAMES) or math.nan, _metric(logs, ("loss",), "val_"),
                             _metric(logs, ACCURACY_NAMES, "val_"), self._samples_seen(),
                             time.perf_counter() - self._started)
        with self._lock, self._recording():
            self._end_epoch(result)

    def on_train_end(self, logs=None) -> None:
        directory = self.directory
        if directory is not None and self._epoch_written > self._epoch_saved:
            # The last epoch's weights are always kept (training may have stopped early).
            with self._lock, self._recording():
                self._save_checkpoint(self._epoch_written)
        # Stopped early by a callback (EarlyStopping) or not, the fit ended as the script asked.
        self.close("finished")

    def close(self, status: str | None = None) -> None:
        """Write the histories and ``status``, and release the folder (training's end does it)."""
        directory, self.directory = self.directory, None
        if directory is None:
            return
        with contextlib.suppress(OSError):
            self._write_histories(directory, durable=True)
        directory.close(status)

    # -- writing ------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _recording(self):
        """A file that cannot be written ends the recording, not the training."""
        try:
            yield
        except OSError as error:
            directory, self.directory = self.directory, None
            warnings.warn(f"cnnviz stopped recording the run: {error}", RuntimeWarning, stacklevel=3)
            if directory is not None:
                directory.close("failed")

    def _start(self) -> None:
        directory, model = self.directory, self.model
        assert directory is not None
        try:
            config = config_from_model(model)
        except Exception:  # noqa: BLE001 - a model cnnviz cannot describe is recorded without a configuration
            config = None
        if config is not None:
            directory.write_config(config)
        # The strategy the model was built under (fit runs in its scope; callbacks run outside it).
        current = getattr(model, "distribute_strategy", None) or tf.distribute.get_strategy()
        directory.update_info(engine="keras", dataset=self.dataset, source=COMMAND, status="running",
                              epochs_planned=self.params.get("epochs") if self.params else None,
                              batch_size=self.batch_size, strategy=type(current).__name__,
                              num_replicas=int(current.num_replicas_in_sync), epochs_completed=-1,
                              has_config=config is not None)
        self._save_epoch_files(-1, checkpoint=self.checkpoint_every != "auto")
        directory.update_info(epochs_completed=0)

    def _end_epoch(self, result: EpochResult) -> None:
        directory = self.directory
        if directory is None:
            return
        started = time.perf_counter()
        epochs = int(self.params.get("epochs", 0)) if self.params else 0
        if result.epoch + 1 >= epochs:
            checkpoint = True
        elif self.checkpoint_every == "auto":
            training = started - self._started - self._own_seconds
            checkpoint = self._own_seconds + self._save_seconds <= CHECKPOINT_BUDGET * training
        else:
            checkpoint = (result.epoch + 1) % int(self.checkpoint_every) == 0
        self._save_epoch_files(result.epoch, checkpoint=checkpoint)
        self._flushed = time.perf_counter()
        # As RunDirectory.record_epoch: both histories, then the epoch counts as complete.
        directory.epochs.append(result)
        self._write_histories(directory, durable=True)
        directory.update_info(epochs_completed=result.epoch + 1)
        self._epoch_written = result.epoch
        self._own_seconds += time.perf_counter() - started

    def _save_epoch_files(self, epoch: int, checkpoint: bool) -> None:
        directory = self.directory
        assert directory is not None
        if checkpoint:
            self._save_checkpoint(epoch)
        kernels: dict[str, np.ndarray] = {}
        for layer in self.model.layers:
            kernels.update(layer_kernels(layer.name, layer))
        directory.save_kernels(epoch, kernels)
        if self.histograms:
            directory.save_histograms(epoch, self._histograms())

    def _histograms(self) -> dict[str, Histogram]:
        weights = {layer.name: {name: np.asarray(variable.numpy())
                                for name, variable in layer_parameters(layer).items()}
                   for layer in self.model.layers}
        found = parameter_histograms(weights)
        if self.inputs is not None:
            outputs = self._layer_outputs(self.inputs)
            if outputs:
                found.update(activation_histograms(outputs))
            found.update(gradient_histograms(self._parameter_gradients(self.inputs)))
        return found

    def _parameter_gradients(self, images: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        """The gradient of the mean sparse cross-entropy over ``images`` (their ``labels``, else the
        model's predictions) with respect to every trainable parameter, in the weight-exchange form."""
        owners = [(layer.name, name, variable) for layer in self.model.layers
                  for name, variable in layer_parameters(layer).items() if getattr(variable, "trainable", True)]
        if not owners:
            return {}
        with tf.GradientTape() as tape:
            outputs = self.model(images, training=False)
            if isinstance(outputs, (list, tuple)):
                outputs = outputs[0]
            outputs = tf.reshape(outputs, (len(images), -1))
            probabilities = outputs.numpy()
            # A softmax output is taken as probabilities, anything else as logits.
            from_logits = not (np.all(probabilities >= 0) and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3))
            labels = self.labels if self.labels is not None else probabilities.argmax(axis=1)
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, outputs,
                                                                               from_logits=from_logits))
        found: dict[str, dict[str, np.ndarray]] = {}
        for (layer, name, _), gradient in zip(owners, tape.gradient(loss, [owner[2] for owner in owners])):
            if gradient is not None:
                found.setdefault(layer, {})[name] = np.asarray(gradient)
        return found

    def _layer_outputs(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output for ``images``; empty for a model whose layers cannot be tapped
        (a subclassed model without a graph)."""
        if self._probe is None:
            layers = [layer for layer in self.model.layers if not isinstance(layer, keras.layers.InputLayer)]
            try:
                inputs = self.model.inputs
                self._probe = (keras.Model(inputs[0] if len(inputs) == 1 else inputs,
                                           [layer.output for layer in layers]),
                               [layer.name for layer in layers])
            except (AttributeError, ValueError, TypeError):
                self._probe = (None, [])
        probe, names = self._probe
        if probe is None:
            return {}
        outputs = probe(images, training=False)
        return {name: np.asarray(output) for name, output in zip(names, outputs)}

    def _write_histories(self, directory: RunDirectory, durable: bool) -> None:
        """Write both history files, formatting only the batches new since the last write (a long run's
        table is not formatted again every few seconds). ``durable`` (an epoch's end): flushed to the
        disk; otherwise only renamed into place, which is enough for readers never to see half a file."""
        new = directory.steps[self._steps_formatted:]
        text = step_history_csv(new)
        self._steps_text += text.split("\n", 1)[1] if self._steps_formatted else text
        self._steps_formatted += len(new)
        steps_path = directory.path / "history_steps.csv"
        if durable:
            write_atomically(steps_path, self._steps_text.encode("utf-8"))
            write_atomically(directory.path / "history_epochs.csv",
                             epoch_history_csv(directory.epochs).encode("utf-8"))
            return
        temporary = steps_path.with_name(steps_path.name + ".tmp")
        with writing(steps_path):
            temporary.write_bytes(self._steps_text.encode("utf-8"))
            os.replace(temporary, steps_path)

    def _save_checkpoint(self, epoch: int) -> None:
        """The weights after ``epoch`` in ``checkpoints/``, and a copy as the run's ``model.keras``."""
        directory = self.directory
        assert directory is not None
        started = time.perf_counter()
        path = directory.checkpoint_path(epoch, ".keras")
        self._save_model(path)
        self._save_seconds = time.perf_counter() - started
        if epoch >= 0:
            latest = directory.path / "model.keras"
            temporary = latest.with_name("model.tmp.keras")
            with writing(latest):
                try:
                    shutil.copyfile(path, temporary)
                    os.replace(temporary, latest)
                finally:
                    temporary.unlink(missing_ok=True)
        self._epoch_saved = epoch

    def _save_model(self, path: Path) -> None:
        temporary = path.with_name(path.stem + ".tmp.keras")
        with writing(path):
            try:
                self.model.save(temporary)
                os.replace(temporary, path)
            finally:
                temporary.unlink(missing_ok=True)

    def _samples_seen(self) -> int:
        return self._steps_done * (self.batch_size or 1)

    def _learning_rate(self) -> float:
        rate = getattr(getattr(self.model, "optimizer", None), "learning_rate", None)
        try:
            return float(np.asarray(rate))
        except (TypeError, ValueError):
            return math.nan
