"""Which analyses there are, which parameters each takes, and running one by name.

The model service's worker runs an analysis by its kind (``run("symmetry", engine,
transform="sign_flip")``); :data:`CHANGES_WEIGHTS` tells it which analyses may change the
engine's weights, so it can bump the model version.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING

from cnnviz.science.dead_filters import dead_filters, prune
from cnnviz.science.embedding import embed
from cnnviz.science.evaluation import evaluate_test_split
from cnnviz.science.flip_identity import flip
from cnnviz.science.spectra_matrix import similarity_matrix
from cnnviz.science.spectra_pair import compare_pair
from cnnviz.science.symmetries import symmetry

if TYPE_CHECKING:
    from cnnviz.engines.base import Engine

_ANALYSES: dict[str, Callable] = {
    "similarity_matrix": similarity_matrix,
    "compare_pair": compare_pair,
    "symmetry": symmetry,
    "dead_filters": dead_filters,
    "prune": prune,
    "flip": flip,
    "evaluation": evaluate_test_split,
    "embedding": embed,
}
KINDS = tuple(_ANALYSES)
"""The analyses :func:`run` knows."""
CHANGES_WEIGHTS = {"prune": True}
"""Analyses that change the engine's weights when called with ``keep=True``."""


def parameters(kind: str) -> tuple[str, ...]:
    """The keyword parameters analysis ``kind`` takes."""
    if kind not in _ANALYSES:
        raise ValueError(f"Unknown analysis {kind!r}; expected one of {', '.join(KINDS)}.")
    return tuple(name for name in inspect.signature(_ANALYSES[kind]).parameters if name != "engine")


def run(kind: str, engine: Engine, /, **params):
    """Run analysis ``kind`` on ``engine`` with keyword ``params``; returns its frozen result.

    Raises
    ------
    ValueError
        For an unknown kind or parameter, or bad parameter values (the message says which).
    """
    accepted = parameters(kind)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        hint = (" (kind names the analysis; name the weight transform with transform=...)"
                if kind == "symmetry" and "kind" in unknown else "")
        raise ValueError(f"The {kind} analysis takes {', '.join(accepted)}; received unknown "
                         f"parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}{hint}.")
    return _ANALYSES[kind](engine, **params)
