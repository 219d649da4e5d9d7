"""One inspection of an input with an engine: what the viewers show, as much of it as they ask for.

Used by the model service's worker and by ``cnnviz inspect``; no Qt here. Every inspection carries
the feature maps, probabilities, kernels, parameters and layer graph; the optional parts
(:data:`~cnnviz.service.payloads.ALL_PARTS`) are computed only when asked for: the gradients, the
Fourier spectra of every layer's maps and of the kernels
(:func:`cnnviz.core.layer_spectra.inspection_spectra`), and the flipped-kernel check of every
convolution (:func:`cnnviz.science.flip_identity.flip_checks`).

With an :class:`InspectionCache` (the worker keeps one), what does not depend on the input (the
kernels, the parameters, the layer graph) is read once per model version, and an inspection of the
input last inspected only computes the parts its predecessor lacked: a view that needs more than
the stroke's inspection brought is completed quickly, once. Kernel spectra are kept between
inspections (:data:`KERNEL_SPECTRA`): until the weights change, they are the same for every input.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from cnnviz.core.config import ModelConfig
from cnnviz.core.layer_graph import LayerGraph
from cnnviz.core.layer_spectra import KernelSpectraCache, inspection_spectra
from cnnviz.core.results import Weights, frozen
from cnnviz.engines.base import Engine
from cnnviz.science.flip_identity import flip_checks
from cnnviz.service.payloads import ALL_PARTS, FLIP_CHECKS, GRADIENTS, SPECTRA, InspectionResult, inspection_parts

KERNEL_SPECTRA = KernelSpectraCache()
"""Kernel spectra, found again by the kernels' content, shared by every inspection in this process."""


@dataclass(frozen=True)
class ModelArrays:
    """What an inspection carries that depends on the model alone (read-only arrays)."""

    kernels: dict[str, np.ndarray]
    layer_names: tuple[str, ...]
    layer_graph: LayerGraph | None
    weights: Weights | None
    config: ModelConfig | None

    @classmethod
    def of(cls, engine: Engine) -> ModelArrays:
        return cls(engine.kernels(), tuple(engine.layer_names()), describe_layers(engine), frozen_weights(engine),
                   engine.config)


class InspectionCache:
    """What one worker keeps between inspections: the model's arrays for one model version, and the
    newest inspection (to complete it when the same input is asked for again with more parts).

    Only the worker's thread uses it; :meth:`clear` after anything that may change the weights
    without a new model version.
    """

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._engine: Engine | None = None
        self._version = 0
        self._model: ModelArrays | None = None
        self._last: InspectionResult | None = None

    def model_arrays(self, engine: Engine, version: int) -> ModelArrays:
        """The model's arrays for ``engine`` at ``version``, read from the engine once."""
        if self._model is None or self._engine is not engine or self._version != version:
            self._engine, self._version, self._last = engine, version, None
            self._model = ModelArrays.of(engine)
        return self._model

    def earlier(self, engine: Engine, version: int, image: np.ndarray) -> InspectionResult | None:
        """The newest inspection if it was of this very ``image`` by ``engine`` at ``version``."""
        last = self._last
        if (last is None or self._engine is not engine or self._version != version
                or last.image.shape != image.shape or not np.array_equal(last.image, image)):
            return None
        return last

    def remember(self, result: InspectionResult) -> None:
        self._last = result


def run_inspection(engine: Engine, image: np.ndarray, label: int | None = None, class_index: int | None = None,
                   request_id: int = 0, model_version: int = 0, parts=ALL_PARTS,
                   cache: InspectionCache | None = None,
                   spectra_layers: tuple[str, ...] | None = None) -> InspectionResult:
    """Feature maps, probabilities and kernels for one image ``(1, h, w, c)``, with the optional
    ``parts`` (default: all) derived from them.

    The gradient target is the loss of ``label`` (default: the predicted class), or with
    ``class_index`` that class's logit. With a ``cache``, the model's arrays are read once per
    ``model_version``, and the parts an earlier inspection of the same image found are reused
    (the result then holds those too). ``spectra_layers``: the layers whose feature-map spectra are
    made now (default: as many as :data:`~cnnviz.core.layer_spectra.EAGER_MAP_ELEMENTS` allows); the
    others' are made when first read.
    """
    start = time.perf_counter()
    parts = inspection_parts(parts)
    image = frozen(np.array(image, dtype=np.float32))
    target = (label, class_index)
    model = cache.model_arrays(engine, model_version) if cache is not None else ModelArrays.of(engine)
    earlier = cache.earlier(engine, model_version, image) if cache is not None else None
    kept = frozenset() if earlier is None else (
        earlier.parts if earlier.target == target else earlier.parts - {GRADIENTS, FLIP_CHECKS})
    gradients = earlier.gradients if earlier is not None and GRADIENTS in kept else None
    if GRADIENTS in parts - kept:
        labels = None if label is None else np.array([label])
        # Gradients first: an engine that finds the feature maps and prediction on the way keeps them.
        gradients = engine.gradients(image, labels=labels, class_index=class_index)
    if earlier is not None:
        feature_maps, probabilities = earlier.feature_maps, earlier.probabilities
    else:
        feature_maps = engine.feature_maps(image)
        probabilities = frozen(np.array(engine.predict(image)[0]))
    spectra = earlier.spectra if earlier is not None and SPECTRA in kept else None
    if SPECTRA in parts - kept:
        spectra = inspection_spectra(feature_maps, model.kernels, model.layer_names, KERNEL_SPECTRA,
                                     eager_layers=spectra_layers)
    checks = earlier.flip_checks if earlier is not None and FLIP_CHECKS in kept else None
    if FLIP_CHECKS in parts - kept and gradients is not None:
        checks = flip_checks(model.config, image, gradients, feature_maps, model.kernels)
    result = InspectionResult(request_id, model_version, image, probabilities, feature_maps, model.kernels,
                              gradients, model.layer_names, (time.perf_counter() - start) * 1000, spectra=spectra,
                              flip_checks=checks, layer_graph=model.layer_graph, weights=model.weights,
                              config=model.config, parts=parts | kept, target=target)
    if cache is not None:
        cache.remember(result)
    return result


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
