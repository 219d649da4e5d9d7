"""Dependencies point one way: core and the NumPy engine never touch Qt or TensorFlow; core runs no
engine and knows no science; the science package is free of Qt and drives engines through the
contract alone."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cnnviz"
GUI_AND_TF = ("PySide6", "pyqtgraph", "tensorflow", "keras", "shiboken6")


def imported_modules(path: Path, package: Path = PACKAGE) -> set[str]:
    """Every module named by an import statement anywhere in the file (lazy ones too); relative
    imports of a module inside ``package`` are resolved to absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and path.is_relative_to(package):
            parts = list(path.relative_to(package.parent).with_suffix("").parts)
            base = parts[:len(parts) - node.level]
            names.add(".".join(base + ([node.module] if node.module else [])))
    return names


def offending_imports(folder: Path, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {}
    for path in sorted(folder.rglob("*.py")):
        bad = sorted(name for name in imported_modules(path)
                     if name.split(".")[0] in forbidden)
        if bad:
            found[str(path.relative_to(PACKAGE))] = bad
    return found


def test_core_imports_neither_qt_nor_tensorflow():
    assert (PACKAGE / "core").is_dir()
    assert offending_imports(PACKAGE / "core", GUI_AND_TF) == {}


def test_core_does_not_import_engines_service_or_ui():
    found = offending_imports(PACKAGE / "core", ("cnnviz",))
    layered = {path: [name for name in names if name.split(".")[1:2] != ["core"] and name != "cnnviz"]
               for path, names in found.items()}
    assert {path: names for path, names in layered.items() if names} == {}


def test_science_imports_no_qt_or_tensorflow():
    assert (PACKAGE / "science").is_dir()
    assert offending_imports(PACKAGE / "science", GUI_AND_TF) == {}


def test_science_imports_no_engine_service_or_ui_only_the_contract():
    """An analysis takes any engine that follows the contract; it never builds or names one."""
    found = offending_imports(PACKAGE / "science", ("cnnviz",))
    allowed = ("cnnviz.core", "cnnviz.science", "cnnviz.engines.base")
    layered = {path: [name for name in names if name != "cnnviz" and not name.startswith(allowed)]
               for path, names in found.items()}
    assert {path: names for path, names in layered.items() if names} == {}


def test_checker_sees_a_lazy_import(tmp_path):
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    import tensorflow as tf\n    from PySide6 import QtCore\n")
    assert imported_modules(module) == {"tensorflow", "PySide6"}


def test_checker_resolves_relative_imports_inside_the_package(tmp_path):
    module = tmp_path / "cnnviz" / "core" / "sneaky.py"
    module.parent.mkdir(parents=True)
    module.write_text("from ..engines.numpy_engine import layers\nfrom . import spectra\n")
    assert imported_modules(module, tmp_path / "cnnviz") == {"cnnviz.engines.numpy_engine", "cnnviz.core"}


def test_importing_cnnviz_loads_no_qt_or_tensorflow():
    code = (
        "import sys, cnnviz, cnnviz.cli, cnnviz.core.config, cnnviz.core.validation, "
        "cnnviz.core.summary, cnnviz.core.datasets, cnnviz.core.preprocessing, cnnviz.science, "
        "cnnviz.service.inspection\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {GUI_AND_TF!r}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
