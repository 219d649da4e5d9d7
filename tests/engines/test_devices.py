"""The Keras engine's device choice on fake machines (no TensorFlow, no GPU needed)."""

import pytest

from cnnviz.engines.devices import Device, choose_devices, parse_request, requested_devices


def gpus(count, model="NVIDIA H200"):
    return [Device(f"/device:GPU:{index}", model) for index in range(count)]


def test_without_gpus_auto_uses_the_cpu_as_tensorflow_places_it():
    plan = choose_devices([], "auto")
    assert (plan.strategy, plan.devices, plan.description, plan.num_replicas) == ("default", (), "CPU", 1)


def test_one_gpu_is_used_as_it_is_and_named():
    plan = choose_devices(gpus(1), "auto")
    assert (plan.strategy, plan.devices, plan.description) == ("default", ("/device:GPU:0",), "1 × NVIDIA H200")


def test_several_gpus_are_mirrored():
    plan = choose_devices(gpus(4), "auto")
    assert plan.strategy == "mirrored" and plan.num_replicas == 4
    assert plan.devices == tuple(f"/device:GPU:{index}" for index in range(4))
    assert plan.description == "4 × NVIDIA H200, MirroredStrategy"
    assert choose_devices(gpus(4), "gpu") == plan


def test_gpus_of_unknown_or_mixed_models_are_called_gpu():
    mixed = [Device("/device:GPU:0", "NVIDIA A100"), Device("/device:GPU:1", "NVIDIA H200")]
    assert choose_devices(mixed).description == "2 × GPU, MirroredStrategy"
    assert choose_devices(gpus(2, model="")).description == "2 × GPU, MirroredStrategy"


def test_a_count_takes_the_first_gpus():
    plan = choose_devices(gpus(4), 2)
    assert plan.strategy == "mirrored" and plan.devices == ("/device:GPU:0", "/device:GPU:1")
    assert choose_devices(gpus(4), 1).strategy == "default"
    with pytest.raises(ValueError, match="8 devices were asked for, but TensorFlow finds 4 GPU"):
        choose_devices(gpus(4), 8)


def test_a_count_without_gpus_splits_the_cpu():
    plan = choose_devices([], 2)
    assert (plan.strategy, plan.logical_cpus, plan.num_replicas) == ("mirrored", 2, 2)
    assert plan.devices == ("/device:CPU:0", "/device:CPU:1")
    assert plan.description == "2 × CPU (logical), MirroredStrategy"
    assert choose_devices([], 1).description == "CPU"
    with pytest.raises(ValueError, match="at most 16 logical devices"):
        choose_devices([], 17)


def test_cpu_override_leaves_the_gpus_unused():
    plan = choose_devices(gpus(2), "cpu")
    assert (plan.strategy, plan.devices) == ("one_device", ("/device:CPU:0",))
    assert "CPU" in plan.description
    assert choose_devices([], "cpu").strategy == "default"


def test_asking_for_a_gpu_on_a_machine_without_one_says_what_to_do():
    with pytest.raises(ValueError, match="finds none on this machine. Use --devices auto or cpu"):
        choose_devices([], "gpu")


@pytest.mark.parametrize("text, expected", [("auto", "auto"), (" CPU ", "cpu"), ("gpu", "gpu"), ("3", 3)])
def test_requests_are_read(text, expected):
    assert parse_request(text) == expected


@pytest.mark.parametrize("text", ["", "0", "-1", "two", "gpu:0", "1.5"])
def test_malformed_requests_are_refused_with_the_values_accepted(text):
    with pytest.raises(ValueError, match="must be auto, cpu, gpu or a number of devices"):
        parse_request(text)


def test_the_environment_variable_applies_unless_a_request_is_given():
    assert requested_devices(None, {}) == "auto"
    assert requested_devices(None, {"CNNVIZ_DEVICES": "2"}) == 2
    assert requested_devices("cpu", {"CNNVIZ_DEVICES": "2"}) == "cpu"
    with pytest.raises(ValueError, match=r"\$CNNVIZ_DEVICES must be"):
        requested_devices(None, {"CNNVIZ_DEVICES": "many"})


def test_the_numpy_engine_names_the_threads_its_caller_trains_on():
    import threading

    from cnnviz.core.config import reference_config
    from cnnviz.engines.numpy_engine import NumpyEngine, parallel

    engine = NumpyEngine(reference_config())
    seen = []

    def worker():
        parallel.set_worker_limit(1)  # as the window's model service does
        seen.append(engine.device)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == ["CPU, 1 thread"]
    assert engine.device == f"CPU, {parallel.num_workers()} thread" + ("s" if parallel.num_workers() > 1 else "")


def test_the_keras_engine_uses_tensorflows_placement_without_a_request(monkeypatch):
    from cnnviz.core.config import reference_config
    from cnnviz.engines.keras_engine import KerasEngine

    monkeypatch.delenv("CNNVIZ_DEVICES", raising=False)
    engine = KerasEngine(reference_config())
    assert engine.device_plan.strategy == "default"
    assert engine.device == "CPU" or engine.device.startswith("1 × ")
    monkeypatch.setenv("CNNVIZ_DEVICES", "gpu")
    import tensorflow as tf

    if not tf.config.list_physical_devices("GPU"):
        with pytest.raises(ValueError, match="A GPU was asked for"):
            KerasEngine(reference_config())


def test_the_cpu_request_on_a_machine_with_gpus_pins_the_model_to_the_cpu(monkeypatch):
    """The one-device path, run for real on the CPU: a fake GPU list makes ``cpu`` choose OneDeviceStrategy,
    which must train exactly as TensorFlow's own placement does."""
    import numpy as np

    from cnnviz.core.config import Conv2D, Dense, Flatten, ModelConfig, TrainingConfig
    from cnnviz.engines.keras_engine import KerasEngine, strategy

    config = ModelConfig(input_shape=(10, 12, 3), layers=(Conv2D(4, (3, 3), activation="relu"), Flatten(),
                                                          Dense(3, activation="softmax")),
                         training=TrainingConfig(dataset="shapes-colour", learning_rate=0.01, seed=5))
    plain = KerasEngine(config, devices="auto")
    monkeypatch.setattr(strategy, "physical_gpus", lambda: gpus(2, model="Fake GPU"))
    pinned = KerasEngine(config, devices="cpu")
    assert pinned.device_plan.strategy == "one_device" and pinned.device == "CPU (GPUs left unused)"
    assert type(pinned._strategy).__name__ == "OneDeviceStrategy"
    rng = np.random.default_rng(1)
    images, labels = rng.random((9, 10, 12, 3), dtype=np.float32), rng.integers(0, 3, 9)
    for _ in range(3):
        assert pinned.train_step(images, labels) == pytest.approx(plain.train_step(images, labels), rel=1e-5)
    np.testing.assert_allclose(pinned.predict(images), plain.predict(images), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("request_, expected", [
    (2, {"TF_ENABLE_ONEDNN_OPTS": "0"}), (4, {"TF_ENABLE_ONEDNN_OPTS": "0"}),
    (1, {}), ("auto", {}), ("cpu", {}), ("gpu", {})])
def test_a_request_for_several_devices_turns_the_onednn_kernels_off(request_, expected):
    """TensorFlow 2.21's oneDNN max-pooling gradient aborts on a replica given no images."""
    from cnnviz.engines.devices import tensorflow_environment

    assert tensorflow_environment(request_) == expected
