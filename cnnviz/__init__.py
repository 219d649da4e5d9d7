"""cnnviz: build, train and look inside small convolutional networks.

Importing this package loads neither Qt nor TensorFlow; the desktop interface
and the Keras engine import them lazily when they are first used.
"""

__version__ = "0.1.0"
