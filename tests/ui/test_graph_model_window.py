"""A foreign Keras graph model (a small ResNet) opened in the main window: the viewers list every layer
with its branch, the summary shows its layers, and training says why it cannot run."""

import keras
import pytest
from PySide6.QtCore import QSettings

from cnnviz.service.model_service import ModelService
from cnnviz.ui.main_window import MainWindow
from tests.engines.keras_engine.graph_models import small_resnet
from tests.ui.viewers.helpers import choose_with_keys

TIMEOUT = 60_000


@pytest.fixture
def window(qtbot, tmp_path):
    service = ModelService(run_root=tmp_path / "runs")
    window = MainWindow(service, settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        pass
    yield window
    window.quit_now()
    assert not service.is_running


def test_a_resnet_opens_lists_its_branches_and_refuses_training_with_a_reason(qtbot, window, tmp_path):
    keras.utils.set_random_seed(9)
    path = tmp_path / "resnet.keras"
    small_resnet().save(path)
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        window.service.load(path)
    info = window.model_info()
    assert info.config is None and len(info.layer_names) == 13
    view = window.feature_maps_view
    assert view.available_layers() == list(info.layer_names)
    assert info.input_shape == (16, 12, 3) and window.canvas.input_shape() == (16, 12, 3)
    box = view.layer_box()
    index = box.findData("block1_conv2")
    assert box.itemText(index).endswith("[→ block1_add input 2/2]")
    choose_with_keys(qtbot, box, "block1_conv2")
    assert view.current_layer() == "block1_conv2" and not view.is_showing_hint()
    summary = window.config_panel.summary_box
    assert summary.table.rowCount() == 13 and summary.table.item(5, 0).text() == "block1_add (Add)"
    with qtbot.waitSignal(window.service.sig_error_raised, timeout=TIMEOUT) as blocker:
        window.service.train(epochs=1)
    assert "inspected but not trained" in blocker.args[0].message
    qtbot.waitUntil(lambda: getattr(window, "error_dialog", None) is not None, timeout=TIMEOUT)
    window.error_dialog.close()


def test_a_model_with_fewer_classes_than_the_samples_label_still_inspects_it(qtbot, window, tmp_path):
    # The start-up sample is a digit with its true class; a three-class model cannot take that class
    # as its gradient target, so the gradients follow the predicted class instead of failing.
    from tests.engines.keras_engine.graph_models import inception_block

    for index in range(50):   # a sample whose class the model below does not have
        window.canvas.load_sample(index)
        qtbot.waitUntil(lambda: window.inspection.label() is not None, timeout=TIMEOUT)
        if window.inspection.label() >= 3:
            break
    assert window.inspection.label() >= 3
    keras.utils.set_random_seed(4)
    path = tmp_path / "inception.keras"
    inception_block().save(path)
    errors = []
    window.service.sig_error_raised.connect(errors.append)
    window.service.load(path)
    window.show_tab(window.gradients_view)

    def gradients_of_the_new_model() -> bool:
        result = window.inspection.last_result()
        return bool((result is not None and len(result.probabilities) == 3 and result.gradients is not None) or errors)

    qtbot.waitUntil(gradients_of_the_new_model, timeout=TIMEOUT)
    assert not errors, errors[0].message
