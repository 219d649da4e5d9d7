"""The table a sanity check gives (method × step, Spearman and SSIM against the original maps), with
its explanation, as CSV and Markdown."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cnnviz.core.results import frozen

EXPLANATIONS = {
    "cascading": (
        "Cascading model-parameter randomization (Adebayo et al. 2018): the weights of each layer with "
        "parameters are re-initialised in turn, from the output layer down, keeping the earlier ones "
        "randomized; after each step every method's map is compared with its map on the trained model. "
        "A method that explains the model should lose its similarity as the model is destroyed (values "
        "falling towards 0); one that stays similar is showing the input (edges) rather than what the "
        "model learned."),
    "labels": (
        "Data (label) randomization (Adebayo et al. 2018): a copy of the model, re-initialised, is trained "
        "briefly on the same images with shuffled labels, so it can only memorise; each method's map from "
        "that model is compared with its map from the trained model. Similar maps mean the method does "
        "not depend on the relation between images and labels the model learned."),
}
METRICS_NOTE = ("Spearman: rank correlation of |map| (1: same ordering of pixels, 0: unrelated). SSIM: "
                "structural similarity of |map| scaled to [0, 1], Gaussian window σ = 1.5 px (1: identical). "
                "Each value is the mean over the images checked; '–' where a map was constant (undefined).")


@dataclass(frozen=True)
class SanityTable:
    """Similarity of each method's maps after each randomization step to its original maps.

    Attributes
    ----------
    kind : str
        ``"cascading"`` or ``"labels"``.
    methods : tuple of str
        Rows.
    steps : tuple of str
        Columns: the layers randomized so far (cascading, e.g. ``"dense_1"``, ``"dense_1…conv2d"``) or
        ``"shuffled labels"``.
    spearman, ssim : ndarray, shape (methods, steps), read-only
        Means over the images; NaN where undefined.
    num_images : int
    skipped : tuple of str
        Methods the engine could not compute, with the reason.
    details : str
        What else the check measured (the label-randomized model's accuracy).
    """

    kind: str
    methods: tuple[str, ...]
    steps: tuple[str, ...]
    spearman: np.ndarray
    ssim: np.ndarray
    num_images: int
    skipped: tuple[str, ...] = ()
    details: str = ""

    def __post_init__(self):
        object.__setattr__(self, "spearman", frozen(np.array(self.spearman, dtype=np.float64)))
        object.__setattr__(self, "ssim", frozen(np.array(self.ssim, dtype=np.float64)))

    @property
    def explanation(self) -> str:
        """What the check did and how to read the table."""
        parts = [EXPLANATIONS[self.kind], METRICS_NOTE, f"Images: {self.num_images}."]
        if self.details:
            parts.append(self.details)
        parts.extend(f"Not checked: {reason}" for reason in self.skipped)
        return "\n\n".join(parts)

    def to_csv(self) -> str:
        """One line per method and step: ``check,method,step,spearman,ssim``."""
        lines = ["check,method,step,spearman,ssim"]
        for row, method in enumerate(self.methods):
            for column, step in enumerate(self.steps):
                lines.append(f"{self.kind},{method},{step},{_number(self.spearman[row, column], 'nan')},"
                             f"{_number(self.ssim[row, column], 'nan')}")
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """A Markdown table (rows: methods; cells: ``Spearman / SSIM``) and the explanation."""
        header = "| method | " + " | ".join(self.steps) + " |"
        rule = "|---|" + "---|" * len(self.steps)
        rows = [f"| {method} | " + " | ".join(
            f"{_number(self.spearman[row, column])} / {_number(self.ssim[row, column])}"
            for column in range(len(self.steps))) + " |" for row, method in enumerate(self.methods)]
        title = ("Cascading randomization" if self.kind == "cascading" else "Label randomization")
        return "\n".join([f"### {title}: Spearman / SSIM against the original maps", "", header, rule, *rows, "",
                          self.explanation, ""])


def _number(value: float, missing: str = "–") -> str:
    return missing if math.isnan(value) else f"{value:.3f}"
