"""Gradient-based maps: the gradient itself (saliency), gradient × input, and guided
backpropagation.

All three come from one backward pass of the class logit. ``engine.gradients(batch, class_index=K)``
differentiates the logit of class K summed over the batch, so each image's input gradient is its
own; the ``*_batch`` functions below therefore work on any batch at once (SmoothGrad and the sanity
checks feed them many images in one engine call).
"""

from __future__ import annotations

import numpy as np

from cnnviz.engines.base import Engine
from cnnviz.science.attribution.result import (
    AttributionMap,
    AttributionUnavailable,
    choose_class,
    class_gradients,
    make_result,
    one_image,
    reduce_channels,
)

GRADIENT_LEGEND = ("Yellow to red: how strongly a small change of the pixel changes the class score "
                   "(largest magnitude over the channels); uncoloured: no effect.")
GRADIENT_X_INPUT_LEGEND = ("Red: the pixel's value raises the class score (input × gradient > 0); blue: "
                           "lowers it; uncoloured: no effect. Summed over the channels.")
GUIDED_LEGEND = ("Yellow to red: guided backpropagation's magnitude (largest over the channels), gradients "
                 "passed only through active units where they are positive; uncoloured: zero.")


def gradient_batch(engine: Engine, images: np.ndarray, class_index: int) -> np.ndarray:
    """Each image's gradient of the class logit with respect to its input, shape (n, h, w, c)."""
    return np.array(class_gradients(engine, images, class_index).input, dtype=np.float32)


def gradient_x_input_batch(engine: Engine, images: np.ndarray, class_index: int) -> np.ndarray:
    """Input ⊙ gradient of the class logit, shape (n, h, w, c)."""
    return images * gradient_batch(engine, images, class_index)


def guided_batch(engine: Engine, images: np.ndarray, class_index: int) -> np.ndarray:
    """Guided backpropagation (Springenberg et al. 2015) of the class logit, shape (n, h, w, c).

    Uses the engine's optional ``guided_gradients(images, class_index)``.

    Raises
    ------
    AttributionUnavailable
        When the engine has no such method.
    """
    guided = getattr(engine, "guided_gradients", None)
    if guided is None:
        raise AttributionUnavailable(
            f"The {getattr(engine, 'name', type(engine).__name__)} engine cannot compute guided backpropagation "
            "(it offers no guided gradients for this model). Open the model in the NumPy engine (a .npz model), "
            "or choose another method such as gradient or grad-cam.")
    return np.array(guided(images, class_index), dtype=np.float32)


def gradient(engine: Engine, image: np.ndarray, class_index: int | None = None) -> AttributionMap:
    """Saliency (Simonyan et al. 2014): ``|∂ logit_K / ∂ x|``, the largest over the channels.

    Parameters
    ----------
    image : ndarray, shape (h, w, c) or (1, h, w, c)
    class_index : int, optional
        The class K explained; defaults to the predicted class.
    """
    batch = one_image(engine, image)
    class_index = choose_class(engine, batch, class_index)
    values = gradient_batch(engine, batch, class_index)[0]
    return make_result("gradient", class_index, reduce_channels(values, "max-abs"), values,
                       signed=False, legend=GRADIENT_LEGEND)


def gradient_x_input(engine: Engine, image: np.ndarray, class_index: int | None = None) -> AttributionMap:
    """Gradient × input: ``x ⊙ ∂ logit_K / ∂ x``, summed over the channels (signed)."""
    batch = one_image(engine, image)
    class_index = choose_class(engine, batch, class_index)
    values = gradient_x_input_batch(engine, batch, class_index)[0]
    return make_result("gradient-x-input", class_index, reduce_channels(values, "sum"), values,
                       signed=True, legend=GRADIENT_X_INPUT_LEGEND)


def guided_backprop(engine: Engine, image: np.ndarray, class_index: int | None = None) -> AttributionMap:
    """Guided backpropagation: at every ReLU the gradient passes only where both the unit's input and
    the incoming gradient are positive. Shown as the largest magnitude over the channels.

    Raises
    ------
    AttributionUnavailable
        When the engine offers no guided gradients (see :func:`guided_batch`).
    """
    batch = one_image(engine, image)
    class_index = choose_class(engine, batch, class_index)
    values = guided_batch(engine, batch, class_index)[0]
    return make_result("guided-backprop", class_index, reduce_channels(values, "max-abs"), values,
                       signed=False, legend=GUIDED_LEGEND)
