"""The ``tf.distribute`` strategy for a :class:`~cnnviz.engines.devices.DevicePlan`.

TensorFlow fixes its devices when it first runs anything: memory growth on the GPUs (so cnnviz
takes GPU memory as it needs it rather than all of it at once) and a split of the CPU into
logical devices can only be set before that. Both are set here, as early as the first Keras
engine; a later request that needs a split TensorFlow did not make is refused with a message.
"""

from __future__ import annotations

import tensorflow as tf

from cnnviz.engines.devices import Device, DevicePlan, choose_devices, requested_devices

_strategies: dict[DevicePlan, tf.distribute.Strategy] = {}


def physical_gpus() -> list[Device]:
    """The GPUs TensorFlow can use, with memory growth turned on where it still can be."""
    gpus = []
    for index, gpu in enumerate(tf.config.list_physical_devices("GPU")):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except (RuntimeError, ValueError):  # the runtime already started: keep what it has
            pass
        try:
            model = str(tf.config.experimental.get_device_details(gpu).get("device_name", ""))
        except (RuntimeError, ValueError):
            model = ""
        gpus.append(Device(f"/device:GPU:{index}", model))
    return gpus


def _split_cpu(count: int) -> None:
    """Make ``count`` logical CPU devices, or check TensorFlow already has them (ValueError if not)."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    if len(tf.config.get_logical_device_configuration(cpu) or ()) >= count:
        return
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()
                                                         for _ in range(count)])
    except RuntimeError:
        available = len(tf.config.list_logical_devices("CPU"))
        if available < count:
            raise ValueError(f"{count} logical CPU devices were asked for, but TensorFlow already started with "
                             f"{available}; the split can only be made before the first Keras model. Start "
                             "cnnviz again with the device request set (CNNVIZ_DEVICES or --devices).") from None


def plan_and_strategy(request: object = None) -> tuple[DevicePlan, tf.distribute.Strategy]:
    """The plan for ``request`` (default: ``$CNNVIZ_DEVICES`` or ``auto``) on this machine, and its
    strategy (TensorFlow's default strategy for a ``"default"`` plan).

    Raises
    ------
    ValueError
        For a request this machine cannot meet.
    """
    plan = choose_devices(physical_gpus(), requested_devices(request))
    if plan.strategy == "default":
        return plan, tf.distribute.get_strategy()
    if plan not in _strategies:
        if plan.logical_cpus > 1:
            _split_cpu(plan.logical_cpus)
        if plan.strategy == "mirrored":
            # On CPUs, NCCL is not there; the default cross-device ops would pick it for GPUs.
            cross_device = (tf.distribute.ReductionToOneDevice() if plan.logical_cpus > 1
                            else None)
            _strategies[plan] = tf.distribute.MirroredStrategy(list(plan.devices), cross_device_ops=cross_device)
        else:
            _strategies[plan] = tf.distribute.OneDeviceStrategy(plan.devices[0])
    return plan, _strategies[plan]


def default_plan() -> DevicePlan:
    """What TensorFlow's own placement uses for a model made outside any strategy: its first GPU, or
    the CPU."""
    gpus = physical_gpus()
    return choose_devices(gpus[:1], "auto")
