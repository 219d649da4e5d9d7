"""A foreign Keras graph model (skip connections, depthwise and separable convolutions) in the model
service: its layer graph and summary reach the interface, an inspection serves every layer with its
spectra, and what it cannot do (train) is refused with a reason instead of failing."""

import keras
import numpy as np
import pytest

from cnnviz.core.summary import graph_summary
from cnnviz.service import payloads as p
from cnnviz.service.inspection import run_inspection
from cnnviz.service.model_service import ModelService
from tests.engines.keras_engine.graph_models import merges_model, small_resnet

TIMEOUT = 60_000


@pytest.fixture
def resnet_file(tmp_path):
    keras.utils.set_random_seed(3)
    path = tmp_path / "resnet.keras"
    small_resnet().save(path)
    return path


def test_the_service_describes_a_graph_model_and_inspects_every_layer(qtbot, resnet_file):
    service = ModelService(run_root=False)
    try:
        with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT) as blocker:
            service.load(resnet_file)
        info: p.ModelInfo = blocker.args[0]
        assert info.config is None and info.graph is not None
        assert info.graph.names() == list(info.layer_names)
        assert [row.name for row in info.summary.rows] == list(info.layer_names)
        assert info.summary.total_parameters == keras.models.load_model(resnet_file).count_params()
        assert info.graph.layer("block1_conv2").branch == "→ block1_add input 2/2"
        image = np.random.default_rng(0).random((1, 16, 12, 3), dtype=np.float32)
        with qtbot.waitSignal(service.sig_inspection_finished, timeout=TIMEOUT) as blocker:
            service.inspect(image)
        result: p.InspectionResult = blocker.args[0]
        assert set(result.feature_maps) == set(info.layer_names)
        assert result.layer_graph == info.graph
        assert result.flip_checks is None, "no configuration: the flip view says why it has no check"
        with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT) as blocker:
            service.train(epochs=1)
        error: p.ServiceError = blocker.args[0]
        assert error.kind == p.JobKind.TRAIN and "inspected but not trained" in error.message
    finally:
        assert service.shutdown(timeout=5)


def test_an_inspection_of_a_graph_model_has_every_spectrum(tmp_path):
    from cnnviz.engines.keras_engine import KerasEngine

    path = tmp_path / "merges.keras"
    merges_model().save(path)
    engine = KerasEngine.load(path)
    result = run_inspection(engine, np.random.default_rng(1).random((1, 10, 9, 3), dtype=np.float32))
    maps = [name for name in result.layer_names if result.feature_maps[name].ndim == 4]
    assert list(result.spectra.feature_maps) == maps
    for name in maps:
        assert result.spectra.feature_maps[name].spectra.shape[0] == result.feature_maps[name].shape[-1]
    assert set(result.spectra.kernels) == {"gate", "separable:depthwise", "separable:pointwise", "depthwise",
                                           "pointwise"}
    assert result.spectra.kernel_spectra("separable:depthwise").spectra.shape[0] == 6
    assert graph_summary(result.layer_graph).total_parameters == engine.model.count_params()
    np.testing.assert_allclose(result.probabilities, engine.model.predict(result.image, verbose=0)[0], rtol=1e-5)
