"""What the interface sends the model service's worker: one frozen dataclass per command, and
the worker's own record of the controls it has read (:class:`RunControls`).

Every command travels through the service's queue and is read only by the worker thread, which
alone changes the service's state. Jobs (:data:`Job`) carry the id the command returned and say
their :class:`~cnnviz.service.payloads.JobKind`, so an error names the job it ended. Controls
(:data:`Control`) steer a running training job between two batches; one that arrives when no job
runs is dropped, so a Stop that lands just as a run ends does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal, TypeAlias

import numpy as np

from cnnviz.core.config import ModelConfig, TrainingConfig
from cnnviz.core.experiments import ExperimentRun
from cnnviz.service.payloads import ALL_PARTS, JobKind

StepUnit = Literal["batch", "epoch"]
"""How far one Step goes before training pauses again."""


@dataclass(frozen=True)
class BuildRequest:
    """Build a new model from ``config`` on the engine named ``engine``."""

    kind: ClassVar[JobKind] = JobKind.BUILD
    job_id: int
    config: ModelConfig
    engine: str


@dataclass(frozen=True)
class ConvertRequest:
    """Move the current model to the engine named ``engine``, keeping its weights."""

    kind: ClassVar[JobKind] = JobKind.CONVERT
    job_id: int
    engine: str


@dataclass(frozen=True)
class LoadRequest:
    """Open the model file at ``path``."""

    kind: ClassVar[JobKind] = JobKind.LOAD
    job_id: int
    path: str


@dataclass(frozen=True)
class SaveRequest:
    """Write the current model to ``path`` (served between batches too)."""

    kind: ClassVar[JobKind] = JobKind.SAVE
    job_id: int
    path: str


@dataclass(frozen=True)
class TrainRequest:
    """Train the current model: ``epochs`` overrides the configuration's count, ``training`` (if
    given) replaces its training settings, ``step_unit`` (if given) pauses after that much.
    ``resume_dir`` (if given) continues the run in that folder instead, with its own model and
    settings; ``epochs`` is then the total it should reach."""

    kind: ClassVar[JobKind] = JobKind.TRAIN
    job_id: int
    epochs: int | None = None
    data_dir: str | None = None
    training: TrainingConfig | None = None
    step_unit: StepUnit | None = None
    resume_dir: str | None = None


@dataclass(frozen=True)
class EvaluateRequest:
    """Evaluate the current model on its dataset's test split (IDX files from ``data_dir``)."""

    kind: ClassVar[JobKind] = JobKind.EVALUATE
    job_id: int
    data_dir: str | None = None


@dataclass(frozen=True)
class ExperimentRequest:
    """Train every run in turn, each on a new engine named ``engine``."""

    kind: ClassVar[JobKind] = JobKind.EXPERIMENT
    job_id: int
    runs: tuple[ExperimentRun, ...]
    engine: str


@dataclass(frozen=True)
class ScienceRequest:
    """Run the science analysis ``analysis`` with keyword arguments ``params`` (a read-only view)."""

    kind: ClassVar[JobKind] = JobKind.SCIENCE
    job_id: int
    analysis: str
    params: Mapping[str, object]


@dataclass(frozen=True)
class InspectionRequest:
    """What to inspect: one input image ``(1, h, w, c)``, read-only; the gradient target is the loss
    of ``label`` (default: the predicted class) or, with ``class_index``, that class's logit.
    ``parts`` names the optional parts wanted besides the feature maps and probabilities
    (:data:`~cnnviz.service.payloads.ALL_PARTS`, normalized by
    :func:`~cnnviz.service.payloads.inspection_parts`). ``spectra_layers`` names the layers whose
    feature-map spectra are wanted at once (the one the spectra viewer shows); the others' are
    computed when first read (None: as many as :data:`~cnnviz.core.layer_spectra.EAGER_MAP_ELEMENTS`
    allows)."""

    kind: ClassVar[JobKind] = JobKind.INSPECT
    job_id: int
    image: np.ndarray
    label: int | None = None
    class_index: int | None = None
    parts: frozenset[str] = ALL_PARTS
    spectra_layers: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ReplayRequest:
    """Inspect ``image`` ``(1, h, w, c)`` with the checkpoint saved after ``epoch`` of the run in
    ``run_path`` (``-1``: the weights before training)."""

    kind: ClassVar[JobKind] = JobKind.REPLAY
    job_id: int
    run_path: str
    epoch: int
    image: np.ndarray


@dataclass(frozen=True)
class Pause:
    """Pause training after the current batch."""


@dataclass(frozen=True)
class Resume:
    """Continue a paused training run."""


@dataclass(frozen=True)
class Stop:
    """Stop training, or cancel an experiment, after the current batch."""


@dataclass(frozen=True)
class Step:
    """Let a paused (or running) training job go on for one ``unit``, then pause. (A Step while
    idle is sent as a :class:`TrainRequest` with a ``step_unit`` instead.)"""

    unit: StepUnit


@dataclass(frozen=True)
class SetLearningRate:
    """Use ``value`` from the next batch on (a positive, finite number)."""

    value: float


@dataclass(frozen=True)
class Shutdown:
    """Stop any job and end the worker."""


@dataclass
class RunControls:
    """The controls as the worker has read them for the job that runs; only the worker changes them.

    ``step_unit`` pauses training after that much; ``learning_rate`` waits to be applied.
    """

    paused: bool = False
    stopping: bool = False
    step_unit: StepUnit | None = None
    learning_rate: float | None = None


Job: TypeAlias = (BuildRequest | ConvertRequest | LoadRequest | SaveRequest | TrainRequest | EvaluateRequest
                  | ExperimentRequest | ScienceRequest | InspectionRequest | ReplayRequest)
"""A command that runs as a job of its own (or, for inspections and replays, as one served between
batches)."""
Control: TypeAlias = Pause | Resume | Stop | Step | SetLearningRate | Shutdown
"""A command that steers the job that runs."""
Command: TypeAlias = Job | Control
