"""A controllable engine and in-memory data for driving the model service without real training."""

import time

import numpy as np

from cnnviz.core.results import GradientResult
from cnnviz.core.training_data import TrainingData
from cnnviz.service.payloads import IDLE


class FakeEngine:
    """A controllable engine: slow steps on demand, failures on demand, recorded calls."""

    name = "fake"
    device = "CPU"

    def __init__(self, config, step_seconds=0.0, fail_at_step=None, inspect_seconds=0.0):
        self.config = config
        self.input_shape = tuple(config.input_shape)
        self.learning_rate = config.training.learning_rate
        self.step_seconds = step_seconds
        self.fail_at_step = fail_at_step
        self.inspect_seconds = inspect_seconds
        self.steps = 0
        self.weights = {"dense": {"kernel": np.zeros((2, 2), np.float32)}}
        self.learning_rates = []
        self.inspected = []

    def layer_names(self):
        return ["dense"]

    def train_step(self, images, labels):
        self.steps += 1
        self.learning_rates.append(self.learning_rate)
        if self.fail_at_step is not None and self.steps == self.fail_at_step:
            raise ValueError("the fake engine failed on purpose")
        self.weights["dense"]["kernel"] += 1.0
        time.sleep(self.step_seconds)
        return 1.0 / self.steps, 0.5

    def evaluate(self, images, labels, batch_size=256):
        return 0.5, 0.75

    def predict(self, images, batch_size=256):
        return np.full((len(images), 10), 0.1, np.float32)

    def feature_maps(self, images):
        self.inspected.append(float(np.asarray(images).sum()))
        time.sleep(self.inspect_seconds)
        return {"dense": np.asarray(images).reshape(len(images), -1)[:, :10]}

    def kernels(self):
        return {}

    def gradients(self, images, labels=None, class_index=None):
        return GradientResult("loss", 0.0, np.zeros_like(images), {}, {})

    def get_weights(self):
        return {layer: {name: value.copy() for name, value in params.items()}
                for layer, params in self.weights.items()}

    def set_weights(self, weights):
        self.weights = {layer: {name: value.copy() for name, value in params.items()}
                        for layer, params in weights.items()}

    def training_state(self):
        return {"steps": np.array(self.steps, dtype=np.int64)}

    def set_training_state(self, state):
        self.steps = int(state["steps"])

    def save(self, path):
        return path


def fake_data(training, data_dir=None, num_train=64, **_model):
    images = np.zeros((num_train, 28, 28, 1), np.float32)
    labels = np.arange(num_train) % 10
    return TrainingData("fake", "memory", tuple("0123456789"), images, labels, images[:0], labels[:0],
                        images[:16], labels[:16])


def wait_until_idle(qtbot, service, timeout: int = 10_000) -> None:
    """Wait until the service's worker is idle and every signal it sent before that has arrived.

    The worker sets its state and then queues the signals' deliveries to this thread, so a state seen
    as idle can be ahead of signals (epochs, errors, a finished run) still in this thread's queue;
    delivering the posted events once brings them all in, in the order they were sent."""
    from PySide6.QtCore import QCoreApplication

    qtbot.waitUntil(lambda: service.state == IDLE, timeout=timeout)
    QCoreApplication.sendPostedEvents()
    QCoreApplication.processEvents()
