"""The colour maps the viewers offer, by name, and which of them are diverging.

Every image view (the layer viewers, the Science and History tabs) takes its colour maps
from :func:`get_colormap`, so that a name means the same colours everywhere.
"""

from __future__ import annotations

from functools import cache

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
