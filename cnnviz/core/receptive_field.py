"""Receptive fields of a sequential CNN from its configuration: for each layer, how many input pixels
one output unit sees (size), how far apart neighbouring units' fields are (jump, the product of the
strides so far) and where the first unit's field is centred (start).

Coordinates are input pixel indices, pixel ``i`` centred at ``i``. Per axis, starting from the input
(size 1, jump 1, start 0), a convolution or pooling with kernel ``k``, stride ``s`` and padding ``p``
before the data gives (Araujo, Norris & Sim 2019)::

    size'  = size + (k - 1) * jump
    start' = start + ((k - 1) / 2 - p) * jump
    jump'  = jump * s

``padding="same"`` pads as TensorFlow does (the extra row or column after the data). Unit ``(i, j)``
of a layer is centred on input row ``start + i * jump`` and spans ``size`` rows, and likewise columns.
Near the edges part of that span is padding, or pixels an earlier strided layer never reached;
:meth:`ReceptiveField.bounds` gives the exact pixels a unit sees, walking the layers back and
clipping at each. Dropout, batch normalization and activations keep the field; flatten, dense,
global pooling and spectral pooling (a global transform) see the whole input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cnnviz.core.config import ModelConfig
from cnnviz.core.config.layers import AveragePooling2D, Conv2D, MaxPooling2D


@dataclass(frozen=True)
class ReceptiveField:
    """One layer's receptive field; each pair is ``(rows, columns)``.

    ``whole_input`` marks layers whose every unit depends on every input pixel (their size is the
    input's, their jump and start meaningless and given as 0).
    """

    name: str
    size: tuple[int, int]
    jump: tuple[int, int]
    start: tuple[float, float]
    whole_input: bool = False
    geometry: tuple[tuple[tuple[int, int, int, int], ...], ...] = ((), ())
    """Per axis, each window layer so far as ``(kernel, stride, pad before, input length)``."""
    trace: Any = None
    """For a layer of a graph, its :class:`~cnnviz.core.graph_receptive_field.FieldTrace` (which
    :meth:`bounds` then follows instead of ``geometry``)."""

    def bounds(self, row: int, column: int, input_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """The input pixels unit ``(row, column)`` sees: ``(top, bottom, left, right)``, inclusive,
        clipped to the input of ``input_size`` ``(height, width)``."""
        if self.whole_input:
            return 0, input_size[0] - 1, 0, input_size[1] - 1
        if self.trace is not None:
            region = self.trace.regions(row, column).get(self.trace.input_name)
            return region if region is not None else (0, -1, 0, -1)
        edges = []
        for axis, index in ((0, row), (1, column)):
            low, high = index, index
            for kernel, stride, pad, length in reversed(self.geometry[axis]):
                low, high = max(low * stride - pad, 0), min(high * stride - pad + kernel - 1, length - 1)
            edges += [low, high]
        return edges[0], edges[1], edges[2], edges[3]

    def describe(self) -> str:
        """``"5×5, jump 2×2"`` or ``"whole input"``."""
        if self.whole_input:
            return "whole input"
        return f"{self.size[0]}×{self.size[1]}, jump {self.jump[0]}×{self.jump[1]}"


def _same_padding_before(size: int, kernel: int, stride: int) -> int:
    output = -(-size // stride)
    return max((output - 1) * stride + kernel - size, 0) // 2


def receptive_fields(config: ModelConfig) -> list[ReceptiveField]:
    """Every layer's receptive field, in network order (the configuration is assumed valid)."""
    from cnnviz.core.validation import layer_output_shape

    height, width = config.input_shape[:2]
    size, jump, start = [1, 1], [1, 1], [0.0, 0.0]
    whole = False
    geometry: list[list[tuple[int, int, int, int]]] = [[], []]
    shape = tuple(config.input_shape)
    fields = []
    for spec, name in zip(config.layers, config.layer_names()):
        if isinstance(spec, (Conv2D, MaxPooling2D, AveragePooling2D)) and not whole:
            if isinstance(spec, Conv2D):
                kernel, strides, padding = spec.kernel_size, spec.strides, spec.padding
            else:
                kernel, strides, padding = spec.pool_size, spec.strides or spec.pool_size, "valid"
            for axis in (0, 1):
                pad = _same_padding_before(shape[axis], kernel[axis], strides[axis]) if padding == "same" else 0
                size[axis] += (kernel[axis] - 1) * jump[axis]
                start[axis] += ((kernel[axis] - 1) / 2 - pad) * jump[axis]
                jump[axis] *= strides[axis]
                geometry[axis].append((kernel[axis], strides[axis], pad, shape[axis]))
        elif len(layer_output_shape(spec, shape)) != 3 or spec.kind == "spectral_pooling2d":
            whole = True
        shape = layer_output_shape(spec, shape)
        if whole:
            fields.append(ReceptiveField(name, (height, width), (0, 0), (0.0, 0.0), whole_input=True))
        else:
            fields.append(ReceptiveField(name, (size[0], size[1]), (jump[0], jump[1]), (start[0], start[1]),
                                         geometry=(tuple(geometry[0]), tuple(geometry[1]))))
    return fields
