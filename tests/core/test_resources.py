"""Bundled files are found from the package's own location: inside it once installed, beside it in a checkout."""

import importlib
from pathlib import Path

import cnnviz
from cnnviz.core import resources


def test_a_checkout_finds_the_repository_resources():
    package = Path(cnnviz.__file__).resolve().parent
    if (package / "resources").is_dir():  # running from an installed copy
        assert resources.resource_path("reference_model.npz").parent == package / "resources"
    else:
        assert resources.resource_path("reference_model.npz") == package.parent / "resources" / "reference_model.npz"
    for name in ("mnist_sample.npz", "reference_model.npz", "shapes_model.npz", "cnnviz.svg"):
        assert resources.resource_path(name).is_file(), name


def test_an_installed_package_uses_its_own_copy(tmp_path, monkeypatch):
    installed = tmp_path / "site-packages" / "cnnviz" / "resources"
    installed.mkdir(parents=True)
    (installed / "reference_model.npz").write_bytes(b"installed")
    monkeypatch.setattr(resources, "INSTALLED_RESOURCES_DIR", installed)
    monkeypatch.chdir(tmp_path)
    assert resources.resource_path("reference_model.npz") == installed / "reference_model.npz"
    monkeypatch.setattr(resources, "INSTALLED_RESOURCES_DIR", tmp_path / "missing")
    assert resources.resource_path("reference_model.npz") == resources.SOURCE_RESOURCES_DIR / "reference_model.npz"


def test_the_lookup_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    importlib.reload(resources)
    assert resources.resource_path("mnist_sample.npz").is_file()
