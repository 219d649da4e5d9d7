"""One complete inspection of an input with an engine: what every viewer shows.

Used by the model service's worker and by ``cnnviz inspect``; no Qt here. Besides what the
engine gives (feature maps, kernels, gradients, probabilities), the worker derives here what the
views would otherwise compute on the interface thread: the Fourier spectra of every layer's maps
and of the kernels (:func:`cnnviz.core.layer_spectra.inspection_spectra`), and the flipped-kernel
check of every convolution (:func:`cnnviz.science.flip_identity.flip_checks`). Kernel spectra
are kept between inspections (:data:`KERNEL_SPECTRA`): until the weights change, the kernels and
so their spectra are the same for every input.
"""

from __future__ import annotations

import time

import numpy as np

from cnnviz.core.layer_graph import LayerGraph
from cnnviz.core.layer_spectra import KernelSpectraCache, inspection_spectra
from cnnviz.core.results import Weights, frozen
from cnnviz.engines.base import Engine
from cnnviz.science.flip_identity import flip_checks
from cnnviz.service.payloads import InspectionResult

KERNEL_SPECTRA = KernelSpectraCache()
"""Kernel spectra, found again by the kernels' content, shared by every inspection in this process."""


def run_inspection(engine: Engine, image: np.ndarray, label: int | None = None, class_index: int | None = None,
                   request_id: int = 0, model_version: int = 0) -> InspectionResult:
    """Feature maps, kernels, gradients and probabilities for one image ``(1, h, w, c)``, with the
    spectra and flip checks derived from them.

    The gradient target is the loss of ``label`` (default: the predicted class), or with
    ``class_index`` that class's logit.
    """
    start = time.perf_counter()
    image = frozen(np.array(image, dtype=np.float32))
    labels = None if label is None else np.array([label])
    # Gradients first: an engine that finds the feature maps and prediction on the way keeps them.
    gradients = engine.gradients(image, labels=labels, class_index=class_index)
    feature_maps = engine.feature_maps(image)
    probabilities = frozen(np.array(engine.predict(image)[0]))
    kernels = engine.kernels()
    layer_names = tuple(engine.layer_names())
    spectra = inspection_spectra(feature_maps, kernels, layer_names, KERNEL_SPECTRA)
    checks = flip_checks(engine.config, image, gradients, feature_maps, kernels)
    return InspectionResult(request_id, model_version, image, probabilities, feature_maps, kernels, gradients,
                            layer_names, (time.perf_counter() - start) * 1000, spectra=spectra, flip_checks=checks,
                            layer_graph=describe_layers(engine), weights=frozen_weights(engine),
                            config=engine.config)


def frozen_weights(engine) -> Weights | None:
    """A read-only copy of the engine's parameters, for the unit explainer (None for an engine
    without :meth:`~cnnviz.engines.base.Engine.get_weights`, a stand-in of a test)."""
    get_weights = getattr(engine, "get_weights", None)
    if get_weights is None:
        return None
    return {layer: {name: frozen(array) for name, array in params.items()}
            for layer, params in get_weights().items()}


def describe_layers(engine) -> LayerGraph | None:
    """The engine's :meth:`~cnnviz.engines.base.Engine.layer_graph`, or None for an engine without one
    (a stand-in engine of a test)."""
    describe = getattr(engine, "layer_graph", None)
    return describe() if describe is not None else None
