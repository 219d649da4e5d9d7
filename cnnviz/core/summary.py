"""The model summary from the configuration alone: layer, output shape, parameters, totals.

The numbers equal Keras's ``model.summary()`` for the same network (the report's
Figure 2 for the reference model); tests check them against Keras itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnviz.core.config import ModelConfig
from cnnviz.core.layer_graph import LayerGraph
from cnnviz.core.receptive_field import ReceptiveField, receptive_fields
from cnnviz.core.validation import (
    layer_output_shape,
    layer_parameter_count,
    layer_trainable_parameter_count,
    validate,
)


@dataclass(frozen=True)
class SummaryRow:
    """One layer of the summary; ``output_shape`` includes the batch axis as ``None``."""

    name: str
    label: str
    output_shape: tuple
    num_parameters: int
    num_trainable: int | None = None
    """Trainable parameters of the layer; None means all of them (every layer but batch normalization)."""
    receptive_field: ReceptiveField | None = None
    """What one unit of the layer sees of the input (:mod:`cnnviz.core.receptive_field`)."""

    @property
    def trainable_parameters(self) -> int:
        return self.num_parameters if self.num_trainable is None else self.num_trainable


@dataclass(frozen=True)
class ModelSummary:
    """All rows and the parameter totals; batch normalization's moving statistics are the
    non-trainable ones."""

    rows: tuple[SummaryRow, ...]
    total_parameters: int

    @property
    def trainable_parameters(self) -> int:
        return sum(row.trainable_parameters for row in self.rows)

    @property
    def non_trainable_parameters(self) -> int:
        return self.total_parameters - self.trainable_parameters

    def to_text(self) -> str:
        """Format the summary as a table in Keras's layout."""
        header = ("Layer (type)", "Output Shape", "Param #")
        body = [(f"{row.name} ({row.label})", format_shape(row.output_shape), f"{row.num_parameters:,}")
                for row in self.rows]
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(3)]
        rule = "-" * (sum(widths) + 6)

        def line(cells: tuple[str, str, str]) -> str:
            return f"{cells[0]:<{widths[0]}}   {cells[1]:<{widths[1]}}   {cells[2]:>{widths[2]}}"

        lines = [rule, line(header), rule, *(line(cells) for cells in body), rule,
                 f"Total params: {self.total_parameters:,}",
                 f"Trainable params: {self.trainable_parameters:,}",
                 f"Non-trainable params: {self.non_trainable_parameters:,}"]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-ready form (shapes as lists, ``None`` for the batch axis)."""
        return {
            "layers": [{"name": row.name, "type": row.label, "output_shape": list(row.output_shape),
                        "parameters": row.num_parameters} for row in self.rows],
            "total_parameters": self.total_parameters,
            "trainable_parameters": self.trainable_parameters,
            "non_trainable_parameters": self.non_trainable_parameters,
        }


def format_shape(shape: tuple) -> str:
    """``(None, 26, 26, 28)`` as Keras prints it."""
    return "(" + ", ".join("None" if size is None else str(size) for size in shape) + ")"


def graph_summary(graph: LayerGraph, input_shape: tuple | None = None) -> ModelSummary:
    """The summary of a model described by its layer graph (a model made elsewhere, nested models
    opened up: one row per layer, each layer's parameters counted once); with the model's
    ``input_shape`` ``(height, width, channels)``, each row's receptive field through the graph's
    branches (:mod:`cnnviz.core.graph_receptive_field`)."""
    from cnnviz.core.graph_receptive_field import graph_receptive_fields

    fields = graph_receptive_fields(graph, input_shape) if input_shape is not None else [None] * len(graph.layers)
    rows = tuple(SummaryRow(layer.name, layer.kind, layer.output_shape, layer.num_parameters,
                            None if layer.num_trainable == layer.num_parameters else layer.num_trainable, field)
                 for layer, field in zip(graph.layers, fields))
    return ModelSummary(rows, sum(row.num_parameters for row in rows))


def summarize(config: ModelConfig) -> ModelSummary:
    """Summarize a valid configuration.

    Raises
    ------
    ConfigError
        If the configuration cannot be built (see :func:`cnnviz.core.validation.validate`).
    """
    validate(config)
    shape = tuple(config.input_shape)
    rows = []
    fields = receptive_fields(config)
    for layer, name, field in zip(config.layers, config.layer_names(), fields):
        count = layer_parameter_count(layer, shape)
        trainable = layer_trainable_parameter_count(layer, shape)
        shape = layer_output_shape(layer, shape)
        rows.append(SummaryRow(name, layer.label, (None, *shape), count, None if trainable == count else trainable,
                               field))
    return ModelSummary(tuple(rows), sum(row.num_parameters for row in rows))
