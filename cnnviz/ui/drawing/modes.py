"""What the input panel can be drawing: digits, shapes or clothing, and what each mode says.

A mode decides where the panel's samples come from, which class names its bars carry until a
model says otherwise, which bundled model it offers, and the captions it writes. The tables
here are read by the panel and by its parts (sample picker, model notice).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cnnviz.core.datasets import CLASS_NAMES

if TYPE_CHECKING:
    from cnnviz.service.payloads import ModelInfo

__all__ = [
    "MODES",
    "MODE_TITLES",
    "MODE_DATASETS",
    "DATASET_MODES",
    "BUNDLED_MODELS",
    "MODE_CLASS_NAMES",
    "MODE_ONE",
    "MODE_KIND",
    "SAMPLE_SPLIT",
    "EMPTY_MESSAGES",
    "EMPTY_MESSAGE",
    "DRAWN_MESSAGES",
    "class_names_for",
    "training_of",
]

MODES: tuple[str, ...] = ("digits", "shapes", "clothing")
#: How the mode selector names each mode.
MODE_TITLES = {"digits": "Digits", "shapes": "Shapes", "clothing": "Clothing"}
#: Where each mode's samples come from.
MODE_DATASETS = {"digits": "mnist-sample", "shapes": "shapes", "clothing": "fashion-mnist"}
#: What a model trained on each dataset expects to see drawn.
DATASET_MODES = {"mnist-sample": "digits", "mnist": "digits", "shapes": "shapes", "shapes-colour": "shapes",
                 "fashion-mnist": "clothing"}
#: The model file in ``resources/`` offered for each mode, when one is bundled.
BUNDLED_MODELS = {"digits": "reference_model.npz", "shapes": "shapes_model.npz"}
#: The class names of each mode's dataset.
MODE_CLASS_NAMES = {mode: CLASS_NAMES[dataset] for mode, dataset in MODE_DATASETS.items()}
# How messages name what a mode's pictures show: one of them, and all of them.
MODE_ONE = {"digits": "a digit", "shapes": "a shape", "clothing": "a piece of clothing"}
MODE_KIND = {"digits": "digits", "shapes": "shapes", "clothing": "clothing"}
#: The split samples are taken from.
SAMPLE_SPLIT = "test"

EMPTY_MESSAGES = {
    "digits": "Draw a digit from 0 to 9, or load a test sample.",
    "shapes": "Draw a square, a triangle or a circle, or load a test sample.",
    "clothing": "Draw a piece of clothing, or load a Fashion-MNIST test sample.",
}
#: The caption of an empty canvas in the default (digits) mode.
EMPTY_MESSAGE = EMPTY_MESSAGES["digits"]
#: The caption under a drawing, with ``{box}`` (pixels its longer side gets) and ``{size}``.
DRAWN_MESSAGES = {
    "digits": "Your drawing, cropped, scaled to {box} px and centred in {size}, as MNIST digits were.",
    "shapes": "Your drawing, cropped, scaled to {box} px and centred in {size}, like the generated shapes.",
    "clothing": "Your drawing, cropped, scaled to {box} px and centred in {size}, the size of "
                "Fashion-MNIST pictures.",
}


def class_names_for(mode: str, model_dataset: str | None) -> tuple[str, ...]:
    """The class names of ``model_dataset`` when it is a known dataset, else ``mode``'s."""
    names = CLASS_NAMES.get(model_dataset or "")
    return tuple(names) if names else MODE_CLASS_NAMES[mode]


def training_of(info: ModelInfo) -> tuple[str | None, tuple[int, ...] | None]:
    """The training dataset and ``(height, width, channels)`` input of the service's model.

    A model without a configuration, or one opened from a ``.keras`` file (which stores no
    training dataset; the engine only guesses one from the number of classes), counts as
    trained on unknown data: its dataset is None.
    """
    config = info.config
    dataset = config.training.dataset if config is not None else None
    if Path(str(info.source)).suffix.lower() == ".keras":
        dataset = None
    return dataset, tuple(config.input_shape) if config is not None else None
