"""Build hook: the wheel carries the bundled data beside the package.

The data lives in ``resources/`` at the top of the source tree (tests, tools and the README name it
there); the build copies the files the program reads into ``cnnviz/resources/`` of the built package,
where :mod:`cnnviz.core.resources` finds them once installed. Everything else is configured in
``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "resources"
# What the program opens, and the provenance and licence of the data, which travel with it.
BUNDLED = ("*.npz", "*.json", "*.svg", "README.md")


class BuildWithResources(build_py):
    """``build_py`` that also copies ``resources/`` into the built package."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "cnnviz" / "resources"
        target.mkdir(parents=True, exist_ok=True)
        for pattern in BUNDLED:
            for path in sorted(SOURCE.glob(pattern)):
                shutil.copyfile(path, target / path.name)


setup(cmdclass={"build_py": BuildWithResources})
