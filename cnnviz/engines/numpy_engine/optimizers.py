"""Optimizers with Keras 3's update rules and defaults.

- SGD: ``w -= lr * g``.
- SGD with momentum: ``v = momentum * v - lr * g; w += v``.
- Adam (beta_1 0.9, beta_2 0.999, epsilon 1e-7):
  ``m += (g - m) * (1 - beta_1); v += (g^2 - v) * (1 - beta_2);
  w -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)``.

Updates are in place and float32; the learning rate may change between steps. A
gradient may come in parts (one per training chunk) that are added here; large
parameters are updated in slices on every core (the update is element-wise, so the
result does not depend on the slicing).
"""

from __future__ import annotations

import numpy as np

from cnnviz.engines.numpy_engine import parallel

# Parameters larger than this are updated in parallel slices.
_SLICE_THRESHOLD = 1 << 16


class Optimizer:
    """Updates parameter arrays in place from their gradients, allocating nothing after the first step.

    Each parameter has two scratch arrays of its shape (the sum of its gradient's parts, and the
    intermediate results of the update), so every step runs in the same memory.
    """

    def __init__(self, learning_rate: float):
        self.learning_rate = float(learning_rate)
        self.iterations = 0
        self.slots: dict[int, tuple[np.ndarray, ...]] = {}
        self._scratch: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def apply(self, parameters: list[np.ndarray], gradients: list) -> None:
        """One step for every parameter.

        Parameters
        ----------
        parameters : list of ndarray
            Updated in place.
        gradients : list of ndarray, or of lists of ndarray
            Each parameter's gradient, or the parts that add up to it (read, never changed).
        """
        self.iterations += 1
        self._prepare()
        tasks = []
        for index, (parameter, gradient) in enumerate(zip(parameters, gradients)):
            parts = list(gradient) if isinstance(gradient, (list, tuple)) else [gradient]
            slots = self._slots(index, parameter)
            total, temporary = self._buffers(index, parameter)
            if parameter.size < _SLICE_THRESHOLD or parallel.num_workers() == 1:
                self._update(parameter, _total(parts, total), slots, temporary)
                continue
            flat = [array.reshape(-1) for array in (parameter, total, temporary, *slots)]
            flat_parts = [part.reshape(-1) for part in parts]
            edges = np.linspace(0, parameter.size, parallel.NUM_CHUNKS + 1).astype(int)
            for start, stop in zip(edges[:-1], edges[1:]):
                tasks.append(lambda start=start, stop=stop, flat=flat, flat_parts=flat_parts: self._update(
                    flat[0][start:stop], _total([part[start:stop] for part in flat_parts], flat[1][start:stop]),
                    [slot[start:stop] for slot in flat[3:]], flat[2][start:stop]))
        parallel.run_all(tasks)

    def state(self) -> dict[str, np.ndarray]:
        """The step count, the learning rate and every state array, to continue training later."""
        arrays = {"iterations": np.array(self.iterations, dtype=np.int64),
                  "learning_rate": np.array(self.learning_rate, dtype=np.float64)}
        for index, slots in self.slots.items():
            for number, slot in enumerate(slots):
                arrays[f"slot/{index}/{number}"] = slot.copy()
        return arrays

    def set_state(self, arrays: dict[str, np.ndarray], parameters: list[np.ndarray]) -> None:
        """Take back what :meth:`state` returned, for the same ``parameters`` (checked first)."""
        found: dict[int, dict[int, np.ndarray]] = {}
        for key, value in arrays.items():
            if not key.startswith("slot/"):
                continue
            _, index, number = key.split("/")
            position = int(index)
            if not 0 <= position < len(parameters) or value.shape != parameters[position].shape:
                raise ValueError(f"The optimizer state {key!r} (shape {value.shape}) does not fit this model.")
            found.setdefault(position, {})[int(number)] = np.array(value, dtype=np.float32)
        self.iterations = int(arrays["iterations"])
        self.learning_rate = float(arrays["learning_rate"])
        self.slots = {index: tuple(numbered[number] for number in sorted(numbered))
                      for index, numbered in found.items()}

    def _prepare(self) -> None:
        """Per-step constants, computed once before the updates."""

    def _slots(self, index: int, parameter: np.ndarray) -> list[np.ndarray]:
        """The optimizer's state arrays for a parameter (created on first use)."""
        return []

    def _buffers(self, index: int, parameter: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Two scratch arrays of the parameter's shape and dtype (created on first use)."""
        buffers = self._scratch.get(index)
        if buffers is None or buffers[0].shape != parameter.shape or buffers[0].dtype != parameter.dtype:
            buffers = self._scratch[index] = (np.empty_like(parameter), np.empty_like(parameter))
        return buffers

    def _update(self, parameter: np.ndarray, gradient: np.ndarray, slots: list[np.ndarray],
                temporary: np.ndarray) -> None:
        """Update ``parameter`` in place; ``temporary`` is scratch of its shape, ``gradient`` is read only."""
        raise NotImplementedError


def _total(parts: list[np.ndarray], out: np.ndarray) -> np.ndarray:
    """The sum of the parts, in ``out`` (the part itself when there is one)."""
    if len(parts) == 1:
        return parts[0]
    np.add(parts[0], parts[1], out=out)
    for part in parts[2:]:
        out += part
    return out


class SGD(Optimizer):
    def _update(self, parameter, gradient, slots, temporary):
        np.multiply(gradient, np.float32(self.learning_rate), out=temporary)
        parameter -= temporary


class Momentum(Optimizer):
    def __init__(self, learning_rate: float, momentum: float = 0.9):
        super().__init__(learning_rate)
        self.momentum = float(momentum)

    def _slots(self, index, parameter):
        if index not in self.slots:
            self.slots[index] = (np.zeros_like(parameter),)
        return list(self.slots[index])

    def _update(self, parameter, gradient, slots, temporary):
        (velocity,) = slots
        velocity *= np.float32(self.momentum)
        np.multiply(gradient, np.float32(self.learning_rate), out=temporary)
        velocity -= temporary
        parameter += velocity


class Adam(Optimizer):
    def __init__(self, learning_rate: float, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _prepare(self):
        step = self.iterations  # already counts this step
        self._alpha = np.float32(self.learning_rate * np.sqrt(1.0 - self.beta_2 ** step)
                                 / (1.0 - self.beta_1 ** step))

    def _slots(self, index, parameter):
        if index not in self.slots:
            self.slots[index] = (np.zeros_like(parameter), np.zeros_like(parameter))
        return list(self.slots[index])

    def _update(self, parameter, gradient, slots, temporary):
        first, second = slots
        # Keras's m += (g - m)(1 - b1), v += (g^2 - v)(1 - b2), w -= alpha m / (sqrt(v) + eps),
        # in that order, each operation one pass in place.
        np.subtract(gradient, first, out=temporary)
        temporary *= np.float32(1.0 - self.beta_1)
        first += temporary
        np.square(gradient, out=temporary)
        temporary -= second
        temporary *= np.float32(1.0 - self.beta_2)
        second += temporary
        np.sqrt(second, out=temporary)
        temporary += np.float32(self.epsilon)
        np.divide(first, temporary, out=temporary)
        temporary *= self._alpha
        parameter -= temporary


def make_optimizer(name: str, learning_rate: float, momentum: float = 0.9) -> Optimizer:
    """The optimizer named in a :class:`TrainingConfig`."""
    if name == "sgd":
        return SGD(learning_rate)
    if name == "momentum":
        return Momentum(learning_rate, momentum)
    if name == "adam":
        return Adam(learning_rate)
    raise ValueError(f"Unknown optimizer {name!r}; expected sgd, momentum or adam.")
