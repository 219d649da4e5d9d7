"""A Keras model as one flat graph of layers: nested models opened up, every layer's output recorded.

A Functional or Sequential model used as a layer of another (a base network in transfer learning)
is opened up: its layers become steps of the outer graph, named by the path of models they sit in
joined with ``/`` (``mobilenetv2_1.00_96/block_1_expand``). Layers of the outermost model keep
their own names. A layer called more than once gets ``#2``, ``#3`` ... on its later calls.

:func:`plan_graph` walks the model once (Keras's ``_nodes_by_depth``, deepest first, as
``Functional._run_through_graph`` does) and returns the steps in a readable topological order
(:func:`cnnviz.core.layer_graph.readable_order`); :func:`run_graph` calls them on real tensors,
inside a ``tf.GradientTape`` if the caller holds one, and returns every step's output.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import tensorflow as tf

from cnnviz.core.layer_graph import GraphLayer, LayerGraph, branch_labels, readable_order
from cnnviz.engines.keras_engine.windows import layer_window

SCOPE_SEPARATOR = "/"
"""Joins the names of nested models and of the layer inside them."""


class GraphError(ValueError):
    """A model whose graph cannot be walked layer by layer, and why."""


@dataclass(frozen=True, eq=False)
class GraphStep:
    """One call of one layer.

    Attributes
    ----------
    name : str
        Unique in the graph (see the module docstring).
    layer : keras.layers.Layer
    node : the Keras node of this call, in the (possibly nested) model that holds it
    input_keys : tuple of int
        Where the values of ``node.input_tensors`` are found during a run.
    output_key : int
        Where this step's output is kept during a run.
    inputs : tuple of str
        The names of the steps (or of the model input) that feed this one, in argument order.
    scope : str
        The nested models the layer sits in, joined with ``/`` ("" for the outermost model).
    """

    name: str
    layer: Any
    node: Any
    input_keys: tuple[int, ...]
    output_key: int
    inputs: tuple[str, ...]
    scope: str


@dataclass(frozen=True, eq=False)
class FlatGraph:
    """Every layer call of a model in a topological order, with the model's input and output."""

    steps: tuple[GraphStep, ...]
    input_name: str
    input_key: int
    output_key: int

    @property
    def nested(self) -> bool:
        """Whether some layer sits inside a nested model."""
        return any(step.scope for step in self.steps)

    def owners(self) -> list[tuple[str, Any]]:
        """Each layer once, with the name of its first call (whose name its parameters go by)."""
        seen: set[int] = set()
        owners = []
        for step in self.steps:
            if id(step.layer) not in seen:
                seen.add(id(step.layer))
                owners.append((step.name, step.layer))
        return owners

    def is_chain(self) -> bool:
        """Whether each step takes only the output of the step before it (the first: the input)."""
        previous = self.input_name
        for step in self.steps:
            if step.inputs != (previous,) or step.scope:
                return False
            previous = step.name
        return bool(self.steps) and self.output_key == self.steps[-1].output_key


def _inner_functional(model):
    """The Functional graph of a model (a built Sequential keeps one), or None."""
    if isinstance(model, keras.Sequential):
        return getattr(model, "_functional", None)
    if hasattr(model, "_nodes_by_depth") and hasattr(model, "inputs"):
        return model
    return None


def plan_graph(model) -> FlatGraph:
    """Walk ``model``'s graph, opening nested models, and list every layer call.

    Raises
    ------
    GraphError
        For a nested model that is not a Functional or Sequential graph, or a layer with several outputs.
    """
    functional = _inner_functional(model)
    if functional is None:
        raise GraphError(f"{model.name!r} is a subclassed model (its call is Python code, not a graph of layers); "
                         "cnnviz inspects Functional and Sequential models.")
    input_tensor = functional.inputs[0]
    input_name = input_tensor._keras_history.operation.name
    keys: dict[int, int] = {id(input_tensor): id(input_tensor)}
    producers: dict[int, str] = {id(input_tensor): input_name}
    steps: list[GraphStep] = []
    calls: dict[int, int] = {}
    priority: dict[str, tuple] = {}
    _expand(functional, "", keys, producers, steps, calls, priority, ())
    output_key = keys[id(functional.outputs[0])]
    order = readable_order([step.name for step in steps], [step.inputs for step in steps], priority)
    by_name = {step.name: step for step in steps}
    return FlatGraph(tuple(by_name[name] for name in order), input_name, id(input_tensor), output_key)


