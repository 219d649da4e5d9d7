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
