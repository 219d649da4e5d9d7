"""The configuration panel: editing layers updates the summary; impossible settings are shown inline."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QScrollArea, QWidget

from cnnviz.core.config import Conv2D, reference_config
from cnnviz.core.datasets import list_datasets
from cnnviz.service import payloads as p
from cnnviz.ui.model.panel import ConfigPanel
from cnnviz.ui.wheel_guard import SCROLL_PAUSE_S, install_wheel_guard
from tests.ui.person import backspace, choose, click_arrow, click_into, type_value, wheel


def make_panel(qtbot):
    panel = ConfigPanel()
    qtbot.addWidget(panel)
    panel.set_datasets(list_datasets())
    return panel


def summary_rows(panel):
    table = panel.summary_box.table
    return [tuple(table.item(row, column).text() for column in range(3)) for row in range(table.rowCount())]


def test_shows_the_reference_summary(qtbot):
    panel = make_panel(qtbot)
    assert summary_rows(panel)[0] == ("conv2d (Conv2D)", "(None, 26, 26, 28)", "280")
    assert panel.summary_box.total_label.text() == "Total params: 607,394 (all trainable)"
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
    assert panel.summary_box.table.rowCount() == 0
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
    editors = [widget for widget in panel.layer_editor.findChildren(object)
               if widget.objectName().startswith("setting_")]
    assert editors, "the spectral pooling layer has settings to edit"
    editors[0].setValue(30)
    assert "larger than its 26x26 input" in panel.problem_label.text()


# -- as a person edits: whole values typed, arrows clicked, the wheel turned -----------------------

def editor(panel, setting):
    QApplication.processEvents()  # a new form's editors are shown by the event loop
    widget = panel.layer_editor.findChild(QWidget, f"setting_{setting}")
    assert widget is not None and widget.isVisible(), f"no editor for {setting}"
    return widget


@pytest.mark.parametrize("setting, text, expected", [
    ("kernel_height", "5", lambda layer: layer.kernel_size == (5, 3)),
    ("kernel_height", "0", lambda layer: layer.kernel_size == (0, 3)),
    ("filters", "40", lambda layer: layer.filters == 40),
    ("filters", "32", lambda layer: layer.filters == 32),
    ("strides_horizontal", "2", lambda layer: layer.strides == (1, 2)),
])
@pytest.mark.parametrize("finish", ["enter", "tab"])
def test_typing_a_whole_value_into_a_conv_setting(qtbot, setting, text, expected, finish):
    panel = make_panel(qtbot)
    panel.show()
    panel.layer_list.setCurrentRow(0)
    widget = editor(panel, setting)
    type_value(qtbot, widget, text, finish=finish)
    assert expected(panel.config().layers[0]), panel.config().layers[0]
    # The editor the person typed into is still the one on screen, and it shows what they typed.
    assert editor(panel, setting) is widget and widget.text() == text


def test_typing_into_a_dense_layer_and_clicking_its_arrows(qtbot):
    panel = make_panel(qtbot)
    panel.show()
    panel.layer_list.setCurrentRow(4)
    units = editor(panel, "units")
    type_value(qtbot, units, "3")
    assert panel.config().layers[4].units == 3
    click_arrow(qtbot, units, up=True)
    click_arrow(qtbot, units, up=True)
    assert panel.config().layers[4].units == 5 and editor(panel, "units") is units
    click_arrow(qtbot, units, up=False)
    assert panel.config().layers[4].units == 4
    assert "4 units" in panel.layer_list.item(4).text()


def test_a_half_typed_value_is_not_taken_and_backspace_edits(qtbot):
    panel = make_panel(qtbot)
    panel.show()
    panel.layer_list.setCurrentRow(0)
    filters = editor(panel, "filters")
    type_value(qtbot, filters, "4", finish="none")
    assert panel.config().layers[0].filters == 28  # not yet: the person is still typing
    qtbot.keyClicks(filters.findChild(QLineEdit), "05")
    backspace(qtbot, filters)
    qtbot.keyClick(filters.findChild(QLineEdit), Qt.Key_Return)
    assert panel.config().layers[0].filters == 40


def test_an_impossible_typed_value_is_flagged_without_losing_the_editor(qtbot):
    panel = make_panel(qtbot)
    panel.show()
    panel.layer_list.setCurrentRow(0)
    height = editor(panel, "kernel_height")
    type_value(qtbot, height, "40")
    assert "larger than its 28x28 input" in panel.problem_label.text()
    assert editor(panel, "kernel_height") is height
    label = panel.layer_editor.findChild(QLabel, "", Qt.FindChildrenRecursively)
    assert any(child.text().startswith("⚠ Kernel height") for child in panel.layer_editor.findChildren(QLabel))
    assert label is not None
    type_value(qtbot, height, "3", finish="tab")
    assert not panel.problems() and panel.build_button.isEnabled()
    assert not any(child.text().startswith("⚠") for child in panel.layer_editor.findChildren(QLabel))


def test_choosing_an_activation_and_padding_from_the_list(qtbot):
    panel = make_panel(qtbot)
    panel.show()
    panel.layer_list.setCurrentRow(0)
    choose(qtbot, editor(panel, "activation"), "tanh")
    assert panel.config().layers[0].activation == "tanh"
    choose(qtbot, editor(panel, "padding"), "same")
    assert panel.config().layers[0].padding == "same"
    assert "same, tanh" in panel.layer_list.item(0).text()


def test_typing_training_settings(qtbot):
    panel = make_panel(qtbot)
    panel.show()
    type_value(qtbot, panel.learning_rate_spin, "0.05")
    type_value(qtbot, panel.batch_spin, "128", finish="tab")
    type_value(qtbot, panel.epochs_spin, "12")
    choose(qtbot, panel.optimizer_combo, "SGD")
    training = panel.config().training
    assert (training.learning_rate, training.batch_size, training.epochs, training.optimizer) == (0.05, 128, 12, "sgd")


def test_the_wheel_over_an_unfocused_setting_scrolls_instead_of_changing_it(qtbot):
    install_wheel_guard()
    panel = make_panel(qtbot)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(panel)
    scroll.resize(380, 300)
    qtbot.addWidget(scroll)
    scroll.show()
    qtbot.waitExposed(scroll)
    before = panel.config()
    bar = scroll.verticalScrollBar()
    for widget in (panel.learning_rate_spin, panel.initializer_combo, panel.batch_spin, editor(panel, "filters")):
        start = bar.value()
        wheel(widget, -1)
        assert bar.value() > start, f"the panel did not scroll over {widget.objectName() or type(widget).__name__}"
        bar.setValue(0)
    assert panel.config() == before
    # Once the person clicks into a field (and is not in the middle of scrolling), the wheel changes it.
    epochs = panel.epochs_spin
    click_into(qtbot, epochs)
    qtbot.wait(int(SCROLL_PAUSE_S * 1000) + 100)
    wheel(epochs, 1)
    assert panel.config().training.epochs == before.training.epochs + 1


def test_scrolling_past_the_focused_field_does_not_change_it(qtbot):
    """Tab moved the focus to Kernel width; the person then scrolls the panel with the wheel, and the
    focused field passes under the pointer: the panel goes on scrolling, the field keeps its value."""
    install_wheel_guard()
    panel = make_panel(qtbot)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(panel)
    scroll.resize(380, 300)
    qtbot.addWidget(scroll)
    scroll.show()
    qtbot.waitExposed(scroll)
    panel.layer_list.setCurrentRow(0)
    width = editor(panel, "kernel_width")
    click_into(qtbot, width)
    bar = scroll.verticalScrollBar()
    start = bar.value()
    wheel(panel.layer_editor, -1)  # over the form's background: the panel scrolls
    wheel(width, -1)  # the focused field is now under the pointer, mid-gesture
    wheel(width, -1)
    assert panel.config().layers[0].kernel_size == (3, 3)
    assert bar.value() > start


def test_long_architecture_entries_have_the_whole_line_as_tooltip(qtbot):
    panel = make_panel(qtbot)
    for row in range(panel.layer_list.count()):
        item = panel.layer_list.item(row)
        assert item.toolTip().endswith(item.text().lstrip("⚠ "))


def test_a_problem_does_not_move_the_controls_below_it(qtbot):
    panel = make_panel(qtbot)
    panel.show()
    panel.layer_list.setCurrentRow(0)
    qtbot.waitExposed(panel)
    top = panel.layer_list.mapTo(panel, panel.layer_list.rect().topLeft()).y()
    type_value(qtbot, editor(panel, "kernel_height"), "40")
    assert panel.problems()
    QApplication.processEvents()
    assert panel.layer_list.mapTo(panel, panel.layer_list.rect().topLeft()).y() == top


def test_a_configuration_too_large_for_the_memory_limit_is_shown_as_a_problem(qtbot, monkeypatch):
    monkeypatch.setenv("CNNVIZ_MEMORY_LIMIT_MB", "300")
    panel = make_panel(qtbot)
    panel.show()
    panel.layer_list.setCurrentRow(0)
    type_value(qtbot, editor(panel, "filters"), "512")
    text = panel.problem_label.text()
    assert "Training this model needs about" in text and "a batch of 32" in text
    assert "more than the 300 MiB cnnviz allows" in text and "Lower the batch size" in text
    assert panel.layer_list.item(0).text().startswith("⚠") and not panel.build_button.isEnabled()
    type_value(qtbot, panel.batch_spin, "1", finish="tab")
    assert not panel.problems() and panel.build_button.isEnabled()
    assert panel.problem_label.text().startswith("✓")


def add_layer(panel, kind):
    action = next(action for action in panel.add_button.menu().actions() if action.data() == kind)
    action.trigger()


def test_batch_normalization_global_pooling_and_activation_are_offered_and_typed_into(qtbot):
    panel = make_panel(qtbot)
    panel.show()
    labels = [action.text() for action in panel.add_button.menu().actions()]
    for label in ("BatchNormalization", "Activation", "GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        assert label in labels
    panel.layer_list.setCurrentRow(0)
    add_layer(panel, "batch_normalization")
    assert panel.config().layers[1].kind == "batch_normalization"
    assert "momentum 0.99, epsilon 0.001" in panel.layer_list.item(1).text()
    assert summary_rows(panel)[1] == ("batch_normalization (BatchNormalization)", "(None, 26, 26, 28)", "112")
    assert "56 moving statistics" in panel.summary_box.total_label.text()

    type_value(qtbot, editor(panel, "momentum"), "0.9")
    assert panel.config().layers[1].momentum == pytest.approx(0.9)
    type_value(qtbot, editor(panel, "epsilon"), "0.01", finish="tab")
    assert panel.config().layers[1].epsilon == pytest.approx(0.01)
    type_value(qtbot, editor(panel, "momentum"), "1")
    assert "momentum must be in (0, 1), received 1.0" in panel.problem_label.text()
    assert not panel.build_button.isEnabled()
    type_value(qtbot, editor(panel, "momentum"), "0.95")
    assert not panel.problems()

    add_layer(panel, "activation")
    assert panel.config().layers[2].kind == "activation"
    choose(qtbot, editor(panel, "activation"), "tanh")
    assert panel.config().layers[2].activation == "tanh"

    add_layer(panel, "global_average_pooling2d")
    assert panel.config().layers[3].kind == "global_average_pooling2d"
    assert any("mean of each channel" in label.text() for label in panel.layer_editor.findChildren(QLabel))
    # The max pooling after it now receives 28 values, not a map: said at that layer.
    assert "max_pooling2d needs an image-shaped input" in panel.problem_label.text()


@pytest.mark.parametrize("setting, text, flagged, clear", [
    ("kernel_height", "40", "Kernel height", "Kernel width"),   # larger than the 28x28 input
    ("kernel_width", "0", "Kernel width", "Kernel height"),     # not positive
    ("strides_horizontal", "0", "Strides horizontal", "Strides vertical"),
])
def test_only_the_wrong_half_of_a_pair_is_flagged(qtbot, setting, text, flagged, clear):
    panel = make_panel(qtbot)
    panel.show()
    panel.layer_list.setCurrentRow(0)
    type_value(qtbot, editor(panel, setting), text)
    assert panel.problems()
    labels = {child.text().lstrip("⚠ "): child.text() for child in panel.layer_editor.findChildren(QLabel)}
    assert labels[flagged].startswith("⚠ ")
    assert labels[clear] == clear


def test_a_half_typed_value_never_lands_in_another_layer_when_the_form_is_replaced(qtbot):
    """The window replaces the configuration (a divergence fix, a preset) while a layer setting holds
    half-typed text: the old form must not commit it into the layer the panel shows next."""
    panel = make_panel(qtbot)
    panel.show()
    qtbot.waitExposed(panel)
    panel.layer_list.setCurrentRow(4)   # dense, 128 units
    units = panel.layer_editor.findChild(object, "setting_units")
    type_value(qtbot, units, "64", finish="none")
    assert units.hasFocus()
    # A configuration whose layer 4 is no dense layer: a commit of the old form would overwrite it.
    config = reference_config()
    layers = list(config.layers)
    layers[4] = Conv2D(filters=8, kernel_size=(3, 3))   # after flatten: invalid, flagged at that layer
    replaced = config.with_layers(layers).with_training(learning_rate=0.0005)
    panel.set_config(replaced)
    QApplication.processEvents()
    assert panel.config() == replaced
    assert [problem.layer_index for problem in panel.problems()] == [4]
    assert panel.summary_box.table.rowCount() == 0
    assert panel.summary_box.total_label.text() == "The summary appears when the configuration is valid."
