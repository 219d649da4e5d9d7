"""Grad-CAM (Selvaraju et al. 2017) and Grad-CAM++ (Chattopadhay et al. 2018) at any layer whose
output is a stack of feature maps ``(h', w', c)``.

Both weigh the layer's maps ``A_c`` by how the class logit ``y`` depends on them, keep the positive
part, and upsample the result to the input's size bilinearly (:mod:`.resampling` states the rule):

* Grad-CAM: ``w_c = mean_ij ∂y/∂A_cij``; ``cam = ReLU(Σ_c w_c A_c)``.
* Grad-CAM++: ``α_cij = g² / (2 g² + Σ_ab A_cab g³)`` with ``g = ∂y/∂A_cij`` (the closed form that
  treats the score as ``exp(y)`` and uses first-order gradients for the higher powers, as the
  paper's own implementation does; ``α = 0`` where the denominator is 0);
  ``w_c = Σ_ij α_cij ReLU(g_cij)``; ``cam = ReLU(Σ_c w_c A_c)``.
"""

from __future__ import annotations

import numpy as np

from cnnviz.engines.base import Engine
from cnnviz.science.attribution.resampling import bilinear_resize
from cnnviz.science.attribution.result import AttributionMap, choose_class, class_gradients, make_result, one_image

GRAD_CAM_LEGEND = ("Yellow to red: how much the layer's feature maps at that place, weighted by their "
                   "gradient, support the class (positive part only); uncoloured: not at all.")


def spatial_layers(engine: Engine) -> list[str]:
    """The layers whose output is a stack of feature maps ``(n, h', w', c)``, in network order (from the
    configuration; for a foreign model without one, from a forward pass of a blank image)."""
    config = engine.config
    if config is None:
        probe = np.zeros((1, *engine.input_shape), np.float32)
        return [name for name, output in engine.feature_maps(probe).items() if np.ndim(output) == 4]
    from cnnviz.core.validation import layer_output_shape

    shape: tuple = tuple(config.input_shape)
    names = []
    for spec, name in zip(config.layers, config.layer_names()):
        shape = layer_output_shape(spec, shape)
        if len(shape) == 3:
            names.append(name)
    return names


def default_layer(engine: Engine) -> str:
    """The last convolution layer (by the configuration), or the last layer with feature maps."""
    layers = spatial_layers(engine)
    if not layers:
        raise ValueError("This model has no layer with feature maps (h, w, channels); Grad-CAM needs one.")
    config = engine.config
    if config is not None:
        kinds = dict(zip(config.layer_names(), (spec.kind for spec in config.layers)))
        convolutions = [name for name in layers if kinds.get(name) == "conv2d"]
        if convolutions:
            return convolutions[-1]
    return layers[-1]


def check_layer(engine: Engine, layer: str | None) -> str:
    """``layer`` after checking it has feature maps; the default layer when None."""
    if layer is None:
        return default_layer(engine)
    layers = spatial_layers(engine)
    if layer not in layers:
        raise ValueError(f"Grad-CAM needs a layer with feature maps; {layer!r} is not one. Choose one of: "
                         f"{', '.join(layers) or '(none)'}.")
    return layer


def cam_batch(engine: Engine, images: np.ndarray, class_index: int, layer: str,
              plus_plus: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Grad-CAM (or Grad-CAM++) for a batch.

    Returns
    -------
    maps : ndarray, shape (n, h, w)
        Upsampled to the input's size.
    coarse : ndarray, shape (n, h', w')
        At the layer's resolution.
    """
    activations = np.asarray(engine.feature_maps(images)[layer], dtype=np.float64)
    grads = np.asarray(class_gradients(engine, images, class_index).layers[layer], dtype=np.float64)
    if plus_plus:
        squared = grads ** 2
        denominator = 2.0 * squared + activations.sum(axis=(1, 2), keepdims=True) * grads ** 3
        alpha = np.divide(squared, denominator, out=np.zeros_like(squared), where=denominator != 0)
        weights = (alpha * np.maximum(grads, 0.0)).sum(axis=(1, 2))
    else:
        weights = grads.mean(axis=(1, 2))
    coarse = np.maximum(np.einsum("nijc,nc->nij", activations, weights), 0.0)
    size = engine.input_shape[:2]
    return np.stack([bilinear_resize(map_, size) for map_ in coarse]), coarse.astype(np.float32)


def _cam(method: str, engine: Engine, image, class_index, layer, plus_plus: bool) -> AttributionMap:
    batch = one_image(engine, image)
    class_index = choose_class(engine, batch, class_index)
    layer = check_layer(engine, layer)
    maps, coarse = cam_batch(engine, batch, class_index, layer, plus_plus)
    return make_result(method, class_index, maps[0], None, signed=False, legend=GRAD_CAM_LEGEND,
                       parameters={"layer": layer, "upsampling": "bilinear"}, coarse=coarse[0])


def grad_cam(engine: Engine, image: np.ndarray, class_index: int | None = None,
             layer: str | None = None) -> AttributionMap:
    """Grad-CAM of class ``class_index`` (default: predicted) at ``layer`` (default: the last
    convolution layer), upsampled to the input's size; ``coarse`` holds the layer-sized map."""
    return _cam("grad-cam", engine, image, class_index, layer, plus_plus=False)


def grad_cam_plus_plus(engine: Engine, image: np.ndarray, class_index: int | None = None,
                       layer: str | None = None) -> AttributionMap:
    """Grad-CAM++ of class ``class_index`` at ``layer``; see the module's formulas."""
    return _cam("grad-cam++", engine, image, class_index, layer, plus_plus=True)
