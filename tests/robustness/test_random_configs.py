"""Random configurations either validate and train, or are refused with a message — never a crash."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnviz.core.config import (
    ACTIVATIONS,
    AveragePooling2D,
    ConfigError,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPooling2D,
    ModelConfig,
)
from cnnviz.core.validation import find_problems
from cnnviz.engines.numpy_engine import NumpyEngine

sizes = st.integers(min_value=-1, max_value=6)
pairs = st.tuples(sizes, sizes)
activations = st.sampled_from(ACTIVATIONS + ("softmax", "gelu"))
layers = st.one_of(
    st.builds(Conv2D, filters=st.integers(-1, 6), kernel_size=pairs, strides=pairs,
              padding=st.sampled_from(["valid", "same", "full"]), activation=activations),
    st.builds(MaxPooling2D, pool_size=pairs, strides=st.one_of(st.none(), pairs)),
    st.builds(AveragePooling2D, pool_size=pairs, strides=st.one_of(st.none(), pairs)),
    st.builds(Dropout, rate=st.floats(-0.5, 1.5, allow_nan=False)),
    st.just(Flatten()),
    st.builds(Dense, units=st.integers(-1, 12), activation=activations),
)
small = st.integers(min_value=1, max_value=4)
spatial = st.one_of(
    st.builds(Conv2D, filters=st.integers(1, 6), kernel_size=st.tuples(small, small), strides=st.tuples(small, small),
              padding=st.sampled_from(["valid", "same"]), activation=st.sampled_from(ACTIVATIONS)),
    st.builds(MaxPooling2D, pool_size=st.tuples(small, small), strides=st.one_of(st.none(), st.tuples(small, small))),
    st.builds(AveragePooling2D, pool_size=st.tuples(small, small)),
    st.builds(Dropout, rate=st.floats(0.0, 0.9)),
)
hidden = st.builds(Dense, units=st.integers(1, 12), activation=st.sampled_from(ACTIVATIONS))
# Mostly plausible networks (which may still be impossible, e.g. pooling to nothing), and some
# arbitrary layer lists, so both sides of validation are exercised.
plausible = st.builds(lambda convs, dense: ModelConfig(layers=(*convs, Flatten(), *dense,
                                                               Dense(units=10, activation="softmax"))),
                      st.lists(spatial, max_size=5), st.lists(hidden, max_size=2))
arbitrary = st.builds(
    lambda body, last: ModelConfig(layers=tuple(body) + ((last,) if last else ())),
    st.lists(layers, max_size=6),
    st.one_of(st.none(), st.just(Dense(units=10, activation="softmax"))),
)
configs = st.one_of(plausible, arbitrary)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs)
def test_random_configurations_validate_and_train_or_are_refused(config):
    problems = find_problems(config)
    if problems:
        for problem in problems:
            assert isinstance(problem, ConfigError) and problem.message.strip()
        return
    engine = NumpyEngine(config)
    images = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    loss, accuracy = engine.train_step(images, np.array([0, 1, 2, 3]))
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0
    assert engine.predict(images).shape == (4, 10)
    # The JSON form round-trips even for odd but valid configurations.
    assert ModelConfig.from_json(config.to_json()) == config
