"""An isolated home for the dataset tests: nothing of the machine's own data is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnviz.core.datasets import search


@pytest.fixture
def isolated(tmp_path, monkeypatch) -> Path:
    """An empty home folder, no KERAS_HOME or CNNVIZ_DATA_DIR, no Debian Fashion-MNIST."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.delenv("CNNVIZ_DATA_DIR", raising=False)
    monkeypatch.setattr(search, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "no-debian-package")
    return home
