"""Benchmark: time to show a 512-filter 16×16 layer in a filter grid against a 32-filter one.

Run with ``QT_QPA_PLATFORM=offscreen python benchmarks/bench_big_grid.py [--repeats N] [--size WxH]``.
Each trial builds a fresh grid of the given size, shows the maps, lets the deferred layout run and
paints the view once (``grab``): what a person waits for after choosing the layer. The trials of
the cases alternate, and the medians are printed side by side with their ratio to the 32-filter
case. "next page" is the Next button on a shown 512-filter grid (new maps into the same cells);
"cells at once" draws all 512 cells without pages, the way the grid drew them before.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cnnviz.ui.viewers.filter_grid import FilterGrid  # noqa: E402
from cnnviz.ui.viewers.grid_cells import map_levels  # noqa: E402
from cnnviz.ui.viewers.grid_figure import GridFigure  # noqa: E402


def pending(widget) -> bool:
    """Whether a layout timer of ``widget`` is still to fire."""
    return any(timer.isSingleShot() and timer.isActive() for timer in widget.findChildren(QTimer))


def run_until_quiet(app: QApplication, widget) -> None:
    """Process events until no single-shot timer of ``widget`` is pending (the cells are laid out)."""
    app.processEvents()
    while pending(widget):
        app.processEvents()
        time.sleep(0.001)
    app.processEvents()


_RETIRED: list = []
"""Grids already measured: hidden, not deleted while the benchmark runs (a deleted view's pending
layout timer would fire into items Qt has already freed)."""


def _retire(app: QApplication, widget) -> None:
    widget.hide()
    run_until_quiet(app, widget)
    _RETIRED.append(widget)


def show_grid(app: QApplication, images: np.ndarray, size: tuple[int, int]) -> float:
    """Seconds from a new grid to its first paint with ``images`` shown (paged grid)."""
    start = time.perf_counter()
    grid = FilterGrid(value_label="activation")
    grid.resize(*size)
    grid.show()
    grid.set_images(images, [f"filter {index}" for index in range(len(images))])
    run_until_quiet(app, grid)
    grid.grab()
    elapsed = time.perf_counter() - start
    _retire(app, grid)
    return elapsed


def turn_page(app: QApplication, images: np.ndarray, size: tuple[int, int]) -> float:
    """Seconds to show the next page of a paged grid already showing ``images`` (the Next button)."""
    grid = FilterGrid(value_label="activation")
    grid.resize(*size)
    grid.show()
    grid.set_images(images, [f"filter {index}" for index in range(len(images))])
    run_until_quiet(app, grid)
    grid.grab()
    start = time.perf_counter()
    grid.show_page(1)
    run_until_quiet(app, grid)
    grid.grab()
    elapsed = time.perf_counter() - start
    _retire(app, grid)
    return elapsed


def show_all_cells(app: QApplication, images: np.ndarray, size: tuple[int, int]) -> float:
    """Seconds to show every map as its own cell at once (no pages), for comparison."""
    start = time.perf_counter()
    figure = GridFigure("activation")
    figure.resize(*size)
    figure.show()
    figure.rebuild_cells(len(images), images.shape[1:3])
    figure.cells.set_images(images, map_levels(images, False, True))
    figure.cells.set_titles([f"filter {index}" for index in range(len(images))], frozenset())
    run_until_quiet(app, figure)
    figure.grab()
    elapsed = time.perf_counter() - start
    _retire(app, figure)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="trials of each case (default 5)")
    parser.add_argument("--size", default="1366x768", help="grid size in pixels, WxH (default 1366x768)")
    options = parser.parse_args(argv)
    width, height = (int(part) for part in options.size.lower().split("x"))
    app = QApplication.instance() or QApplication([])
    rng = np.random.default_rng(0)
    small = rng.random((32, 16, 16)).astype(np.float32)
    big = rng.random((512, 16, 16)).astype(np.float32)
    show_grid(app, small, (width, height))   # warm-up: imports, fonts, first paint
    times: dict[str, list[float]] = {"32 filters": [], "512 filters (paged)": [], "512: next page": [],
                                     "512 cells at once": []}
    for _ in range(options.repeats):
        times["32 filters"].append(show_grid(app, small, (width, height)))
        times["512 filters (paged)"].append(show_grid(app, big, (width, height)))
        times["512: next page"].append(turn_page(app, big, (width, height)))
        times["512 cells at once"].append(show_all_cells(app, big, (width, height)))
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["32 filters"]
    print(f"Filter grid at {width}×{height}, 16×16 maps, median of {options.repeats} trials "
          f"(new grid → laid out → painted):")
    print(f"{'case':<22}{'median ms':>12}{'ratio to 32':>14}")
    for name, value in medians.items():
        print(f"{name:<22}{value * 1000:>12.1f}{value / base:>14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
