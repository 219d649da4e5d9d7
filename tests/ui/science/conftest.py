"""Fixtures of the Science panel tests: the reference model and its test split (read once for the
package), a model service, and the panel on screen following both."""

import pytest

from cnnviz import science
from cnnviz.engines.registry import load_engine
from cnnviz.service.inspection import run_inspection
from cnnviz.service.model_service import ModelService
from cnnviz.ui.science.panel import SciencePanel
from tests.ui.science.helpers import REFERENCE, TIMEOUT, Wiring


@pytest.fixture(scope="package")
def engine():
    return load_engine(REFERENCE)


@pytest.fixture(scope="package")
def split(engine):
    return science.load_test_split(engine)


@pytest.fixture(scope="package")
def inspection(engine, split):
    """The reference model's inspection of test digit 3 (a 4)."""
    return run_inspection(engine, split.images[3:4])


@pytest.fixture
def service(qtbot):
    service = ModelService(run_root=False)
    yield service
    assert service.shutdown(timeout=10)


@pytest.fixture
def panel(qtbot, service, split):
    """The panel on screen, following the service's reference model and test digit 3 (a 4)."""
    widget = SciencePanel()
    qtbot.addWidget(widget)
    Wiring(widget, service)
    with qtbot.waitSignal(service.sig_model_changed, timeout=TIMEOUT):
        service.load(REFERENCE)
    with qtbot.waitSignal(service.sig_inspection_finished, timeout=TIMEOUT):
        service.inspect(split.images[3:4])
    widget.resize(1000, 720)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def requests(panel):
    """Every (kind, params) the panel asks for."""
    recorded = []
    panel.sig_science_requested.connect(lambda kind, params: recorded.append((kind, params)))
    return recorded