def _expand(functional, scope: str, keys: dict, producers: dict, steps: list, calls: dict, priority: dict,
            rank: tuple) -> None:
    """Append the steps of ``functional`` (a model inside ``scope``), deepest nodes first. ``priority``
    gets each step's place in the order the layers were created (``rank``: that of the model)."""
    prefix = f"{scope}{SCOPE_SEPARATOR}" if scope else ""
    created = {id(layer): index for index, layer in enumerate(functional.layers)}
    for depth in sorted(functional._nodes_by_depth, reverse=True):
        for node in functional._nodes_by_depth[depth]:
            operation = node.operation
            if not operation or node.is_input:
                continue
            if any(id(tensor) not in keys for tensor in node.input_tensors):
                continue  # not connected to this model's inputs (Keras skips it too)
            if isinstance(operation, keras.Model):
                inner = _inner_functional(operation)
                if inner is None:
                    raise GraphError(f"The nested model {prefix}{operation.name!r} is a subclassed model; cnnviz "
                                     "opens nested Functional and Sequential models only.")
                if len(inner.inputs) != len(node.input_tensors) or len(inner.outputs) != 1:
                    raise GraphError(f"The nested model {prefix}{operation.name!r} has {len(inner.inputs)} inputs "
                                     f"and {len(inner.outputs)} outputs; cnnviz opens nested models with one of each.")
                for inner_input, outer in zip(inner.inputs, node.input_tensors):
                    keys[id(inner_input)] = keys[id(outer)]
                    producers[id(inner_input)] = producers[id(outer)]
                _expand(inner, prefix + operation.name, keys, producers, steps, calls, priority,
                        (*rank, created.get(id(operation), len(created))))
                keys[id(node.outputs[0])] = keys[id(inner.outputs[0])]
                producers[id(node.outputs[0])] = producers[id(inner.outputs[0])]
                continue
            if len(node.outputs) != 1:
                raise GraphError(f"The layer {prefix}{operation.name!r} has {len(node.outputs)} outputs; cnnviz "
                                 "inspects layers with one output.")
            calls[id(operation)] = calls.get(id(operation), 0) + 1
            name = prefix + operation.name + (f"#{calls[id(operation)]}" if calls[id(operation)] > 1 else "")
            output = node.outputs[0]
            priority[name] = (*rank, created.get(id(operation), len(created)), calls[id(operation)])
            keys[id(output)] = id(output)
            producers[id(output)] = name
            steps.append(GraphStep(
                name=name, layer=operation, node=node,
                input_keys=tuple(keys[id(tensor)] for tensor in node.input_tensors),
                output_key=id(output),
                inputs=tuple(producers[id(tensor)] for tensor in node.input_tensors),
                scope=scope))


def describe_graph(graph: FlatGraph) -> LayerGraph:
    """The layer graph of the steps: Keras class, output shape, parameters (a layer called several
    times counted at its first call), inputs and branch labels."""
    labels = branch_labels([step.name for step in graph.steps], [step.inputs for step in graph.steps])
    owners = {name for name, _ in graph.owners()}
    layers = []
    for step in graph.steps:
        counted = step.name in owners
        total = int(step.layer.count_params()) if counted and step.layer.weights else 0
        trainable = sum(math.prod(variable.shape) for variable in step.layer.trainable_weights) if counted else 0
        shape = tuple(None if size is None else int(size) for size in step.node.outputs[0].shape)
        layers.append(GraphLayer(step.name, type(step.layer).__name__, shape, total, int(trainable), step.inputs,
                                 labels[step.name], layer_window(step.layer, len(shape))))
    return LayerGraph(tuple(layers), graph.input_name)


def call_step(step: GraphStep, values: dict, training: bool):
    """Call one step on the values of its inputs (``values`` by key); returns its output."""
    local = {id(tensor): values[key] for tensor, key in zip(step.node.input_tensors, step.input_keys)}
    args, kwargs = step.node.arguments.fill_in(local)
    # A base model called with training=False in the file stays in inference mode.
    kwargs = {**kwargs, "training": bool(training and kwargs.get("training", True))}
    return step.layer(*args, **kwargs)


def run_graph(graph: FlatGraph, images, training: bool, until: int | None = None,
              wrap: Callable | None = None) -> tuple[list, dict]:
    """Call the steps ``[0, until)`` on ``images``; ``wrap(step, output)``, when given, replaces each
    step's output before later steps use it (guided backpropagation's gradient rule, :mod:`.guided`).

    Returns
    -------
    outputs : list of tensors
        Each step's output, in step order.
    values : dict
        Every value by key (to call a remaining step with :func:`call_step`).
    """
    values = {graph.input_key: tf.convert_to_tensor(images)}
    outputs = []
    for step in graph.steps[:until]:
        output = call_step(step, values, training)
        if wrap is not None:
            output = wrap(step, output)
        values[step.output_key] = output
        outputs.append(output)
    return outputs, values
