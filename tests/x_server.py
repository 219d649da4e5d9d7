"""Display numbers for the tests that start a real X server (xvfb-run)."""

import os
import re


def x_display_number() -> int:
    """Where this test process's xvfb-run starts its search for a free display: parallel test
    processes (pytest-xdist's workers gw0, gw1, ...) start 20 numbers apart, so two cannot pick the
    same free number at the same moment."""
    match = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    return 99 + 20 * (int(match.group(1)) if match else 0)
