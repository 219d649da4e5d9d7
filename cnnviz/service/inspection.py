"""One complete inspection of an input with an engine: what every viewer shows.

Used by the model service's worker and by ``cnnviz inspect``; no Qt here.
"""

from __future__ import annotations

import time

import numpy as np

from cnnviz.core.results import frozen
from cnnviz.engines.base import Engine
from cnnviz.service.payloads import InspectionResult


def run_inspection(engine: Engine, image: np.ndarray, label: int | None = None, class_index: int | None = None,
                   request_id: int = 0, model_version: int = 0) -> InspectionResult:
    """Feature maps, kernels, gradients and probabilities for one image ``(1, h, w, c)``.

    The gradient target is the loss of ``label`` (default: the predicted class), or with
    ``class_index`` that class's logit.
    """
    start = time.perf_counter()
    image = frozen(np.array(image, dtype=np.float32))
    labels = None if label is None else np.array([label])
    feature_maps = engine.feature_maps(image)
    gradients = engine.gradients(image, labels=labels, class_index=class_index)
    probabilities = frozen(np.array(engine.predict(image)[0]))
    return InspectionResult(request_id, model_version, image, probabilities, feature_maps, engine.kernels(),
                            gradients, tuple(engine.layer_names()), (time.perf_counter() - start) * 1000)
