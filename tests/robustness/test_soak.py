"""Soak: 50 train / pause / resume / stop cycles and 1,000 rapid inspection requests."""

import threading

import pytest
from PySide6.QtWidgets import QApplication

from cnnviz.bench.soak import soak
from cnnviz.core.config import reference_config
from cnnviz.service.model_service import ModelService


@pytest.mark.slow
def test_soak_leaks_no_thread_no_memory_and_shows_no_stale_result(qtbot):
    service = ModelService(run_root=False)
    try:
        with qtbot.waitSignal(service.sig_model_changed, timeout=30_000):
            service.build(reference_config())
        result = soak(QApplication.instance(), service, cycles=50, inspections=1000)
    finally:
        assert service.shutdown(timeout=5)
    assert result["inspection_requests"] == 1000
    assert result["stale_results"] == 0
    assert result["stopped_runs"] >= 45  # a run may complete before Stop on a fast machine
    assert result["threads_after"] <= result["threads_after_first_cycle"]
    assert result["memory_growth_mb"] < 40, result
    assert "cnnviz-model-service" not in [thread.name for thread in threading.enumerate()]
