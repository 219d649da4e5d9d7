"""Fixtures of the science tests: the reference model no test may change, and its test split."""

import pytest

from cnnviz import science
from tests.science.helpers import reference_engine


@pytest.fixture(scope="module")
def engine():
    """A reference engine that no test may change (tests that change weights load their own)."""
    return reference_engine()


@pytest.fixture(scope="module")
def split(engine):
    return science.load_test_split(engine)
