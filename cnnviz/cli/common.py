"""What the commands share: the built-in dataset names, the error a command reports to the user, and reading
a configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cnnviz.core.config import ModelConfig


BUILT_IN_DATASETS = ("mnist-sample", "mnist", "fashion-mnist", "shapes", "shapes-colour", "cifar10")
"""The names --dataset takes (as cnnviz.core.datasets.DATASET_NAMES, without importing NumPy at start-up)."""


class CommandError(Exception):
    """A user-facing failure: printed as one readable line, exit status 2."""


def load_config(path: str | None) -> ModelConfig:
    """The validated configuration in the JSON file ``path``; the report's reference model when None."""
    from cnnviz.core.config import ModelConfig, reference_config
    from cnnviz.core.validation import validate

    config = reference_config() if path is None else ModelConfig.load(path)
    return validate(config)
