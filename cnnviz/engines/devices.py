"""Which devices the Keras engine trains on: a choice made from the machine's devices and a request.

Pure on purpose (no TensorFlow here): :func:`choose_devices` takes the GPUs TensorFlow found, as
plain :class:`Device` records, and the user's request (``auto``, ``cpu``, ``gpu`` or a count), and
returns a :class:`DevicePlan` that :mod:`cnnviz.engines.keras_engine.strategy` turns into a
``tf.distribute`` strategy. The request comes from ``cnnviz train --devices`` or from the
``CNNVIZ_DEVICES`` environment variable; ``auto`` is the default.

- ``auto``: every GPU (several mirrored with ``MirroredStrategy``, one used as it is); the CPU
  when there is none.
- ``cpu``: the CPU, even when GPUs are present.
- ``gpu``: every GPU; refused when there is none.
- ``N``: N GPUs mirrored (one GPU used as it is); on a machine without GPUs the CPU is split into
  N logical devices that are mirrored — slower than the CPU alone, but it runs the multi-device
  path anywhere (tests use it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DEVICES_VARIABLE = "CNNVIZ_DEVICES"
"""The environment variable holding the device request (``cnnviz train --devices`` overrides it)."""

REQUESTS = ("auto", "cpu", "gpu")

MAX_LOGICAL_CPUS = 16


@dataclass(frozen=True)
class Device:
    """One physical accelerator as TensorFlow lists it.

    Attributes
    ----------
    name : str
        TensorFlow's logical device name, e.g. ``"/device:GPU:0"``.
    model : str
        The product name (``"NVIDIA H200"``), empty when TensorFlow does not say.
    """

    name: str
    model: str = ""


@dataclass(frozen=True)
class DevicePlan:
    """How the Keras engine places its model.

    Attributes
    ----------
    strategy : str
        ``"default"`` (TensorFlow's own placement: the one GPU, or the CPU), ``"one_device"``
        (pinned to ``devices[0]``) or ``"mirrored"`` (``MirroredStrategy`` over ``devices``).
    devices : tuple of str
        The device names the strategy uses (empty for ``"default"`` on the CPU).
    logical_cpus : int
        When above 1, the CPU is to be split into this many logical devices first.
    description : str
        The choice in words, for the status bar, the terminal and ``run.json``.
    """

    strategy: str
    devices: tuple[str, ...]
    description: str
    logical_cpus: int = 0

    @property
    def num_replicas(self) -> int:
        return len(self.devices) if self.strategy == "mirrored" else 1


def parse_request(text: object, source: str = "--devices") -> str | int:
    """``auto``, ``cpu``, ``gpu`` or a positive count from ``text`` (case and spaces ignored).

    Raises
    ------
    ValueError
        Naming ``source`` and the values accepted.
    """
    value = str(text).strip().lower()
    if value in REQUESTS:
        return value
    if value.isdigit() and 1 <= int(value) <= MAX_LOGICAL_CPUS * 64:
        return int(value)
    raise ValueError(f"{source} must be auto, cpu, gpu or a number of devices (1, 2, ...), received {text!r}.")


def requested_devices(explicit: object = None, environment: Mapping[str, str] | None = None) -> str | int:
    """The request in force: ``explicit`` when given, else ``$CNNVIZ_DEVICES``, else ``auto``."""
    if explicit is not None:
        return parse_request(explicit)
    environment = os.environ if environment is None else environment
    text = environment.get(DEVICES_VARIABLE, "").strip()
    return parse_request(text, f"${DEVICES_VARIABLE}") if text else "auto"


def tensorflow_environment(request: str | int) -> dict[str, str]:
    """Environment variables TensorFlow must find when it is imported, for the device ``request``.

    A request for several devices turns TensorFlow's oneDNN CPU kernels off: under
    MirroredStrategy a batch smaller than the replicas leaves one with no images, and TensorFlow
    2.21's oneDNN max-pooling gradient then aborts the whole process ("Check failed: dtype() ==
    expected_dtype" in MklMaxPoolingGradOp); its own kernels take the empty batch.
    """
    if isinstance(request, int) and request > 1:
        return {"TF_ENABLE_ONEDNN_OPTS": "0"}
    return {}


def describe_gpus(gpus: Sequence[Device]) -> str:
    """``"NVIDIA H200"``, ``"2 × NVIDIA H200"`` or ``"2 × GPU"`` (models differ or are unknown)."""
    models = {gpu.model for gpu in gpus}
    model = models.pop() if len(models) == 1 and "" not in models else "GPU"
    return f"{len(gpus)} × {model}"


def choose_devices(gpus: Sequence[Device], request: str | int = "auto") -> DevicePlan:
    """The plan for ``request`` on a machine with ``gpus`` (see the module's docstring).

    Raises
    ------
    ValueError
        When the request asks for GPUs the machine does not have.
    """
    if request == "cpu":
        if gpus:
            return DevicePlan("one_device", ("/device:CPU:0",), "CPU (GPUs left unused)")
        return DevicePlan("default", (), "CPU")
    if request in ("auto", "gpu"):
        if not gpus:
            if request == "gpu":
                raise ValueError("A GPU was asked for (--devices gpu or $CNNVIZ_DEVICES=gpu), but TensorFlow finds "
                                 "none on this machine. Use --devices auto or cpu, or check the GPU driver and "
                                 "TensorFlow's CUDA support (python3 -c \"import tensorflow as tf; "
                                 "print(tf.config.list_physical_devices('GPU'))\").")
            return DevicePlan("default", (), "CPU")
        chosen = list(gpus)
    elif isinstance(request, int) and not isinstance(request, bool) and request >= 1:
        if not gpus:
            if request == 1:
                return DevicePlan("default", (), "CPU")
            if request > MAX_LOGICAL_CPUS:
                raise ValueError(f"{request} devices were asked for on a machine without GPUs; the CPU can be split "
                                 f"into at most {MAX_LOGICAL_CPUS} logical devices.")
            names = tuple(f"/device:CPU:{index}" for index in range(request))
            return DevicePlan("mirrored", names, f"{request} × CPU (logical), MirroredStrategy", logical_cpus=request)
        if request > len(gpus):
            raise ValueError(f"{request} devices were asked for, but TensorFlow finds {len(gpus)} GPU(s). Ask for at "
                             f"most {len(gpus)}, or auto.")
        chosen = list(gpus[:request])
    else:
        raise ValueError(f"The device request must be auto, cpu, gpu or a positive count, received {request!r}.")
    if len(chosen) == 1:
        return DevicePlan("default", (chosen[0].name,), describe_gpus(chosen))
    return DevicePlan("mirrored", tuple(gpu.name for gpu in chosen), f"{describe_gpus(chosen)}, MirroredStrategy")
