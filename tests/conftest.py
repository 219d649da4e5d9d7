"""Test-wide settings: Qt runs offscreen, TensorFlow stays quiet, no worker outlives its test."""

import os
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def no_worker_left_running():
    """Fail a test that leaves a model-service worker thread running."""
    yield
    leftover = [thread.name for thread in threading.enumerate()
                if thread.name.startswith("cnnviz-model-service") and thread.is_alive()]
    assert leftover == [], f"a model service was not shut down: {leftover}"


@pytest.fixture(autouse=True)
def isolated_user_data(tmp_path, monkeypatch):
    """Run folders and settings go to a temporary folder, never the user's."""
    monkeypatch.setenv("CNNVIZ_HOME", str(tmp_path / "cnnviz-home"))
