"""The error a configuration raises when it cannot be built or trained."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration that cannot be built or trained.

    Parameters
    ----------
    message : str
        What was received, what was expected and how to fix it.
    layer_index : int or None
        Position of the offending layer in ``ModelConfig.layers``, if any.
    setting : str or None
        Name of the offending setting (``"kernel_size"``, ``"learning_rate"`` ...).
    """

    def __init__(self, message: str, layer_index: int | None = None, setting: str | None = None):
        super().__init__(message)
        self.message = message
        self.layer_index = layer_index
        self.setting = setting
