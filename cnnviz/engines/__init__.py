"""Engines that build, train and inspect a model described by a :class:`ModelConfig`.

``numpy_engine`` is ours, from scratch; ``keras_engine`` wraps TensorFlow/Keras and is
imported only when asked for.
"""
