"""Locate files bundled with cnnviz: the sample data, the trained models and the icon.

An installed cnnviz (``pip install .``, a wheel) carries them inside the package, in
``cnnviz/resources/`` (the build copies them there, see ``setup.py``); a source checkout and an
editable install keep them in ``resources/`` beside the package. Both places are found from the
package's own location, never from the working directory.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]

INSTALLED_RESOURCES_DIR = PACKAGE_DIR / "resources"
"""Where a built or installed package keeps its bundled files."""

SOURCE_RESOURCES_DIR = PACKAGE_DIR.parent / "resources"
"""Where a source checkout keeps them (the top of the repository)."""


def resources_dir() -> Path:
    """The folder holding the bundled files: the package's own, else the source checkout's."""
    if INSTALLED_RESOURCES_DIR.is_dir():
        return INSTALLED_RESOURCES_DIR
    return SOURCE_RESOURCES_DIR



def resource_path(name: str) -> Path:
    """Return the path of a bundled resource file.

    Parameters
    ----------
    name : str
        File name inside ``resources/``, e.g. ``"mnist_sample.npz"``.
    """
    return resources_dir() / name
