"""A model's layers as a graph a person can read: order, inputs, and which branch each layer is on.

Both engines describe their model with a :class:`LayerGraph`: per layer, in the order the viewers
list them, its name, layer class, output shape, parameter counts, the layers feeding it and a
*branch label*. The label says

- the nested models the layer sits in (a base network inside a transfer-learning model:
  ``in mobilenetv2_1.00_96``), from the ``/``-separated layer name, and
- for a layer on a side path between a fork and the merge that joins the paths again (a ResNet's
  residual branch, an Inception block's towers, a MobileNetV2 block with a skip connection), the
  merge it feeds and which of the merge's inputs its path is: ``→ add_1 input 1/2``.

Layers every path from the input to the output goes through (the trunk) have no side-path part.
A layer is on the trunk exactly when no connection jumps over it in a topological order.
Pure Python; no array library, no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cnnviz.core.config import ModelConfig
from cnnviz.core.validation import layer_output_shape, layer_parameter_count, layer_trainable_parameter_count, validate

SCOPE_SEPARATOR = "/"
"""Joins the names of nested models and of the layer inside them in a layer's name."""
KERNEL_PART_SEPARATOR = ":"
"""Joins a layer's name and the part of it a kernel belongs to (``separable_conv2d:depthwise``)."""


@dataclass(frozen=True)
class LayerWindow:
    """How a layer's output units map onto its input's, for receptive fields
    (:mod:`cnnviz.core.graph_receptive_field`); each pair is ``(rows, columns)``.

    ``kind`` is ``"window"`` (a convolution or pooling: ``kernel`` — dilation included —, ``strides``,
    ``padding`` ``"valid"`` or ``"same"``, and ``pad`` extra rows/columns before the data: a
    ``ZeroPadding2D``, negative for a ``Cropping2D``), ``"pointwise"`` (each unit sees the same place of
    each input: activations, batch normalization, dropout, merges) or ``"whole"`` (every unit sees the
    whole input: flatten, dense, global pooling).
    """

    kind: str
    kernel: tuple[int, int] = (1, 1)
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"
    pad: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    """Gaps between a dilated kernel's taps (``kernel`` already counts them)."""


POINTWISE = LayerWindow("pointwise")
WHOLE = LayerWindow("whole")


@dataclass(frozen=True)
class GraphLayer:
    """One layer of a :class:`LayerGraph`; ``output_shape`` includes the batch axis as ``None``."""

    name: str
    kind: str
    output_shape: tuple
    num_parameters: int
    num_trainable: int
    inputs: tuple[str, ...]
    branch: str = ""
    window: LayerWindow | None = None
    """How its units map onto its input's; None: not known (no receptive field from here on)."""

    def description(self) -> str:
        """Several lines for a tooltip: class, shape, parameters, inputs and branch."""
        shape = "(" + ", ".join("None" if size is None else str(size) for size in self.output_shape) + ")"
        lines = [f"{self.name} ({self.kind})", f"output {shape}, {self.num_parameters:,} parameters",
                 "input: " + (", ".join(self.inputs) or "none")]
        if self.branch:
            lines.append(f"branch: {self.branch}")
        return "\n".join(lines)


@dataclass(frozen=True)
class LayerGraph:
    """Every layer of a model in the order the viewers list them (a topological order)."""

    layers: tuple[GraphLayer, ...]
    input_name: str = "input"

    def names(self) -> list[str]:
        return [layer.name for layer in self.layers]

    def layer(self, name: str) -> GraphLayer | None:
        """The layer called ``name``, or None."""
        return next((layer for layer in self.layers if layer.name == name), None)

    def is_chain(self) -> bool:
        """Whether every layer takes only the output of the layer before it."""
        previous = self.input_name
        for layer in self.layers:
            if layer.inputs != (previous,):
                return False
            previous = layer.name
        return True

    def display_text(self, name: str) -> str:
        """``name`` followed by its branch label, for a layer list (just ``name`` on the trunk)."""
        layer = self.layer(name)
        return f"{name}   [{layer.branch}]" if layer is not None and layer.branch else name


def kernel_order(layer_names: Sequence[str], kernel_names: Sequence[str]) -> list[str]:
    """``kernel_names`` in the order of their layers in ``layer_names``; a kernel named
    ``<layer>:<part>`` (a separable convolution's two) sits at its layer, unknown names at the end."""
    position = {name: index for index, name in enumerate(layer_names)}

    def place(name: str) -> int:
        return position.get(name, position.get(name.split(KERNEL_PART_SEPARATOR)[0], len(position)))

    return sorted(kernel_names, key=place)


