"""Experiments: settings by path, sweeps, presets, tables and the report."""

import csv
import io

import pytest

from cnnviz.core.config import ConfigError, reference_config
from cnnviz.core.experiments import (
    PRESETS,
    REPORT_NUMBERS,
    ExperimentSpec,
    RunOutcome,
    Sweep,
    apply_setting,
    expand,
    outcomes_csv,
    parse_sweep,
    report_markdown,
)


def test_apply_setting_by_path():
    config = reference_config()
    assert apply_setting(config, "training.learning_rate", 1).training.learning_rate == 1.0
    assert apply_setting(config, "layers.dense.units", 50).layers[4].units == 50
    assert apply_setting(config, "layers.conv2d.filters", 8).layers[0].filters == 8
    initializer = apply_setting(config, "initializer", "normal:1.5").initializer
    assert (initializer.name, initializer.scale) == ("normal", 1.5)
    assert apply_setting(config, "initializer.scale", 0.2).initializer.scale == 0.2


@pytest.mark.parametrize("setting, match", [
    ("training.learning_rat", "Unknown setting 'training.learning_rat'"),
    ("layers.dense_9.units", "Unknown layer 'dense_9'"),
    ("layers.dense.filters", r"Layer dense \(Dense\) has no setting 'filters'"),
    ("optimizer", "Unknown setting 'optimizer'"),
])
def test_unknown_settings_are_named(setting, match):
    with pytest.raises(ConfigError, match=match):
        apply_setting(reference_config(), setting, 1)


def test_parse_sweep():
    assert parse_sweep("training.learning_rate=0.005, 0.05,0.7") == Sweep("training.learning_rate", (0.005, 0.05, 0.7))
    assert parse_sweep("training.optimizer=sgd,adam").values == ("sgd", "adam")
    assert parse_sweep("layers.dense.units=50,100").values == (50, 100)
    with pytest.raises(ConfigError, match="setting=value1,value2"):
        parse_sweep("training.learning_rate")


def test_two_sweeps_make_a_grid():
    spec = ExperimentSpec("grid", reference_config(), (Sweep("training.learning_rate", (0.1, 0.01)),
                                                       Sweep("layers.dense.units", (16, 32, 64))))
    runs = expand(spec)
    assert len(runs) == 6
    assert runs[4].label == "learning_rate=0.01, units=32"
    assert runs[4].config.training.learning_rate == 0.01 and runs[4].config.layers[4].units == 32
    assert [run.index for run in runs] == list(range(6))


def test_an_invalid_combination_is_refused_with_its_label():
    spec = ExperimentSpec("bad", reference_config(), (Sweep("layers.dense.units", (10, 0)),))
    with pytest.raises(ConfigError, match="Run units=0: .*units must be a positive integer"):
        expand(spec)
    with pytest.raises(ConfigError, match="one or two settings"):
        expand(ExperimentSpec("none", reference_config(), ()))


def test_presets_cover_the_reports_experiments():
    assert set(PRESETS) == set(REPORT_NUMBERS)
    for name, spec in PRESETS.items():
        runs = expand(spec)
        setting = spec.sweeps[0].setting
        assert {run.settings[setting] for run in runs} == set(REPORT_NUMBERS[name][setting])
        assert all(run.config.training.train_subset == 5000 for run in runs)


def outcome(run, train, test, diverged=False):
    return RunOutcome(run, train, test, 0.5, 1.25, diverged, "", (1.0, 0.5))


def test_csv_and_report_tables():
    runs = expand(PRESETS["learning rate"])
    outcomes = [outcome(runs[0], 0.9, 0.85), outcome(runs[1], 0.95, 0.9), outcome(runs[2], 0.1, 0.1, True)]
    rows = list(csv.DictReader(io.StringIO(outcomes_csv(outcomes))))
    assert [row["training.learning_rate"] for row in rows] == ["0.005", "0.05", "0.7"]
    assert rows[2]["diverged"] == "True" and rows[1]["test_accuracy"] == "0.9"
    report = report_markdown({"learning rate": outcomes})
    assert "| learning_rate=0.005 | 90.00 | 85.00 | 98.08 | 86.1 |" in report
    assert "| learning_rate=0.7 | 10.00 | 10.00 | 94.92 | 87.6 |" in report and "| yes |" in report


def test_the_report_network_presets_rebuild_the_reports_own_network():
    from cnnviz.core.config import Dense, Flatten
    from cnnviz.core.experiments import PRESET_GROUPS

    assert len(PRESET_GROUPS["report"]) == len(PRESET_GROUPS["report-network"]) == 3
    assert not set(PRESET_GROUPS["report"]) & set(PRESET_GROUPS["report-network"])
    for name in PRESET_GROUPS["report-network"]:
        runs = expand(PRESETS[name])
        for run in runs:
            layers, training = run.config.layers, run.config.training
            assert [type(layer) for layer in layers] == [Flatten, Dense, Dense]
            assert layers[2].units == 10 and layers[2].activation == "softmax" and layers[1].activation == "relu"
            assert (training.optimizer, training.full_batch, training.iterations) == ("sgd", True, 1500)
            assert (training.train_subset, training.validation_split) == (5000, 0.0)
        swept = {run.label for run in runs}
        if "hidden units" in name:
            assert {run.config.layers[1].units for run in runs} == {50, 100, 128, 150}
        elif "learning rate" in name:
            assert {run.config.training.learning_rate for run in runs} == {0.005, 0.05, 0.7}
            assert all(run.config.layers[1].units == 100 for run in runs)
        else:
            assert swept == {"initializer=ones", "initializer=normal:1.0", "initializer=glorot_uniform"}
            assert {run.config.initializer.scale for run in runs if run.config.initializer.name == "normal"} == {1.0}


def test_the_report_network_table_has_its_own_header_and_the_reports_numbers():
    name = "report network: learning rate"
    runs = expand(PRESETS[name])
    report = report_markdown({name: [outcome(run, 0.9, 0.85) for run in runs]})
    assert "the report's own network" in report and "full batch" in report
    assert "| learning_rate=0.7 | 90.00 | 85.00 | 94.92 | 87.6 |" in report
