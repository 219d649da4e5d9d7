"""Optimizer steps against Keras 3's update rules written out by hand (float64 reference)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.engines.numpy_engine.optimizers import SGD, Adam, Momentum, make_optimizer

START = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -0.25]], np.float32)
# Three steps of gradients; the last column holds a tiny gradient, where Adam's epsilon matters.
GRADIENTS = [
    np.array([[0.1, -0.2, 1e-7], [1.5, -3.0, 2e-7]], np.float32),
    np.array([[-0.3, 0.4, 1e-7], [0.5, 1.0, -1e-7]], np.float32),
    np.array([[0.2, 0.0, 3e-7], [-2.5, 0.25, 1e-7]], np.float32),
]
LEARNING_RATES = [0.01, 0.01, 0.003]  # the rate may change between steps


def run(optimizer, parameter):
    """Three steps; returns the parameter after each."""
    history = []
    for rate, gradient in zip(LEARNING_RATES, GRADIENTS):
        optimizer.learning_rate = rate
        optimizer.apply([parameter], [gradient.copy()])
        assert parameter.dtype == np.float32
        history.append(parameter.copy())
    return history


def test_sgd():
    parameter = START.copy()
    history = run(SGD(LEARNING_RATES[0]), parameter)
    w = START.astype(np.float64)
    for step, (rate, g) in enumerate(zip(LEARNING_RATES, GRADIENTS)):
        w = w - rate * g
        np.testing.assert_allclose(history[step], w, rtol=1e-6, atol=1e-8)


def test_momentum():
    parameter = START.copy()
    optimizer = Momentum(LEARNING_RATES[0], momentum=0.8)
    history = run(optimizer, parameter)
    w, v = START.astype(np.float64), np.zeros(START.shape)
    for step, (rate, g) in enumerate(zip(LEARNING_RATES, GRADIENTS)):
        v = 0.8 * v - rate * g
        w = w + v
        np.testing.assert_allclose(history[step], w, rtol=1e-6, atol=1e-8)
    assert all(slot.dtype == np.float32 for slots in optimizer.slots.values() for slot in slots)


def adam_reference(beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    w, m, v = START.astype(np.float64), np.zeros(START.shape), np.zeros(START.shape)
    history = []
    for t, (rate, g) in enumerate(zip(LEARNING_RATES, GRADIENTS), start=1):
        g = g.astype(np.float64)
        m = m + (g - m) * (1 - beta_1)
        v = v + (g * g - v) * (1 - beta_2)
        alpha = rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        w = w - alpha * m / (np.sqrt(v) + epsilon)
        history.append(w)
    return history


def test_adam():
    parameter = START.copy()
    optimizer = Adam(LEARNING_RATES[0])
    history = run(optimizer, parameter)
    for step, expected in enumerate(adam_reference()):
        np.testing.assert_allclose(history[step], expected, rtol=1e-6, atol=1e-7, err_msg=f"step {step + 1}")
    assert all(slot.dtype == np.float32 for slots in optimizer.slots.values() for slot in slots)
    # The check can tell Keras's epsilon (1e-7) from PyTorch's (1e-8) on the tiny gradients.
    other = adam_reference(epsilon=1e-8)[-1]
    assert not np.allclose(history[-1][:, 2], other[:, 2], rtol=1e-6, atol=1e-7)


def test_adam_first_step_is_the_learning_rate_times_a_damped_sign():
    """Step 1 of Keras's Adam: m = 0.1 g, sqrt(v) = sqrt(0.001) |g|, alpha = lr sqrt(0.001) / 0.1, so
    w -= lr * g / (|g| + 1e-7 / sqrt(0.001)): about lr for gradients far above 3e-6."""
    gradient = np.array([3.0, -0.5, 1e-3, 40.0, 1e-6], np.float32)
    parameter = np.zeros(5, np.float32)
    Adam(0.01).apply([parameter], [gradient])
    g = gradient.astype(np.float64)
    np.testing.assert_allclose(parameter, -0.01 * g / (np.abs(g) + 1e-7 / np.sqrt(0.001)), rtol=1e-5)


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Momentum(0.1, 0.9), lambda: Adam(0.1)],
                         ids=["sgd", "momentum", "adam"])
def test_updates_are_in_place_float32_and_per_parameter(make):
    optimizer = make()
    rng = np.random.default_rng(0)
    first = rng.standard_normal((3, 4)).astype(np.float32)
    second = rng.standard_normal(5).astype(np.float32)
    expected_first, expected_second = first.copy(), second.copy()
    alone_first, alone_second = make(), make()
    arrays = [first, second]
    for _ in range(3):
        gradients = [rng.standard_normal(first.shape).astype(np.float32),
                     rng.standard_normal(second.shape).astype(np.float32)]
        optimizer.apply(arrays, gradients)
        alone_first.apply([expected_first], [gradients[0]])
        alone_second.apply([expected_second], [gradients[1]])
    assert arrays[0] is first and arrays[1] is second
    assert first.dtype == np.float32 and second.dtype == np.float32
    # Each parameter keeps its own state: updating two together equals updating each alone.
    np.testing.assert_array_equal(first, expected_first)
    np.testing.assert_array_equal(second, expected_second)
    assert optimizer.iterations == 3


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Momentum(0.1, 0.9), lambda: Adam(0.1)],
                         ids=["sgd", "momentum", "adam"])
def test_large_parameters_update_like_small_ones(make):
    """Large arrays may be updated in parallel slices; the result is the element-wise rule."""
    rng = np.random.default_rng(0)
    large = rng.standard_normal((300, 301)).astype(np.float32)
    pieces = [large[:, :100].copy(), large[:, 100:200].copy(), large[:, 200:].copy()]
    optimizer, piecewise = make(), make()
    for _ in range(2):
        gradient = rng.standard_normal(large.shape).astype(np.float32)
        optimizer.apply([large], [gradient])
        piecewise.apply(pieces, [gradient[:, :100].copy(), gradient[:, 100:200].copy(), gradient[:, 200:].copy()])
    np.testing.assert_allclose(large, np.concatenate(pieces, axis=1), rtol=1e-6, atol=1e-7)


def test_float64_gradients_keep_float32_parameters():
    parameter = START.copy()
    SGD(0.1).apply([parameter], [GRADIENTS[0].astype(np.float64)])
    assert parameter.dtype == np.float32
    np.testing.assert_allclose(parameter, START - 0.1 * GRADIENTS[0], rtol=1e-6)


def test_make_optimizer():
    assert type(make_optimizer("sgd", 0.1)) is SGD
    momentum = make_optimizer("momentum", 0.05, momentum=0.7)
    assert type(momentum) is Momentum and momentum.momentum == 0.7 and momentum.learning_rate == 0.05
    adam = make_optimizer("adam", 0.002)
    assert type(adam) is Adam and adam.learning_rate == 0.002
    assert (adam.beta_1, adam.beta_2, adam.epsilon) == (0.9, 0.999, 1e-7)
    with pytest.raises(ValueError, match="Unknown optimizer 'rmsprop'"):
        make_optimizer("rmsprop", 0.1)
