"""A label held in a layout barrier changes its text without laying out the widgets around it again;
the window's often-changing labels are held so."""

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cnnviz.ui.layout_barrier import LayoutBarrier


class LayoutRequests(QObject):
    """Counts the layout requests ``widget`` receives."""

    def __init__(self, widget: QWidget):
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        self.count += event.type() == QEvent.Type.LayoutRequest
        return False


def texts_changed(qtbot, held: bool) -> tuple[int, QLabel, QWidget]:
    outer = QWidget()
    inner = QWidget(outer)
    label = QLabel("start")
    layout = QVBoxLayout(inner)
    layout.addWidget(LayoutBarrier(label) if held else label)
    QVBoxLayout(outer).addWidget(inner)
    qtbot.addWidget(outer)
    outer.resize(300, 100)
    outer.show()
    qtbot.waitExposed(outer)
    qtbot.wait(20)
    requests = LayoutRequests(outer)
    for index in range(20):
        label.setText(f"epoch {index} · a longer status line each time " + "·" * index)
        qtbot.wait(1)
    qtbot.wait(20)
    return requests.count, label, outer


def test_a_held_label_changes_its_text_without_laying_out_its_window(qtbot):
    free, _, _ = texts_changed(qtbot, held=False)
    held, label, outer = texts_changed(qtbot, held=True)
    assert free > 0, "a free label's change climbs to the top-level layout"
    assert held == 0
    assert label.text().startswith("epoch 19") and label.isVisible()
    assert label.width() == label.parentWidget().width() > 0, "the label fills its holder"


def test_the_window_holds_its_often_changing_labels(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from cnnviz.service.model_service import ModelService
    from cnnviz.ui.main_window import MainWindow

    window = MainWindow(ModelService(run_root=False), settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat),
                        load_default_model=False)
    qtbot.addWidget(window)
    for label in (window.latency_label, window.eta_label):
        assert label.minimumSize() == label.maximumSize(), "a fixed size: its text never lays out the status bar"
    assert window.progress_bar.sizePolicy().retainSizeWhenHidden()
    assert isinstance(window.monitor.findChild(LayoutBarrier), LayoutBarrier)
    window.quit_now()


class LaidOut(QObject):
    """Notes every widget, other than a layout barrier, that is asked to lay itself out again."""

    def __init__(self):
        super().__init__()
        self.widgets: list[str] = []

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LayoutRequest and isinstance(watched, QWidget) \
                and not isinstance(watched, LayoutBarrier):
            self.widgets.append(type(watched).__name__ + (f" ({watched.objectName()})" if watched.objectName() else ""))
        return False


def test_a_stroke_lays_out_nothing_on_any_viewer_tab_the_first_stroke_of_a_drawing_neither(qtbot, tmp_path):
    """Each stroke changes a prediction, a target value, a caption: relaid out, the page and the
    panels around them took milliseconds of every stroke, and more at a drawing's first."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from cnnviz.service.model_service import ModelService
    from cnnviz.ui.main_window import MainWindow
    from tests.ui.science.helpers import click_tab

    window = MainWindow(ModelService(run_root=False), settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitUntil(lambda: window.last_result() is not None, timeout=30_000)
    spy = LaidOut()
    for title in ("Feature maps", "Overview", "Kernels", "Spectra", "Gradients"):
        click_tab(qtbot, window.tabs, title)
        with qtbot.waitSignal(window.sig_inspection_shown, timeout=30_000):   # the page's first drawing
            window.canvas.stroke([(100, 100), (180, 120)])
        window.canvas.clear()
        for points in ([(60, 60), (200, 210)], [(200, 60), (70, 220)], [(140, 40), (140, 240)]):
            # Whatever the last stroke or the clear left to do (a deferred layout of the grid's cells on
            # a loaded machine) is done before this stroke is watched.
            qtbot.waitUntil(lambda: window.last_result() is None
                            or window.last_result().request_id == window.inspection.latest_request(), timeout=30_000)
            qtbot.wait(150)
            QApplication.instance().installEventFilter(spy)
            with qtbot.waitSignal(window.sig_inspection_shown, timeout=30_000):
                window.canvas.stroke(points)
            qtbot.wait(30)   # painted, and any layout request handled
            QApplication.instance().removeEventFilter(spy)
            assert spy.widgets == [], f"{title}: a stroke laid out {spy.widgets}"
    window.quit_now()
