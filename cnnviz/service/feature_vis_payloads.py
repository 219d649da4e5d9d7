"""What the model service sends and receives for feature visualization and top images: requests
(frozen, read only by the worker), progress and answers (frozen, read-only arrays).

A failure the person can act on (a layer without units, a dataset that does not fit the model, a
cancelled job) travels as an answer with an empty result and a readable ``message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from cnnviz.science.feature_vis import FeatureVisResult, Settings
from cnnviz.science.feature_vis.top_images import TopImages
from cnnviz.service.payloads import JobKind


@dataclass(frozen=True)
class FeatureVisRequest:
    """Visualize ``units`` of ``layer`` with ``settings``."""

    kind: ClassVar[JobKind] = JobKind.SCIENCE
    job_id: int
    layer: str
    units: tuple[int, ...]
    settings: Settings


@dataclass(frozen=True)
class FeatureVisProgress:
    """A step of a visualization: the images so far ``(n, h, w, c)``, their spectra ``(n, h, w)`` (as in
    :class:`FeatureVisAnswer`) and each unit's objective."""

    job_id: int
    step: int
    num_steps: int
    images: np.ndarray
    values: np.ndarray
    spectra: np.ndarray


@dataclass(frozen=True)
class FeatureVisAnswer:
    """The answer to a :class:`FeatureVisRequest`: the result and each image's centred log DFT magnitude
    ``spectra`` ``(n, h, w)`` (the channels' mean), or a ``message`` saying why there is none.
    ``cached`` when the same request for the same model was answered before."""

    job_id: int
    model_version: int
    result: FeatureVisResult | None
    spectra: np.ndarray | None
    cached: bool = False
    cancelled: bool = False
    message: str = ""


@dataclass(frozen=True)
class TopImagesRequest:
    """Find the ``count`` training images that excite each unit of ``layer`` most."""

    kind: ClassVar[JobKind] = JobKind.SCIENCE
    job_id: int
    layer: str
    count: int = 9


@dataclass(frozen=True)
class TopImagesProgress:
    """``done`` of ``total`` images searched."""

    job_id: int
    done: int
    total: int


@dataclass(frozen=True)
class TopImagesAnswer:
    """The answer to a :class:`TopImagesRequest` (``result`` None with a ``message`` when there is none)."""

    job_id: int
    model_version: int
    result: TopImages | None
    cached: bool = False
    cancelled: bool = False
    message: str = ""
