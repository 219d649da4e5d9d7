"""The configuration panel: editing layers updates the summary; impossible settings are shown inline."""

from cnnviz.core.config import Conv2D, reference_config
from cnnviz.core.datasets import list_datasets
from cnnviz.service import payloads as p
from cnnviz.ui.config_panel import ConfigPanel


def make_panel(qtbot):
    panel = ConfigPanel()
    qtbot.addWidget(panel)
    panel.set_datasets(list_datasets())
    return panel


def summary_rows(panel):
    table = panel.summary_table
    return [tuple(table.item(row, column).text() for column in range(3)) for row in range(table.rowCount())]


def test_shows_the_reference_summary(qtbot):
    panel = make_panel(qtbot)
    assert summary_rows(panel)[0] == ("conv2d (Conv2D)", "(None, 26, 26, 28)", "280")
    assert panel.total_label.text() == "Total params: 607,394 (all trainable)"
    assert panel.layer_list.count() == 7


def test_changing_a_layer_setting_changes_the_summary(qtbot):
    panel = make_panel(qtbot)
    panel.layer_list.setCurrentRow(0)
    filters = panel.layer_editor.findChild(object, "setting_filters")
    filters.setValue(8)
    assert panel.config().layers[0].filters == 8
    assert summary_rows(panel)[0] == ("conv2d (Conv2D)", "(None, 26, 26, 8)", "80")
    assert summary_rows(panel)[4][2] == "173,184"  # dense: 13*13*8*128 + 128


def test_an_impossible_setting_shows_its_message_at_the_layer(qtbot):
    panel = make_panel(qtbot)
    panel.layer_list.setCurrentRow(0)
    panel.layer_editor.findChild(object, "setting_kernel_height").setValue(40)
    assert panel.problems() and panel.problems()[0].layer_index == 0
    assert "kernel_size [40, 3] is larger than its 28x28 input" in panel.problem_label.text()
    item = panel.layer_list.item(0)
    assert item.text().startswith("⚠") and "larger than" in item.toolTip()
    assert not panel.build_button.isEnabled()
    assert panel.summary_table.rowCount() == 0
    panel.layer_editor.findChild(object, "setting_kernel_height").setValue(3)
    assert not panel.problems() and panel.build_button.isEnabled()


def test_add_remove_and_reorder_layers(qtbot):
    panel = make_panel(qtbot)
    panel.layer_list.setCurrentRow(1)
    action = next(action for action in panel.add_button.menu().actions() if action.data() == "conv2d")
    action.trigger()
    assert isinstance(panel.config().layers[2], Conv2D)
    assert panel.config().layer_names()[2] == "conv2d_1"
    panel.up_button.click()
    assert isinstance(panel.config().layers[1], Conv2D) and panel.layer_list.currentRow() == 1
    panel.remove_button.click()
    assert [layer.kind for layer in panel.config().layers] == [layer.kind for layer in reference_config().layers]


def test_removing_the_output_layer_is_reported(qtbot):
    panel = make_panel(qtbot)
    panel.layer_list.setCurrentRow(6)
    panel.remove_button.click()
    assert "no output layer" in panel.problem_label.text()


def test_training_settings_edit_the_config(qtbot):
    panel = make_panel(qtbot)
    changes = []
    panel.sig_config_changed.connect(changes.append)
    panel.learning_rate_spin.setValue(0.05)
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("sgd"))
    panel.subset_spin.setValue(5000)
    training = panel.config().training
    assert (training.learning_rate, training.optimizer, training.train_subset) == (0.05, "sgd", 5000)
    assert changes and changes[-1] == panel.config()


def test_buttons_follow_the_service_state(qtbot):
    panel = make_panel(qtbot)
    panel.set_service_state(p.IDLE, has_model=False)
    assert panel.build_button.isEnabled() and not panel.train_button.isEnabled()
    panel.set_service_state(p.IDLE, has_model=True)
    assert panel.train_button.isEnabled()
    panel.set_service_state(p.TRAINING)
    assert panel.pause_button.isEnabled() and panel.stop_button.isEnabled()
    assert not panel.build_button.isEnabled() and not panel.train_button.isEnabled()
    panel.set_service_state(p.PAUSED)
    assert panel.resume_button.isEnabled() and not panel.pause_button.isEnabled()


def test_build_emits_the_config_and_engine(qtbot):
    panel = make_panel(qtbot)
    panel.set_engine("keras")
    with qtbot.waitSignal(panel.sig_build_requested) as blocker:
        panel.build_button.click()
    assert blocker.args == [panel.config(), "keras"]


def test_unavailable_datasets_are_disabled(qtbot):
    panel = make_panel(qtbot)
    combo = panel.dataset_combo
    infos = {info.name: info for info in list_datasets()}
    for index in range(combo.count()):
        name = combo.itemData(index)
        assert combo.model().item(index).isEnabled() == infos[name].available


def test_spectral_pooling_can_be_added_and_edited(qtbot):
    panel = make_panel(qtbot)
    panel.layer_list.setCurrentRow(0)
    action = next(action for action in panel.add_button.menu().actions() if action.data() == "spectral_pooling2d")
    action.trigger()
    assert panel.config().layers[1].kind == "spectral_pooling2d"
    assert "→ 14×14" in panel.layer_list.item(1).text()
    editors = [widget for widget in panel.layer_editor.findChildren(object) if widget.objectName().startswith("setting_")]
    assert editors, "the spectral pooling layer has settings to edit"
    editors[0].setValue(30)
    assert "larger than its 26x26 input" in panel.problem_label.text()
