"""The Keras engine (TensorFlow backend): the same models, names and introspection as the NumPy
engine. Importing this package imports TensorFlow; nothing else in cnnviz does so at start-up."""

import os

# Quiet TensorFlow's C++ start-up logging unless the user asked for it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from cnnviz.engines.devices import requested_devices, tensorflow_environment  # noqa: E402

try:
    _request = requested_devices()
except ValueError:   # refused, with its message, where an engine is made
    _request = "auto"
for _name, _value in tensorflow_environment(_request).items():
    os.environ.setdefault(_name, _value)

import tensorflow as tf  # noqa: E402

# tf.function retracing notes are expected when several engines exist; keep the console readable.
tf.get_logger().setLevel("ERROR")

from cnnviz.engines.keras_engine.engine import KerasEngine, KerasModelError  # noqa: E402

__all__ = ["KerasEngine", "KerasModelError"]
