"""Immutable payloads the model service sends to the interface (and requests it receives).

Arrays in payloads are read-only; a payload may be kept, shared and read from any thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from cnnviz.core.config import ModelConfig
from cnnviz.core.results import EpochResult, GradientResult, StepResult
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


@dataclass(frozen=True)
class ModelInfo:
    """The model now held by the service."""

    engine: str
    layer_names: tuple[str, ...]
    config: ModelConfig | None
    summary: ModelSummary | None
    source: str
    version: int


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
class InspectionRequest:
    """What to inspect: one input image ``(1, h, w, c)``; the gradient target is the loss of
    ``label`` (default: the predicted class) or, with ``class_index``, that class's logit."""

    request_id: int
    image: np.ndarray
    label: int | None = None
    class_index: int | None = None


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


@dataclass(frozen=True)
class ServiceError:
    """A failure turned into data: a title, a readable message, and technical details."""

    title: str
    message: str
    details: str = ""
    context: dict = field(default_factory=dict)


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
