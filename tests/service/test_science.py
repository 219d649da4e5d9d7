"""The model service schedules the science analyses on its worker and hands back their results."""

import pytest

from cnnviz import science
from cnnviz.service.model_service import ModelService
from tests.science.helpers import REFERENCE, reference_engine

TIMEOUT = 20_000


@pytest.fixture(scope="module")
def split():
    return science.load_test_split(reference_engine())


def test_analyses_through_a_real_model_service(qtbot, split):
    service = ModelService(run_root=False)
    try:
        with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT) as loaded:
            service.load(REFERENCE)
        version = loaded.args[0].version
        with qtbot.waitSignal(service.sig_science_finished, timeout=TIMEOUT) as finished:
            request_id = service.run_science("symmetry", layer="dense", transform="sign_flip", samples=50)
        answer = finished.args[0]
        assert answer.request_id == request_id and answer.kind == "symmetry"
        assert answer.params["transform"] == "sign_flip"
        assert isinstance(answer.value, science.SymmetryResult) and not answer.value.is_symmetry
        with qtbot.waitSignal(service.sig_science_finished, timeout=TIMEOUT) as finished:
            service.run_science("prune", layer="conv2d", filters=[0], keep=True)
        assert finished.args[0].value.kept
        with qtbot.waitSignal(service.sig_inspection_finished, timeout=TIMEOUT) as inspected:
            service.inspect(split.images[:1])
        assert inspected.args[0].model_version == version + 1
        assert not inspected.args[0].kernels["conv2d"][..., 0].any()
        with qtbot.waitSignal(service.sig_error_raised, timeout=TIMEOUT) as failed:
            service.run_science("dead_filters", layer="flatten")
        assert "conv2d or dense" in failed.args[0].message
    finally:
        assert service.shutdown(timeout=10)
