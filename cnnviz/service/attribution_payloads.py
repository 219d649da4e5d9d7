"""What the model service sends and receives for attribution maps and their sanity checks: the
requests (frozen, read only by the worker) and the answers (frozen, read-only arrays).

Failures the person can act on travel as data: an answer with an empty ``attribution`` carries a
readable ``message`` (a method the engine cannot compute, a bad setting, a check that was cancelled),
so the Explain tab shows it in place instead of an error dialog.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from cnnviz.science.attribution import AttributionMap, SanityTable
from cnnviz.service.payloads import JobKind


@dataclass(frozen=True)
class AttributionRequest:
    """Explain ``image`` ``(1, h, w, c)`` (read-only) with ``method`` (a name :func:`explain` takes)
    for ``class_index`` (None: the predicted class), with the method's ``settings``."""

    kind: ClassVar[JobKind] = JobKind.INSPECT
    job_id: int
    image: np.ndarray
    method: str
    class_index: int | None
    settings: Mapping[str, object]


@dataclass(frozen=True)
class SanityRequest:
    """Run the cascading randomization (and, with ``labels``, the label randomization) of ``methods``
    on ``image`` ``(1, h, w, c)``; ``epochs`` and ``num_train`` size the label-randomized copy."""

    kind: ClassVar[JobKind] = JobKind.SCIENCE
    job_id: int
    image: np.ndarray
    methods: tuple[str, ...]
    labels: bool
    settings: Mapping[str, object]
    epochs: int = 1
    num_train: int = 256


@dataclass(frozen=True)
class AttributionResult:
    """The answer to an :class:`AttributionRequest`.

    ``attribution`` is None when the map could not be computed; ``message`` then says why
    (``unavailable`` tells a method the engine lacks from a bad setting). ``predicted`` is the class
    the model predicts for the image.
    """

    request_id: int
    model_version: int
    image: np.ndarray
    method: str
    attribution: AttributionMap | None
    predicted: int | None
    elapsed_ms: float
    message: str = ""
    unavailable: bool = False


@dataclass(frozen=True)
class SanityProgress:
    """How far a sanity check has come: ``done`` of ``total`` steps of the check named ``check``."""

    job_id: int
    check: str
    done: int
    total: int
    text: str


@dataclass(frozen=True)
class SanityResult:
    """The tables a sanity check made (one per check run), or a ``message`` saying why there are
    none or fewer (``cancelled`` when the person stopped it)."""

    job_id: int
    tables: tuple[SanityTable, ...]
    cancelled: bool = False
    message: str = ""
