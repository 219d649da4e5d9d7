"""The report network's presets in the Experiments tab: chosen from the list as a person does, they
train by full-batch iterations, and every iteration's cost reaches the plot while the runs train."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from cnnviz.core.experiments import PRESETS
from cnnviz.service.model_service import ModelService
from cnnviz.ui.experiments.panel import ExperimentsPanel
from cnnviz.ui.main_window import MainWindow
from tests.ui.person import choose, type_value

TIMEOUT = 300_000
PRESET = "report network: learning rate"


def test_choosing_a_report_network_preset_counts_iterations_not_epochs(qtbot):
    panel = ExperimentsPanel()
    qtbot.addWidget(panel)
    panel.show()
    choose(qtbot, panel.preset_combo, PRESET)
    assert panel.preset_name() == PRESET
    assert panel.length_label.text() == "Iterations" and panel.epochs_spin.value() == 1500
    assert "full batch" in panel.description_label.text()
    assert panel.plan_label.text().startswith("3 runs × 1,500 iterations of the full batch")
    type_value(qtbot, panel.epochs_spin, "2000")  # above the 1,000 epochs an epoch count allows
    training = panel.spec().base.training
    assert (training.iterations, training.full_batch, training.optimizer) == (2000, True, "sgd")
    # Back to the CNN's preset: epochs again, at its own ten.
    choose(qtbot, panel.preset_combo, "learning rate")
    assert panel.length_label.text() == "Epochs"
    assert panel.epochs_spin.value() == PRESETS["learning rate"].base.training.epochs
    assert panel.spec().base.training.iterations is None


@pytest.fixture
def window(qtbot, tmp_path):
    service = ModelService()  # runs go to $CNNVIZ_HOME/runs, which the tests point at a temporary folder
    window = MainWindow(service, settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sig_inspection_shown, timeout=TIMEOUT):
        pass
    yield window
    window.quit_now()


def test_a_report_network_run_plots_every_full_batch_iteration_live(qtbot, window):
    panel = window.experiments_panel
    window.show_tab(panel)
    choose(qtbot, panel.preset_combo, PRESET)
    type_value(qtbot, panel.epochs_spin, "6")
    type_value(qtbot, panel.subset_spin, "300")
    progress = []
    window.service.sig_experiment_progress.connect(progress.append)
    with qtbot.waitSignal(window.service.sig_experiment_finished, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    finished = blocker.args[0]
    assert not finished.cancelled and len(finished.outcomes) == 3
    qtbot.waitUntil(lambda: len(panel.outcomes()) == 3, timeout=TIMEOUT)
    # Progress arrived while training: one step per iteration, each on all 300 images.
    steps = [step for item in progress for step in item.steps]
    assert len(steps) == 18 and all(step.num_batches == 1 for step in steps)
    assert {step.samples_seen for step in steps if step.epoch == 0} == {300}
    assert window.experiments_panel.loss_plot.plot_widget.getPlotItem().getAxis("bottom").labelText == (
        "iteration (full batch)")
    for index, outcome in enumerate(panel.outcomes()):
        assert outcome.run.config.training.iterations == 6 and outcome.run.config.layers[1].units == 100
        x, y = panel.curve_data(index)
        np.testing.assert_allclose(x, np.arange(1, 7))  # iteration k at k
        np.testing.assert_allclose(y, outcome.losses, rtol=1e-6)
