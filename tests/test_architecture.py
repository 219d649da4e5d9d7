"""Dependencies point one way (ui -> service -> science -> engines -> core), checked by import-linter.

The contracts live in ``pyproject.toml`` under ``[tool.importlinter]``. Unlike a walk over
absolute imports, import-linter also sees relative imports and imports inside functions, and
follows chains: core may not reach Qt through another core module either.
"""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUI_AND_TF = ("PySide6", "pyqtgraph", "tensorflow", "keras", "shiboken6")

needs_import_linter = pytest.mark.skipif(
    importlib.util.find_spec("importlinter") is None,
    reason="import-linter is one of the test extras: pip install -e '.[test]'")

LINT = ("import sys\n"
        "from importlinter.cli import lint_imports\n"
        "sys.exit(lint_imports(no_cache=True, no_logo=True))\n")


# One import that each contract forbids, and the module it is put in.
VIOLATIONS = {
    "Layers: ui -> service -> science -> engines -> core, never upwards": (
        "core/config/model.py", "import cnnviz.service"),
    "core imports neither Qt nor TensorFlow": ("core/summary.py", "from pyqtgraph import mkPen"),
    "engines import no Qt": ("engines/registry.py", "from PySide6 import QtCore"),
    "imaging reads pictures with Qt's GUI module alone": ("imaging/reading.py", "from cnnviz.ui import layout"),
    "The NumPy engine imports no TensorFlow": ("engines/numpy_engine/losses.py", "import tensorflow"),
    "The Keras engine imports no part of the NumPy engine": (
        "engines/keras_engine/builder.py", "from cnnviz.engines.numpy_engine import functional"),
    "science imports neither Qt nor TensorFlow": ("science/data.py", "from PySide6 import QtCore"),
    "science drives engines through the contract alone": (
        "science/checks.py", "from cnnviz.engines.numpy_engine import NumpyEngine"),
    "ui imports no engine, TensorFlow or Keras itself": ("ui/images.py", "from ..engines import registry"),
    "The library never imports its entry points": ("ui/elided_label.py", "from cnnviz.ui import app"),
}


def run_contracts(folder: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` over the ``cnnviz`` package and ``pyproject.toml`` in ``folder``."""
    return subprocess.run([sys.executable, "-c", LINT], cwd=folder, capture_output=True, text=True,
                          timeout=300)


def contract_verdicts(report: str) -> dict[str, str]:
    """``{contract name: "KEPT" or "BROKEN"}`` from a report (a long name wraps onto a second line)."""
    verdicts, pending = {}, ""
    for line in report.splitlines():
        if line.startswith("Contracts:"):
            break
        words = line.split()
        if words and words[-1] in ("KEPT", "BROKEN"):
            verdicts[" ".join([*pending.split(), *words[:-1]])] = words[-1]
            pending = ""
        elif line.strip() and not line.startswith(("-", "Analyzed")):
            pending += " " + line
        else:
            pending = ""
    return verdicts


@needs_import_linter
def test_every_layering_contract_is_kept():
    result = run_contracts(ROOT)
    assert result.returncode == 0, f"import-linter found imports across the layers:\n{result.stdout}{result.stderr}"
    verdicts = contract_verdicts(result.stdout)
    assert len(verdicts) == len(VIOLATIONS) and set(verdicts.values()) == {"KEPT"}, result.stdout


@needs_import_linter
@pytest.mark.parametrize("contract", VIOLATIONS)
def test_a_forbidden_import_breaks_its_contract_and_only_it(contract, tmp_path):
    shutil.copytree(ROOT / "cnnviz", tmp_path / "cnnviz", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    module, statement = VIOLATIONS[contract]
    path = tmp_path / "cnnviz" / module
    # Inside a function: a lazy import counts as much as one at the top.
    path.write_text(path.read_text(encoding="utf-8") + f"\n\ndef _forbidden():\n    {statement}\n",
                    encoding="utf-8")
    result = run_contracts(tmp_path)
    assert result.returncode != 0, result.stdout
    broken = [name for name, verdict in contract_verdicts(result.stdout).items() if verdict == "BROKEN"]
    assert len(broken) == 1 and broken[0].startswith(contract), result.stdout


def test_importing_cnnviz_loads_no_qt_or_tensorflow():
    code = (
        "import sys, cnnviz, cnnviz.cli, cnnviz.core.config, cnnviz.core.validation, "
        "cnnviz.core.summary, cnnviz.core.datasets, cnnviz.core.preprocessing, cnnviz.core.symmetry, "
        "cnnviz.core.durations, cnnviz.cli.progress, cnnviz.science, cnnviz.service.inspection, cnnviz.imaging, "
        "cnnviz.keras, cnnviz.core.histograms, cnnviz.core.tensorboard_scalars\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {GUI_AND_TF!r}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
