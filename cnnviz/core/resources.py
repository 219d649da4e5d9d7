"""Locate files bundled with cnnviz (the ``resources/`` folder beside the package)."""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parents[2] / "resources"


def resource_path(name: str) -> Path:
    """Return the path of a bundled resource file.

    Parameters
    ----------
    name : str
        File name inside ``resources/``, e.g. ``"mnist_sample.npz"``.
    """
    return RESOURCES_DIR / name
