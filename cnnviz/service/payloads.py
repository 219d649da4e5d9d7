"""Immutable payloads the model service sends to the interface: its states, the kinds of job it
runs, and what each job reports.

Arrays in payloads are read-only; a payload may be kept, shared and read from any thread. What the
interface sends the other way is in :mod:`cnnviz.service.commands`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cnnviz.core.config import ModelConfig
from cnnviz.core.layer_graph import LayerGraph
from cnnviz.core.results import EpochResult, GradientResult, StepResult, Weights
from cnnviz.core.summary import ModelSummary

if TYPE_CHECKING:
    from cnnviz.core.layer_spectra import InspectionSpectra
    from cnnviz.science.flip_identity import FlipChecks

# Service states.
IDLE = "idle"
BUSY = "busy"            # building, loading, saving or preparing data
TRAINING = "training"
PAUSED = "paused"
STOPPING = "stopping"
SHUT_DOWN = "shut down"


class JobKind(str, enum.Enum):
    """What a job does; an error names the kind of job it ended, so the window can route it."""

    BUILD = "build"
    CONVERT = "convert"
    LOAD = "load"
    SAVE = "save"
    TRAIN = "train"
    EVALUATE = "evaluate"
    EXPERIMENT = "experiment"
    SCIENCE = "science"
    INSPECT = "inspect"
    REPLAY = "replay"
    LEARNING_RATE = "learning rate"
    """A live change of the learning rate (a command rather than a job, but it can be refused)."""


ERROR_TITLES: dict[JobKind, str] = {
    JobKind.BUILD: "Could not build the model",
    JobKind.CONVERT: "Could not switch engines",
    JobKind.LOAD: "Could not open the model",
    JobKind.SAVE: "Could not save the model",
    JobKind.TRAIN: "Training failed",
    JobKind.EVALUATE: "Could not evaluate the model",
    JobKind.EXPERIMENT: "The experiment failed",
    JobKind.SCIENCE: "The analysis failed",
    JobKind.INSPECT: "Could not inspect the input",
    JobKind.REPLAY: "Could not replay the checkpoint",
    JobKind.LEARNING_RATE: "Invalid learning rate",
}
"""The dialog title of a job that failed, by its kind."""


@dataclass(frozen=True)
class ModelInfo:
    """The model now held by the service."""

    engine: str
    layer_names: tuple[str, ...]
    config: ModelConfig | None
    summary: ModelSummary | None
    source: str
    version: int
    graph: LayerGraph | None = None
    """Every layer with its inputs and branch label, in :attr:`layer_names` order."""
    input_shape: tuple[int, int, int] | None = None
    """``(height, width, channels)`` of the model's input (what a model without a configuration takes)."""
    device: str = ""
    """Where the engine computes, in words (``"CPU, 1 thread"``, ``"2 × GPU, MirroredStrategy"``)."""


@dataclass(frozen=True)
class TrainingProgress:
    """Every training step since the previous progress signal (throttled to about 30 a second)."""

    steps: tuple[StepResult, ...]
    total_epochs: int


@dataclass(frozen=True)
class TrainingFinished:
    """How a training job ended: ``"completed"``, ``"stopped"``, ``"diverged"`` or ``"failed"``."""

    reason: str
    message: str
    last_epoch: EpochResult | None
    test_accuracy: float | None = None
    suggestion: dict | None = None
    """For a diverged run: training settings that most likely fix it (``learning_rate``, ``initializer``)."""


@dataclass(frozen=True)
class InspectionResult:
    """Everything the viewers show for one input, computed by one engine at one model version."""

    request_id: int
    model_version: int
    image: np.ndarray
    probabilities: np.ndarray
    feature_maps: dict[str, np.ndarray]
    kernels: dict[str, np.ndarray]
    gradients: GradientResult
    layer_names: tuple[str, ...]
    elapsed_ms: float
    spectra: InspectionSpectra | None = None
    """The feature maps' and kernels' spectra, computed by the worker (None if it computed none)."""
    flip_checks: FlipChecks | None = None
    """The flipped-kernel check of every convolution (None for a model without a cnnviz configuration)."""
    layer_graph: LayerGraph | None = None
    """The model's layers with their inputs and branch labels (None if the engine gave none)."""
    # What the unit explainer (cnnviz.science.unit_arithmetic) recomputes a unit from, besides the
    # feature maps: every parameter, and the chain the layers form.
    weights: Weights | None = None
    """Every parameter in the exchange form ``{layer: {"kernel", "bias", ...}}``, read-only arrays
    (None if the inspection carries none)."""
    config: ModelConfig | None = None
    """The configuration the model was built from (None for a foreign model)."""


@dataclass(frozen=True)
class ServiceError:
    """A failure turned into data: the job it belongs to, a title for the dialog, a readable
    message and technical details (a traceback, or empty).

    ``job_id`` is the id the command returned (every command gets one); ``kind`` says what the job
    was, and is what receivers route on: the title is only the dialog's text. A job refused before
    it started (while training runs, say) reports its own kind and id too.
    """

    kind: JobKind
    job_id: int
    title: str
    message: str
    details: str = ""


@dataclass(frozen=True)
class ExperimentProgress:
    """Training steps of one experiment run since the last signal."""

    run_index: int
    steps: tuple[StepResult, ...]


@dataclass(frozen=True)
class ExperimentFinished:
    """An experiment ended: every finished run's outcome, and whether it was cancelled."""

    outcomes: tuple
    cancelled: bool


@dataclass(frozen=True)
class ReplayResult:
    """An inspection of the current input with the weights saved after ``epoch`` of a run."""

    request_id: int
    run_path: str
    epoch: int
    inspection: InspectionResult


@dataclass(frozen=True)
class ScienceResult:
    """The answer to a science request (see :mod:`cnnviz.science`): ``kind`` names the
    analysis, ``params`` echoes the request, ``value`` holds the analysis's own frozen result."""

    request_id: int
    kind: str
    params: dict
    value: object
