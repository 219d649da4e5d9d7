"""The Model panel's input shape: typed as a person types, checked, summarised, saved and built."""

from PySide6.QtWidgets import QApplication, QWidget

from cnnviz.core.config import ModelConfig, reference_config
from cnnviz.core.datasets import list_datasets
from cnnviz.core.summary import format_shape, summarize
from cnnviz.core.training_data import fitting_note
from tests.ui.model.test_panel import make_panel, summary_rows
from tests.ui.person import choose, click_arrow, type_value


def shown_panel(qtbot):
    panel = make_panel(qtbot)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_typed_height_width_and_colour_change_the_config_and_the_summary(qtbot):
    panel = shown_panel(qtbot)
    form = panel.input_form
    type_value(qtbot, form.height_spin, "64")
    type_value(qtbot, form.width_spin, "48", finish="tab")
    choose(qtbot, form.channels_combo, "Colour (3 channels, RGB)")
    assert panel.config().input_shape == (64, 48, 3)
    expected = summarize(panel.config())
    assert summary_rows(panel)[0][1] == format_shape(expected.rows[0].output_shape) == "(None, 62, 46, 28)"
    assert summary_rows(panel)[0][2] == f"{expected.rows[0].num_parameters:,}" == f"{(3 * 3 * 3 + 1) * 28:,}"
    assert panel.summary_box.total_label.text() == f"Total params: {expected.total_parameters:,} (all trainable)"
    assert "64×48×3 input" in panel.problem_label.text()
    # The editors typed into are the ones still shown, with what was typed.
    assert form.height_spin.text() == "64" and form.width_spin.text() == "48"


def test_a_half_typed_size_is_not_taken(qtbot):
    panel = shown_panel(qtbot)
    changes = []
    panel.sig_config_changed.connect(changes.append)
    type_value(qtbot, panel.input_form.height_spin, "6", finish="none")
    assert panel.config().input_shape == (28, 28, 1) and not changes
    type_value(qtbot, panel.input_form.height_spin, "60")
    assert panel.config().input_shape == (60, 28, 1)
    assert [config.input_shape for config in changes] == [(60, 28, 1)]


def test_a_too_small_input_is_flagged_at_the_input_and_blocks_build(qtbot):
    panel = shown_panel(qtbot)
    type_value(qtbot, panel.input_form.width_spin, "4")
    assert panel.problems() and "at least 8" in panel.problem_label.text()
    labels = {label.text() for label in panel.input_form.findChildren(QWidget) if hasattr(label, "buddy")}
    assert "⚠ Width" in labels and "Height" in labels
    assert not panel.build_button.isEnabled() and panel.summary_box.table.rowCount() == 0
    click_arrow(qtbot, panel.input_form.width_spin, up=True)
    for _ in range(3):
        click_arrow(qtbot, panel.input_form.width_spin, up=True)
    assert panel.config().input_shape == (28, 8, 1) and not panel.problems()
    labels = {label.text() for label in panel.input_form.findChildren(QWidget) if hasattr(label, "buddy")}
    assert panel.build_button.isEnabled() and "Width" in labels and "⚠ Width" not in labels


def test_an_input_smaller_than_a_kernel_flags_that_layer(qtbot):
    panel = shown_panel(qtbot)
    panel.layer_list.setCurrentRow(0)
    QApplication.processEvents()
    type_value(qtbot, panel.layer_editor.findChild(QWidget, "setting_kernel_height"), "9")
    assert not panel.problems()
    type_value(qtbot, panel.input_form.height_spin, "8")
    assert panel.problems()[0].layer_index == 0
    assert "kernel_size [9, 3] is larger than its 8x28 input" in panel.problem_label.text()
    assert panel.layer_list.item(0).text().startswith("⚠")
    assert any(label.text().startswith("⚠ Kernel height") for label in panel.layer_editor.findChildren(QWidget)
               if hasattr(label, "buddy"))
    assert not panel.build_button.isEnabled()
    type_value(qtbot, panel.input_form.height_spin, "10")
    assert not panel.problems() and summary_rows(panel)[0][1] == "(None, 2, 26, 28)"
    assert not panel.layer_list.item(0).text().startswith("⚠") and panel.build_button.isEnabled()


def test_the_dataset_note_says_how_images_are_fitted(qtbot):
    panel = shown_panel(qtbot)
    note = panel.input_form.fit_label
    assert panel.config().training.dataset == "mnist-sample" and note.isHidden()
    choose(qtbot, panel.input_form.channels_combo, "Colour (3 channels, RGB)")
    type_value(qtbot, panel.input_form.height_spin, "40")
    assert note.isVisible() and note.text() == fitting_note("mnist-sample", (40, 28, 3))
    assert "fitted to 40×28" in note.text() and "grey to colour" in note.text() and "28×28×1" in note.text()
    choose(qtbot, panel.dataset_combo, "shapes-colour")
    assert note.text() == fitting_note("shapes-colour", (40, 28, 3)) and "made at the input's shape" in note.text()


def test_a_loaded_config_shows_its_shape_and_build_uses_the_edited_one(qtbot, tmp_path):
    panel = shown_panel(qtbot)
    colour = ModelConfig.from_dict({**reference_config().to_dict(), "input_shape": [36, 20, 3]})
    panel.set_config(colour)
    form = panel.input_form
    assert (form.height_spin.value(), form.width_spin.value(), form.channels_combo.currentData()) == (36, 20, 3)
    type_value(qtbot, form.width_spin, "30")
    choose(qtbot, form.channels_combo, "Grey (1 channel)")
    path = tmp_path / "config.json"
    panel.config().save(path)
    assert ModelConfig.load(path).input_shape == (36, 30, 1)
    with qtbot.waitSignal(panel.sig_build_requested, timeout=2000) as blocker:
        panel.build_button.click()
    assert blocker.args[0].input_shape == (36, 30, 1)
    panel.set_config(reference_config())   # a preset brings its own shape back
    assert (form.height_spin.value(), form.width_spin.value(), form.channels_combo.currentData()) == (28, 28, 1)
    assert panel.config().input_shape == (28, 28, 1) and summary_rows(panel)[0][1] == "(None, 26, 26, 28)"


def test_every_dataset_gets_a_note_or_none(qtbot):
    panel = shown_panel(qtbot)
    for info in list_datasets():
        if info.available:
            choose(qtbot, panel.dataset_combo, panel.dataset_combo.itemText(panel.dataset_combo.findData(info.name)))
            assert panel.input_form.fit_label.text() == fitting_note(info.name, (28, 28, 1))
