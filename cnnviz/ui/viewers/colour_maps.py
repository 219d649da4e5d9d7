"""The colour maps the viewers offer, by name, which of them are diverging, and the range an image spans.

Every image view (the layer viewers, the Science and History tabs) takes its colour maps
from :func:`get_colormap`, so that a name means the same colours everywhere, and the range
of values they are drawn over from :func:`image_levels` (or, for a grid of maps,
:func:`~cnnviz.ui.viewers.grid_cells.map_levels`).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyqtgraph as pg

DIVERGING_COLORMAP = "CET-D1"
"""The default diverging colour map (blue - white - red), for signed values centred at zero."""

COLORMAP_NAMES = ("viridis", "inferno", "magma", "gray", DIVERGING_COLORMAP)
"""Colour maps offered in the viewers' colour-map boxes."""

COLORMAP_LABELS = {"viridis": "viridis", "inferno": "inferno", "magma": "magma", "gray": "gray",
                   DIVERGING_COLORMAP: "diverging"}
"""Human-readable names of :data:`COLORMAP_NAMES`."""


@cache
def get_colormap(name: str) -> pg.ColorMap:
    """The pyqtgraph colour map called ``name``.

    ``"gray"`` is a black-to-white ramp; any map bundled with pyqtgraph (``"viridis"``,
    ``"inferno"``, ``"magma"``, ``"CET-D1"`` ...) is loaded from its files. Should the bundled
    diverging map be missing, a blue-white-red map is built instead.

    Raises
    ------
    ValueError
        For a name that is neither built in nor bundled with pyqtgraph.
    """
    if name in ("gray", "grey"):
        return pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)], name="gray")
    try:
        return pg.colormap.get(name)
    except (OSError, ValueError, KeyError) as error:
        if is_diverging(name):
            return pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (247, 247, 247), (178, 24, 43)],
                               name="diverging")
        raise ValueError(f"Unknown colour map {name!r}; expected one of {', '.join(COLORMAP_NAMES)} "
                         f"or another map bundled with pyqtgraph.") from error


def is_diverging(name: str) -> bool:
    """Whether ``name`` is a diverging colour map (meant for values centred at zero)."""
    return name == "diverging" or name.startswith("CET-D")


def image_levels(array: np.ndarray, symmetric: bool) -> tuple[float, float]:
    """A never-empty colour range: ``-m .. m`` (``m`` the largest ``|value|``) or ``min .. max``."""
    finite = np.asarray(array)[np.isfinite(array)]
    if not finite.size:
        return (-1.0, 1.0) if symmetric else (0.0, 1.0)
    if symmetric:
        high = float(np.abs(finite).max()) or 1.0
        return -high, high
    low, high = float(finite.min()), float(finite.max())
    return (low, high) if high > low else (low, low + 1.0)
