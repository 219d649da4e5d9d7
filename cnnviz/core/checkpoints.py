"""Training state checkpoints: everything needed to continue a run exactly where an epoch ended.

``state/epoch-NNNN.npz`` (beside the weight checkpoints of :mod:`cnnviz.core.runs`) holds, after
epoch NNNN (``0000``: before training):

- ``weights/<layer>/<param>``: every parameter (the exchange form);
- ``engine/<name>``: the engine's own state (:meth:`Engine.training_state`: the optimizer's
  step count and moments, the dropout random streams ...);
- ``data_order``: the state of the random generator that shuffles the training images, as JSON
  bytes, so the next epoch sees the batches a straight run would;
- ``epochs_completed`` and ``engine_name``.

Written with :func:`numpy.savez` and read with ``allow_pickle=False``; random generator states are
JSON (their integers exceed 64 bits), never pickles.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.core.results import Weights
from cnnviz.core.safe_npz import read_npz
from cnnviz.core.validation import MAX_PARAMETERS


def json_array(value: object) -> np.ndarray:
    """``value`` as JSON text in a uint8 array (how a checkpoint stores structured state)."""
    return np.frombuffer(json.dumps(value).encode("utf-8"), dtype=np.uint8).copy()


def from_json_array(array: np.ndarray) -> Any:
    """The value :func:`json_array` stored."""
    return json.loads(np.asarray(array, dtype=np.uint8).tobytes().decode("utf-8"))


@dataclass(frozen=True)
class TrainingState:
    """A run's state after ``epochs_completed`` epochs.

    Attributes
    ----------
    epochs_completed : int
    engine_name : str
    weights : Weights
    engine_state : dict of str to ndarray
        What :meth:`Engine.set_training_state` takes back.
    data_order : dict
        ``numpy.random.Generator.bit_generator.state`` of the shuffling generator.
    """

    epochs_completed: int
    engine_name: str
    weights: Weights
    engine_state: dict[str, np.ndarray]
    data_order: dict

    def to_bytes(self) -> bytes:
        """The state as the bytes of an ``.npz`` archive."""
        arrays: dict[str, Any] = {f"weights/{layer}/{name}": value for layer, params in self.weights.items()
                                  for name, value in params.items()}
        arrays.update({f"engine/{name}": value for name, value in self.engine_state.items()})
        arrays["data_order"] = json_array(self.data_order)
        arrays["epochs_completed"] = np.array(self.epochs_completed, dtype=np.int64)
        arrays["engine_name"] = json_array(self.engine_name)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()


class CheckpointError(ValueError):
    """A training state file that cannot be read; the message names it and says why."""


def read_training_state(path: str | Path) -> TrainingState:
    """Read a file :meth:`TrainingState.to_bytes` wrote; never unpickles.

    Raises
    ------
    CheckpointError
        For a missing, truncated or foreign file.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"There is no training state at {path}.")
    try:
        # Weights and the optimizer's moments: a few times the largest model's parameters, checked
        # from the archive's headers before anything is read.
        arrays = read_npz(path, "training state", max_bytes=16 * MAX_PARAMETERS + (1 << 20))
        weights: Weights = {}
        engine_state: dict[str, np.ndarray] = {}
        for key, value in arrays.items():
            group, _, rest = key.partition("/")
            if group == "weights":
                layer, _, name = rest.partition("/")
                weights.setdefault(layer, {})[name] = value
            elif group == "engine":
                engine_state[rest] = value
        return TrainingState(int(arrays["epochs_completed"]), str(from_json_array(arrays["engine_name"])),
                             weights, engine_state, dict(from_json_array(arrays["data_order"])))
    except FileNotFoundError:
        raise CheckpointError(f"There is no training state at {path}.") from None
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as error:
        detail = "" if "pickle" in str(error) else f" ({error})"
        raise CheckpointError(f"The training state {path} cannot be read{detail}; the run cannot continue "
                              "from it.") from None
