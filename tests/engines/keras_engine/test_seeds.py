"""The Keras engine takes the seeds the NumPy engine takes, and refuses the others with the same message."""

import pytest

from cnnviz.core.config import ConfigError, Dense, Flatten, ModelConfig
from cnnviz.engines.keras_engine import KerasEngine

TINY = ModelConfig(layers=(Flatten(), Dense(units=10, activation="softmax")))


def test_the_keras_engine_refuses_a_seed_outside_32_bits_with_the_shared_message():
    with pytest.raises(ConfigError, match=r"seed must be an integer in \[0, 2\*\*32\) .* received 4,294,967,296"):
        KerasEngine(TINY.with_training(seed=2**32))
    with pytest.raises(ConfigError, match=r"seed must be an integer in \[0, 2\*\*32\)"):
        KerasEngine(TINY, seed=2**32)
    assert KerasEngine(TINY, seed=2**32 - 1).layer_names() == ["flatten", "dense"]
