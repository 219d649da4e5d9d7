"""Run folders trained once for every test of the History tab."""

import pytest

from tests.ui.history.run_folders import train_runs


@pytest.fixture(scope="package")
def runs_root(tmp_path_factory):
    """Two real run folders (:data:`tests.ui.history.run_folders.RUNS`) trained with the NumPy engine."""
    root = tmp_path_factory.mktemp("runs")
    train_runs(root)
    return root
