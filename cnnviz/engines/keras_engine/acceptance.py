"""What makes a Keras model one cnnviz can inspect, and the reasons it gives when a model is not.

A model is accepted when it takes one image (height, width, 1 or 3 channels: what the drawing
canvas, the datasets and pictures provide), gives one output of class scores, and is a graph of
built-in layers — branches, merges and nested Functional or Sequential models included — with no
Lambda layer. Files open in Keras's safe mode; a file that still fails says why.
"""

from __future__ import annotations

from pathlib import Path

import keras

from cnnviz.core.validation import INPUT_CHANNELS
from cnnviz.engines.keras_engine.graph import FlatGraph, GraphError, plan_graph


class KerasModelError(ValueError):
    """A ``.keras`` file that cannot be opened or that the viewers cannot serve, and why."""


def check_servable(model, source: str = "the model") -> FlatGraph:
    """The model's flattened graph, after checking its input, output and layers.

    Raises
    ------
    KerasModelError
        Saying what was found and what cnnviz inspects.
    """
    if len(model.inputs) != 1:
        raise KerasModelError(f"{source} has {len(model.inputs)} inputs; cnnviz inspects models "
                              "with one image input.")
    shape = tuple(model.inputs[0].shape[1:])
    if len(shape) != 3 or any(size is None for size in shape):
        raise KerasModelError(f"{source} takes inputs of shape {shape}; cnnviz inspects models whose "
                              "input is one image (height, width, channels) of a fixed size.")
    if shape[2] not in INPUT_CHANNELS:
        raise KerasModelError(f"{source} takes images with {shape[2]} channels; cnnviz inspects images with "
                              "1 (grey) or 3 (RGB colour) channels.")
    if len(model.outputs) != 1 or len(model.outputs[0].shape) != 2:
        shapes = ", ".join(str(tuple(output.shape)) for output in model.outputs)
        raise KerasModelError(f"{source} has outputs of shape {shapes}; cnnviz inspects models with one "
                              "output of class scores (batch, classes).")
    try:
        graph = plan_graph(model)
    except GraphError as error:
        raise KerasModelError(f"{source}: {error}") from None
    for step in graph.steps:
        if isinstance(step.layer, keras.layers.Lambda):
            raise KerasModelError(f"{source} contains the Lambda layer {step.name!r}; it would run "
                                  "arbitrary code, so cnnviz refuses it.")
    return graph


def load_failure_message(path: Path, error: Exception) -> str:
    """Why Keras could not open ``path``, in words that say what to do."""
    text = str(error)
    if "lambda" in text.lower() or "safe_mode" in text:
        return (f"{path.name} contains a Lambda layer (code stored in the file). cnnviz opens models in "
                "safe mode and never runs such code; rebuild the model without Lambda layers.")
    if "Could not locate" in text or "custom" in text.lower():
        return (f"{path.name} uses a custom layer or object that cnnviz does not know ({text.splitlines()[0]}). "
                "Only models made of Keras's built-in layers can be opened.")
    return f"{path.name} could not be opened as a Keras model: {text.splitlines()[0] if text else error!r}"
