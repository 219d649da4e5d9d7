"""The window fixture of the Explain tab's tests, shared: the bundled model and a sample digit."""

from tests.ui.explain.conftest import window  # noqa: F401 - a fixture
