"""Test-wide settings: Qt runs offscreen, TensorFlow stays quiet, no worker outlives its test."""

import gc
import itertools
import os
import random
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # One test process per core already keeps the cores busy; a BLAS or TensorFlow thread pool per
    # process on top of that only makes them wait for each other (OpenBLAS's threads spin while they
    # wait). Read when NumPy and TensorFlow load, which is after this.
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        os.environ.setdefault(variable, "1")


_tests_run = itertools.count(1)


@pytest.fixture(autouse=True, scope="session")
def garbage_collected_on_the_main_thread():
    """As in the app (cnnviz.ui.app.collect_garbage_on_this_thread): no automatic collection, which
    could run on a worker thread and destroy a Qt object there; each test's garbage is collected on
    the main thread after it (the young generations), everything every 25 tests."""
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def collect_garbage_after_each_test(garbage_collected_on_the_main_thread):
    yield
    if next(_tests_run) % 25 == 0:
        gc.collect()
    else:
        gc.collect(1)


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


def _monkey_seed() -> int:
    """The random-interaction test's seed: CNNVIZ_MONKEY_SEED, else a new one for this run."""
    seed = os.environ.get("CNNVIZ_MONKEY_SEED")
    if not seed:
        seed = str(random.randrange(1, 2**31))
        os.environ["CNNVIZ_MONKEY_SEED"] = seed
    return int(seed)


def pytest_configure(config):
    """Choose the random-interaction seed before any test process starts: the parallel test processes
    (pytest-xdist) inherit it, so every one of them and the header agree on it."""
    _monkey_seed()


def pytest_report_header(config):
    return f"random-interaction seed: {_monkey_seed()} (replay with CNNVIZ_MONKEY_SEED={_monkey_seed()})"


@pytest.fixture
def monkey_seed() -> int:
    return _monkey_seed()


# Files whose tests take minutes: started first, so that with one test process per core they run beside
# the rest of the suite instead of alone at its end.
LONG_FILES = ("tests/ui/test_random_interaction.py", "tests/cli/test_parser.py", "tests/ui/test_crash_recovery.py")


def pytest_collection_modifyitems(session, config, items):
    def first_if_long(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONG_FILES.index(path) if path in LONG_FILES else len(LONG_FILES)

    items.sort(key=first_if_long)  # stable: every other test keeps its place