def config_graph(config: ModelConfig, input_name: str = "input") -> LayerGraph:
    """The graph of a configuration's chain of layers (each layer feeds the next); the numbers are
    those of :func:`cnnviz.core.summary.summarize`.

    Raises
    ------
    ConfigError
        If the configuration cannot be built.
    """
    validate(config)
    shape = tuple(config.input_shape)
    layers, previous = [], input_name
    for spec, name in zip(config.layers, config.layer_names()):
        count = layer_parameter_count(spec, shape)
        trainable = layer_trainable_parameter_count(spec, shape)
        shape = layer_output_shape(spec, shape)
        window = config_window(spec, len(shape))
        layers.append(GraphLayer(name, spec.label, (None, *shape), count, trainable, (previous,), window=window))
        previous = name
    return LayerGraph(tuple(layers), input_name)


def config_window(spec, output_rank: int) -> LayerWindow:
    """The :class:`LayerWindow` of a configuration's layer whose output has ``output_rank`` axes (no batch)."""
    if spec.kind == "conv2d":
        return LayerWindow("window", tuple(spec.kernel_size), tuple(spec.strides), spec.padding)
    if spec.kind in ("max_pooling2d", "average_pooling2d"):
        return LayerWindow("window", tuple(spec.pool_size), tuple(spec.strides or spec.pool_size))
    if output_rank != 3 or spec.kind == "spectral_pooling2d":
        return WHOLE
    return POINTWISE


def readable_order(names: Sequence[str], inputs: Sequence[Sequence[str]],
                   priority: Mapping[str, Any] | None = None) -> list[str]:
    """A topological order that follows one path to its end before starting the next.

    ``names`` must be in some topological order with ``inputs[i]`` the names feeding ``names[i]``
    (other names, e.g. the model input, are ignored). Among layers ready to run, those made ready
    most recently come first, the one with the smallest ``priority`` (default: its position in
    ``names``; e.g. the order the layers were created in) first among them. A chain keeps its order.
    """
    position = {name: index for index, name in enumerate(names)}
    rank = position if priority is None else priority
    waiting = {name: len({source for source in feeds if source in position}) for name, feeds in zip(names, inputs)}
    consumers: dict[str, list[str]] = {name: [] for name in names}
    for name, feeds in zip(names, inputs):
        for source in dict.fromkeys(feeds):
            if source in position:
                consumers[source].append(name)
    stack = [name for name in reversed(names) if waiting[name] == 0]
    order: list[str] = []
    while stack:
        name = stack.pop()
        order.append(name)
        ready = []
        for consumer in consumers[name]:
            waiting[consumer] -= 1
            if waiting[consumer] == 0:
                ready.append(consumer)
        stack.extend(sorted(ready, key=rank.__getitem__, reverse=True))
    if len(order) != len(names):
        raise ValueError("The layers' connections form a cycle; a model's layers must form a directed acyclic graph.")
    return order


def branch_labels(names: Sequence[str], inputs: Sequence[Sequence[str]]) -> dict[str, str]:
    """The branch label of every layer (see the module docstring); ``names`` in topological order."""
    position = {name: index for index, name in enumerate(names)}
    # A connection from a to b jumps over every layer strictly between them.
    spanned = [0] * (len(names) + 1)
    for index, feeds in enumerate(inputs):
        for source in feeds:
            start = position.get(source, -1) + 1
            if start < index:
                spanned[start] += 1
                spanned[index] -= 1
    on_trunk, running = [], 0
    for index in range(len(names)):
        running += spanned[index]
        on_trunk.append(running == 0)
    side = _side_paths(names, inputs, on_trunk, position)
    labels = {}
    for name in names:
        scope = name.rsplit(SCOPE_SEPARATOR, 1)[0] if SCOPE_SEPARATOR in name else ""
        parts = [f"in {scope}"] if scope else []
        if name in side:
            merge, number, count = side[name]
            if scope and merge.startswith(scope + SCOPE_SEPARATOR):
                merge = merge[len(scope) + 1:]
            parts.append(f"→ {merge} input {number}/{count}" if count > 1 else f"→ {merge}")
        labels[name] = ", ".join(parts)
    return labels


def _side_paths(names, inputs, on_trunk, position) -> dict[str, tuple[str, int, int]]:
    """``(merge, k, n)`` for every layer off the trunk: the trunk layer after it (the merge of its
    segment), the first of the merge's ``n`` inputs its path reaches (numbered from 1)."""
    labels: dict[str, tuple[str, int, int]] = {}
    feeds_of = dict(zip(names, inputs))
    for index, name in enumerate(names):
        if not on_trunk[index]:
            continue
        feeds = [source for source in feeds_of[name] if source in position]
        for number, source in enumerate(feeds, start=1):
            # Walk back from this input until the trunk: every layer met is on this input's path.
            pending = [source]
            while pending:
                current = pending.pop()
                if on_trunk[position[current]] or current in labels:
                    continue
                labels[current] = (name, number, len(feeds))
                pending.extend(feed for feed in feeds_of[current] if feed in position)
    return labels
