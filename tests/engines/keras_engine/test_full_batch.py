"""The report's way of training, full-batch gradient descent for a number of iterations, on both
engines: with identical starting weights they take the same steps."""

import numpy as np

from cnnviz.core.config import Dense, Flatten, ModelConfig, TrainingConfig
from cnnviz.core.results import StepResult
from cnnviz.core.training_data import TrainingData
from cnnviz.service.runner import train_run

from ..twins import relative_difference, twin_engines

TOLERANCE = 1e-4


def test_both_engines_take_the_same_full_batch_gradient_descent_steps():
    # The report's network, narrower, on a non-square input: gradient descent on all 48 images at once.
    config = ModelConfig(input_shape=(12, 10, 1),
                         layers=(Flatten(), Dense(units=16, activation="relu"), Dense(units=10, activation="softmax")),
                         training=TrainingConfig(optimizer="sgd", learning_rate=0.5, batch_size=8, full_batch=True,
                                                 iterations=6, validation_split=0.0))
    rng = np.random.default_rng(5)
    images = rng.random((48, 12, 10, 1), dtype=np.float32)
    labels = rng.integers(0, 10, 48)
    data = TrainingData("random", "memory", tuple("0123456789"), images, labels, images[:0], labels[:0],
                        images[:0], labels[:0])
    numpy_engine, keras_engine = twin_engines(config)
    losses = {}
    for engine in (numpy_engine, keras_engine):
        steps = [item for item in train_run(engine, data, None, epochs=1, batch_size=8, seed=0)
                 if isinstance(item, StepResult)]
        assert [(step.batch, step.num_batches, step.samples_seen) for step in steps] == [
            (0, 1, 48 * (index + 1)) for index in range(6)]
        losses[engine.name] = np.array([step.loss for step in steps])
    assert relative_difference(losses["numpy"], losses["keras"]) <= TOLERANCE
    assert losses["numpy"][-1] < losses["numpy"][0]  # the steps did learn
    ours, theirs = numpy_engine.get_weights(), keras_engine.get_weights()
    for layer in ours:
        for name in ours[layer]:
            assert relative_difference(ours[layer][name], theirs[layer][name]) <= TOLERANCE, (layer, name)
