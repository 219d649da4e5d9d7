"""The command line as a whole: every command's help, the entry points, the screenshot options."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnnviz.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("entry", [["-m", "cnnviz"], ["-m", "cnnviz.cli"], [str(ROOT / "main.py")]])
@pytest.mark.parametrize("command", [[], ["summary"], ["data"], ["train"], ["inspect"], ["experiment"], ["bench"],
                                     ["symmetry"]])
def test_every_command_has_help(entry, command):
    result = subprocess.run([sys.executable, *entry, *command, "--help"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: cnnviz")


def test_screenshot_all_writes_every_tab_and_sub_tab(tmp_path):
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CNNVIZ_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-m", "cnnviz", "--screenshot", str(tmp_path / "pages"), "--all",
                             "--size", "1280x720"], capture_output=True, text=True, timeout=600, env=environment)
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in (tmp_path / "pages").glob("*.png"))
    for page in ("feature-maps", "kernels", "spectra", "gradients", "science", "experiments", "evaluation",
                 "history", "science-dead-filters", "history-compare-two-runs"):
        assert any(name.split("-", 1)[1] == f"{page}.png" for name in names), (page, names)
    from PySide6.QtGui import QImage

    image = QImage(str(tmp_path / "pages" / names[0]))
    assert (image.width(), image.height()) == (1280, 720)
    # The person's own settings and runs are untouched by the tour.
    assert not (tmp_path / "home" / "runs").exists()


@pytest.mark.parametrize("arguments, message", [
    (["--all"], "go with --screenshot"), (["--screenshot", "x", "--size", "big"], "WIDTHxHEIGHT"),
    (["--screenshot", "x", "--size", "100x100"], "between 640x480"),
])
def test_screenshot_options_are_checked(arguments, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(arguments)
    assert stopped.value.code == 2 and message in capsys.readouterr().err


def test_the_installed_command_runs_main():
    tomllib = pytest.importorskip("tomllib")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    module, _, function = scripts["cnnviz"].partition(":")
    assert getattr(importlib.import_module(module), function) is main


def test_every_command_is_listed_in_order(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    names = ["summary", "data", "train", "inspect", "experiment", "symmetry", "flip", "spectra", "dead", "bench"]
    positions = [listed.index(f"\n    {name} ") for name in names]
    assert positions == sorted(positions)


def test_the_command_lines_dataset_names_are_the_built_in_ones():
    from cnnviz.cli.common import BUILT_IN_DATASETS
    from cnnviz.core.datasets import DATASET_NAMES

    assert BUILT_IN_DATASETS == DATASET_NAMES
