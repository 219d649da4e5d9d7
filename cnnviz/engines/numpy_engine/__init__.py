"""The from-scratch NumPy engine: float32 NHWC, Keras's layouts, names and optimizer semantics."""

from cnnviz.engines.numpy_engine.engine import NumpyEngine

__all__ = ["NumpyEngine"]
