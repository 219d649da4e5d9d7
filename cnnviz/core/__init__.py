"""Engine- and interface-neutral building blocks: configuration, data, preprocessing.

Nothing in ``cnnviz.core`` imports Qt or TensorFlow.
"""
