"""Occlusion sensitivity (Zeiler & Fergus 2014): cover a square patch with a fill value, see how much
the class's probability drops.

Each patch position (every ``stride`` pixels, the last one flush with the far edge so the whole image
is covered) gives one occluded copy of the image; all copies go through ``engine.predict`` in
batches. A pixel's value is the mean drop ``p(image) - p(occluded)`` over the patches that cover it:
positive where hiding the pixel hurts the class, negative where it helps.
"""

from __future__ import annotations

import numpy as np

from cnnviz.engines.base import Engine, as_batch
from cnnviz.science.attribution.result import AttributionMap, choose_class, make_result, one_image
from cnnviz.science.checks import integer

OCCLUSION_LEGEND = ("Red: hiding the pixel (with the patches that cover it) lowers the class's probability; "
                    "blue: raises it; uncoloured: no change.")


def patch_starts(size: int, patch: int, stride: int) -> list[int]:
    """Start offsets along one axis: every ``stride`` pixels, plus one flush with the end."""
    starts = list(range(0, max(size - patch, 0) + 1, stride))
    if starts[-1] + patch < size:
        starts.append(size - patch)
    return starts


def occlusion_batch(engine: Engine, images: np.ndarray, class_index: int, *, patch_size: int = 4,
                    stride: int = 2, fill: float = 0.0, batch_size: int = 256) -> np.ndarray:
    """Occlusion maps of each image of a batch, shape (n, h, w)."""
    height, width = engine.input_shape[:2]
    patch_size = integer(patch_size, "patch_size", 1)
    stride = integer(stride, "stride", 1)
    if patch_size > min(height, width):
        raise ValueError(f"patch_size must be at most the image's smaller side ({min(height, width)}), "
                         f"received {patch_size}.")
    positions = [(top, left) for top in patch_starts(height, patch_size, stride)
                 for left in patch_starts(width, patch_size, stride)]
    maps = []
    for image in as_batch(images, engine.input_shape):
        reference = float(engine.predict(image[None])[0, class_index])
        drops = np.zeros((height, width))
        counts = np.zeros((height, width))
        for first in range(0, len(positions), batch_size):
            chunk = positions[first:first + batch_size]
            occluded = np.repeat(image[None], len(chunk), axis=0)
            for index, (top, left) in enumerate(chunk):
                occluded[index, top:top + patch_size, left:left + patch_size, :] = fill
            probabilities = engine.predict(occluded, batch_size=batch_size)[:, class_index]
            for (top, left), probability in zip(chunk, probabilities):
                drops[top:top + patch_size, left:left + patch_size] += reference - probability
                counts[top:top + patch_size, left:left + patch_size] += 1
        maps.append(drops / counts)
    return np.asarray(maps, dtype=np.float32)


def occlusion(engine: Engine, image: np.ndarray, class_index: int | None = None, *, patch_size: int = 4,
              stride: int = 2, fill: float = 0.0, batch_size: int = 256) -> AttributionMap:
    """Occlusion sensitivity of class ``class_index`` (default: predicted) for one image.

    Parameters
    ----------
    patch_size : int
        Side of the square patch, in pixels.
    stride : int
        Step between patch positions.
    fill : float
        The value the patch is filled with (0: black).
    batch_size : int
        Occluded copies per ``predict`` call.
    """
    batch = one_image(engine, image)
    class_index = choose_class(engine, batch, class_index)
    values = occlusion_batch(engine, batch, class_index, patch_size=patch_size, stride=stride, fill=fill,
                             batch_size=batch_size)[0]
    return make_result("occlusion", class_index, values, None, signed=True, legend=OCCLUSION_LEGEND,
                       parameters={"patch": patch_size, "stride": stride, "fill": fill})
