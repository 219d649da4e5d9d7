"""A tour of the window that writes one screenshot per tab and sub-tab (``cnnviz --screenshot DIR --all``).

The tour drives the window as a person would set it up for a review: the bundled model with a
test digit, a short training run (so the monitor has curves), an evaluation, a small experiment,
every science analysis, and a run in History. Then it visits every tab and every tab inside a tab,
and writes ``NN-tab[-subtab].png`` for each. It runs on the event loop (a generator advanced by a
timer), so the window stays live while it waits for the model service.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QAbstractButton, QTabWidget, QWidget

from cnnviz.core.config import ModelConfig
from cnnviz.service import payloads as p

STEP_TIMEOUT_S = 180.0
SETTLE_MS = 500


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "page"


class ScreenshotTour(QObject):
    """Walk ``window`` through every page and write PNGs into ``folder``; see the module docstring.

    Parameters
    ----------
    window : MainWindow
    folder : path
    log : callable(str), optional
        Where progress lines go (the command line prints them).
    """

    sig_finished = Signal(list)
    """The tour ended: the paths written."""

    def __init__(self, window, folder: str | Path, log: Callable[[str], None] | None = None):
        super().__init__(window)
        self.window = window
        self.folder = Path(folder)
        self.written: list[Path] = []
        self._log = log or (lambda line: None)
        self._steps = self._tour()
        self._waiting: Callable[[], bool] | None = None
        self._deadline = 0.0
        self._timer = QTimer(self, interval=50)
        self._timer.timeout.connect(self._advance)
        self._finished_runs = 0
        window.service.sig_training_finished.connect(self._on_training_finished)
        window.service.sig_experiment_finished.connect(self._on_training_finished)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._timer.start()

    # -- the driver ---------------------------------------------------------------------------------
    def _advance(self) -> None:
        if self._waiting is not None:
            if not self._waiting() and time.monotonic() < self._deadline:
                return
            if not self._waiting():
                self._log("  (gave up waiting; the page is shown as it is)")
        try:
            condition = next(self._steps)
        except StopIteration:
            self._timer.stop()
            self.sig_finished.emit(self.written)
            return
        self._waiting = condition
        self._deadline = time.monotonic() + STEP_TIMEOUT_S

    def _on_training_finished(self, _finished) -> None:
        self._finished_runs += 1

    @staticmethod
    def _pause(milliseconds: int) -> Callable[[], bool]:
        until = time.monotonic() + milliseconds / 1000
        return lambda: time.monotonic() >= until

    def _idle(self) -> Callable[[], bool]:
        """True once the service is idle and has stayed so for a moment (results drawn)."""
        since: list[float] = []

        def check() -> bool:
            if self.window.service.state != p.IDLE:
                since.clear()
                return False
            since.append(time.monotonic())
            return since[-1] - since[0] >= SETTLE_MS / 1000
        return check

    def _grab(self, name: str) -> None:
        path = self.folder / f"{len(self.written) + 1:02d}-{name}.png"
        if self.window.grab().save(str(path), "PNG"):
            self.written.append(path)
            self._log(f"  wrote {path}")
        else:
            self._log(f"  could not write {path}")

    def _click(self, widget: QWidget | None) -> bool:
        if isinstance(widget, QAbstractButton) and widget.isEnabled():
            widget.click()
            return True
        return False

    # -- the tour -----------------------------------------------------------------------------------
    def _tour(self) -> Iterator[Callable[[], bool]]:
        window = self.window
        yield lambda: window.last_result() is not None
        yield self._idle()
        self._log("training briefly so the monitor has curves…")
        config: ModelConfig = window.config_panel.config()
        window.training.start_run_label()
        window.service.train(training=config.training.__class__(**{
            **config.training.__dict__, "epochs": 2, "train_subset": 640, "batch_size": 64}))
        yield lambda: self._finished_runs >= 1
        yield self._idle()
        self._log("evaluating…")
        self._click(getattr(window.evaluation_panel, "evaluate_button", None))
        yield self._pause(300)
        yield self._idle()
        self._log("running a small experiment…")
        experiments = window.experiments_panel
        try:
            experiments.set_preset(None)
            experiments.set_sweep(0, "training.learning_rate", "0.001, 0.7")
            for name, value in (("epochs_spin", 2), ("subset_spin", 640)):
                spin = getattr(experiments, name, None)
                if spin is not None:
                    spin.setValue(value)
            if experiments.run_experiment():
                yield lambda: self._finished_runs >= 2
        except (AttributeError, ValueError) as error:
            self._log(f"  (no experiment: {error})")
        yield self._idle()
        history = window.history_panel
        history.refresh()
        runs = history.runs()
        if runs:
            # Replay shows the newest run that saved epochs (the experiment's diverged run saved none);
            # Compare puts the newest run, diverged or not, beside the one replayed.
            replayed = next((index for index, run in enumerate(runs) if run.num_epochs > 0), 0)
            history.select_run(replayed)
            if len(runs) > 1:
                history.compare(0 if replayed else 1, replayed)
        yield from self._features()

        for index in range(window.tabs.count()):
            window.tabs.setCurrentIndex(index)
            page = window.tab_pages[index]
            name = f"{_slug(window.tabs.tabText(index))}"
            yield from self._prepare(page)
            yield self._pause(SETTLE_MS)
            self._grab(name)
            yield from self._visit_inner_tabs(page, name)
        window.tabs.setCurrentIndex(0)

    def _features(self) -> Iterator[Callable[[], bool]]:
        """Fill the Features tab: the first layer's grid, a filter shown large, its top images."""
        panel = getattr(self.window, "features_panel", None)
        if panel is None:
            return
        self._log("visualizing the first layer's filters and finding their top images…")
        panel.form.steps_spin.setValue(96)
        for button in (panel.grid_button, panel.top_button):
            if self._click(button):
                yield button.isEnabled
        if panel.grid.buttons:
            self._click(panel.grid.buttons[min(3, len(panel.grid.buttons) - 1)])

    def _visit_inner_tabs(self, page: QWidget, name: str) -> Iterator[Callable[[], bool]]:
        """Screenshot every page of the tab widgets inside ``page``, at any depth. The screenshot of
        ``page`` itself shows each inner tab widget's first page, so those are not taken again."""
        for tabs in self._inner_tabs(page):
            for inner in range(tabs.count()):
                inner_name = f"{name}-{_slug(tabs.tabText(inner))}"
                if inner > 0:
                    tabs.setCurrentIndex(inner)
                    yield from self._prepare(tabs.widget(inner))
                    yield self._pause(SETTLE_MS)
                    self._grab(inner_name)
                yield from self._visit_inner_tabs(tabs.widget(inner), inner_name)
            tabs.setCurrentIndex(0)

    @staticmethod
    def _inner_tabs(page: QWidget) -> list[QTabWidget]:
        """The tab widgets inside ``page`` that are not inside another of them."""
        found = page.findChildren(QTabWidget)
        return [tabs for tabs in found if not any(other is not tabs and other.isAncestorOf(tabs) for other in found)]

    def _prepare(self, page: QWidget) -> Iterator[Callable[[], bool]]:
        """Press the page's run buttons (an analysis, a replay) so the screenshot shows a result."""
        names = ("compare_button", "matrix_button", "permute_button", "rescale_button", "flip_button",
                 "find_button", "replay_button", "sanity_run_button")
        for name in names:
            button = getattr(page, name, None)
            if self._click(button):
                yield self._pause(200)
                yield self._idle()
