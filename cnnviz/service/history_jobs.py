"""The worker's History jobs (``service.history``): the embedding projector at two epochs of a run.

:class:`CompareEpochsRequest` loads the run's checkpoints of both epochs (the model the window holds is
kept), projects the same test images with each and aligns the second to the first
(:func:`cnnviz.science.epoch_comparison.compare_epochs`). A request the run cannot answer (no
checkpoint for an epoch, a dataset that is missing) comes back as an :class:`EpochComparisonAnswer`
with a readable ``message`` and no comparison, so the view that asked says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from cnnviz.science.epoch_comparison import EpochComparison
from cnnviz.service.payloads import JobKind

if TYPE_CHECKING:
    from cnnviz.service.worker import Worker


@dataclass(frozen=True)
class CompareEpochsRequest:
    """Project ``samples`` test images at ``epochs`` (0-based; -1: before training) of the run at ``run_path``."""

    kind: ClassVar[JobKind] = JobKind.REPLAY
    job_id: int
    run_path: str
    epochs: tuple[int, int]
    samples: int
    layer: str | None = None


@dataclass(frozen=True)
class EpochComparisonAnswer:
    """The answer to job ``job_id``: the comparison, or ``None`` and a ``message`` saying why not."""

    job_id: int
    run_path: str
    epochs: tuple[int, int]
    comparison: EpochComparison | None
    message: str = ""


def compare_epochs(worker: Worker, request: CompareEpochsRequest) -> None:
    """Run a :class:`CompareEpochsRequest` and send its answer."""
    from cnnviz.core.run_info import RunInfo
    from cnnviz.science.epoch_comparison import compare_epochs as compare

    def answer(comparison: EpochComparison | None, message: str = "") -> None:
        worker.signals.history.sig_epochs_compared.emit(
            EpochComparisonAnswer(request.job_id, request.run_path, request.epochs, comparison, message))

    info = RunInfo(Path(request.run_path))
    paths = []
    for epoch in request.epochs:
        path = info.checkpoint_at(epoch)
        if path is None:
            which = "from before training" if epoch < 0 else f"for epoch {epoch + 1}"
            answer(None, f"The run {info.name} kept no checkpoint {which}; choose an epoch it saved.")
            return
        paths.append(path)
    try:
        engines = [worker.options.loader(str(path)) for path in paths]
        answer(compare(engines[0], engines[1], request.epochs, layer=request.layer, samples=request.samples))
    except (ValueError, RuntimeError, OSError) as error:
        answer(None, f"Could not compare the epochs of {info.name}: {error}")
