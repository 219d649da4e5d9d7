"""Draw the report network's cost curves for docs/report-experiments.md with the Experiments tab's
own loss plot and figure export.

Usage (from the repository's root, after ``cnnviz experiment --preset report-network --out DIR``)::

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen python3 docs/figures/report_network_figures.py DIR [DIR ...]

Every run folder under ``DIR/runs`` is read (its configuration, its ``experiment_run`` label and every
iteration's loss); one figure per experiment is written beside this script. A run is found by its
label, or else by its configuration: the baseline (100 units, rate 0.05, Glorot-uniform weights) is
one configuration in all three experiments, trained once.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from cnnviz.core.experiments import NETWORK_PREFIX, PRESETS, ExperimentRun, expand
from cnnviz.core.history import STEP_FIELDS
from cnnviz.core.results import StepResult
from cnnviz.core.run_info import RunInfo
from cnnviz.ui.experiments.loss_plot import ExperimentLossPlot
from cnnviz.ui.export import render_widget

HERE = Path(__file__).resolve().parent


def finished_runs(folders: list[Path]) -> list[RunInfo]:
    """Every finished or diverged run of the folders."""
    return [info for folder in folders for info in map(RunInfo, sorted((folder / "runs").iterdir()))
            if info.info.get("status") in ("finished", "diverged")]


def find(run: ExperimentRun, infos: list[RunInfo]) -> RunInfo | None:
    """The folder of ``run``: the one with its label, else one with its configuration."""
    return (next((info for info in infos if info.info.get("experiment_run") == run.label), None)
            or next((info for info in infos if info.config() == run.config), None))


def draw(name: str, infos: list[RunInfo], path: Path) -> None:
    """One experiment's curves, every run's loss per iteration, as the Experiments tab draws them."""
    plot = ExperimentLossPlot()
    plot.resize(900, 480)
    runs = expand(PRESETS[NETWORK_PREFIX + name])
    plot.start(max(run.config.training.expected_epochs() for run in runs), "iteration (full batch)")
    for row, run in enumerate(runs):
        info = find(run, infos)
        if info is None:
            print(f"{name}: no run {run.label}", file=sys.stderr)
            continue
        plot.add_run(run.index, run.label, row)
        plot.add_steps(run.index, [StepResult(*(row[name] for name in STEP_FIELDS)) for row in info.step_history()
                                   if row["loss"] is not None])
        if info.info.get("status") == "diverged":
            plot.mark_diverged(run.index)
    plot.choose_log_scale()
    plot.show()
    QApplication.processEvents()
    render_widget(plot.plot_widget, path, scale=1.5, title=f"Report network: {name}, cost per iteration")


def main(arguments: list[str]) -> int:
    app = QApplication.instance() or QApplication([])
    infos = finished_runs([Path(argument) for argument in arguments])
    for name in ("hidden units", "learning rate", "initialization"):
        path = HERE / f"report-network-{name.replace(' ', '-')}.png"
        draw(name, infos, path)
        print(f"wrote {path}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
