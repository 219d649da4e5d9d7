"""What the Science panel tests share: the reference model, the panel wired to a service as the window
wires it, and a person's clicks on tabs and buttons."""

import re

from PySide6.QtCore import QObject, Qt

from cnnviz.core.resources import resource_path
from cnnviz.core.summary import summarize
from cnnviz.service import payloads as p
from cnnviz.service.model_service import ModelService
from cnnviz.service.payloads import ModelInfo
from cnnviz.ui.science.panel import SciencePanel

REFERENCE = resource_path("reference_model.npz")
TIMEOUT = 60_000
INTERVAL = r"\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]"
"""An estimate with its interval, as the verdicts write it: ``0.895 [0.887, 0.902]``."""

def model_info(engine, version=1):
    return ModelInfo(engine.name, tuple(engine.layer_names()), engine.config, summarize(engine.config), "test",
                     version)


class Wiring(QObject):
    """The panel and the service connected as the main window connects them."""

    def __init__(self, panel: SciencePanel, service: ModelService):
        super().__init__(panel)
        self.panel, self.service = panel, service
        service.sig_model_changed.connect(panel.set_model)
        service.sig_inspection_finished.connect(panel.show_inspection)
        service.sig_science_finished.connect(panel.show_science)
        service.sig_state_changed.connect(self._on_state_changed)
        panel.sig_science_requested.connect(self._on_science_requested)

    def _on_science_requested(self, kind: str, params) -> None:
        self.service.run_science(kind, **params)

    def _on_state_changed(self, state: str) -> None:
        self.panel.set_busy(state != p.IDLE)


def click_tab(qtbot, tabs, title: str) -> None:
    """Click the tab reading ``title`` on a tab widget's bar."""
    titles = [tabs.tabText(index) for index in range(tabs.count())]
    index = titles.index(title)
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def click(qtbot, button) -> None:
    """Click ``button`` once it is enabled (as a person waits for the service to finish the last job)."""
    qtbot.waitUntil(button.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(button, Qt.LeftButton)


def run_by_click(qtbot, service, button):
    """Click ``button`` and wait for the service's answer; returns the analysis result."""
    with qtbot.waitSignal(service.sig_science_finished, timeout=TIMEOUT) as finished:
        click(qtbot, button)
    return finished.args[0].value


def number_after(text, label):
    return float(re.search(re.escape(label) + r"\s*([-+0-9.e]+)", text).group(1))
