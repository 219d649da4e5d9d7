"""The window, shown with the bundled model and a sample digit, for the Explain tab's tests."""

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QToolButton

from cnnviz.service.model_service import ModelService
from cnnviz.ui.main_window import MainWindow

TIMEOUT = 60_000


@pytest.fixture
def window(qtbot, tmp_path):
    service = ModelService(run_root=False)
    window = MainWindow(service, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat),
                        track_session=False)
    qtbot.addWidget(window)
    window.resize(1600, 900)
    window.show()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        pass
    yield window
    window.quit_now()


def open_explain_tab(qtbot, window):
    """Click the Explain tab in the window's tab bar."""
    bar = window.tabs.tabBar()
    index = next(index for index in range(window.tabs.count()) if window.tabs.tabText(index) == "Explain")
    scroll_right = next((button for button in bar.findChildren(QToolButton)
                         if button.arrowType() == Qt.RightArrow), None)
    for _ in range(window.tabs.count()):  # scroll the tab bar as a person would, until the tab shows
        if bar.rect().contains(bar.tabRect(index)) or scroll_right is None or not scroll_right.isVisible():
            break
        qtbot.mouseClick(scroll_right, Qt.LeftButton)
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(index).center())
    assert window.current_view() is window.explain_panel


def engine_of(window):
    """The service's engine, for computing maps directly in a test while the worker is idle."""
    return window.service._worker.engine
