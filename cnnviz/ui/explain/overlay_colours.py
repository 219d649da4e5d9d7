"""The colours of an attribution map laid over its input, as lookup tables for pyqtgraph.

The rule is the one ``cnnviz explain`` draws its figures with (:mod:`cnnviz.cli.explain_figure`): a
signed map runs from blue (negative) through the input itself (zero) to red (positive), symmetric
about zero; a non-negative map from the input itself (zero) through yellow to red (its maximum). The
colour's opacity grows with the magnitude, so the input shows through where the map is near zero.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

NEGATIVE = np.array([33, 102, 172], np.float64)
LOW = np.array([255, 200, 0], np.float64)
HIGH = np.array([215, 25, 28], np.float64)
LUT_SIZE = 256


def overlay_lut(signed: bool) -> np.ndarray:
    """RGBA lookup table ``(256, 4)`` uint8 over the levels ``(-limit, limit)`` (signed) or
    ``(0, limit)``; alpha is the magnitude."""
    position = np.linspace(0.0, 1.0, LUT_SIZE)
    scaled = 2 * position - 1 if signed else position
    magnitude = np.abs(scaled)[:, None]
    if signed:
        colour = np.where(scaled[:, None] < 0, NEGATIVE, HIGH)
    else:
        colour = LOW + (HIGH - LOW) * magnitude
    lut = np.empty((LUT_SIZE, 4), np.uint8)
    lut[:, :3] = np.round(colour).astype(np.uint8)
    lut[:, 3] = np.round(magnitude[:, 0] * 255).astype(np.uint8)
    return lut


def bar_colour_map(signed: bool, opacity: float = 1.0) -> pg.ColorMap:
    """The colour bar's map: the overlay's colours as they look over white at ``opacity``."""
    lut = overlay_lut(signed).astype(np.float64)
    alpha = lut[:, 3:4] / 255.0 * opacity
    blended = lut[:, :3] * alpha + 255.0 * (1 - alpha)
    return pg.ColorMap(np.linspace(0.0, 1.0, LUT_SIZE), np.round(blended).astype(np.uint8))


def map_levels(values: np.ndarray, signed: bool) -> tuple[float, float]:
    """The range the colours span: ``(-m, m)`` for a signed map (m its largest magnitude), ``(0, max)``
    otherwise; a map of zeros gets ``(-1, 1)`` or ``(0, 1)`` so that it shows uncoloured."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    limit = float(np.abs(finite).max()) if finite.size else 0.0
    limit = limit if limit > 0 else 1.0
    return (-limit, limit) if signed else (0.0, limit)
