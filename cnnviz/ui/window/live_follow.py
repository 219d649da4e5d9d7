"""Following a run that another process (or machine) writes: its curves grow in the training monitor,
and its newest checkpoint opens in the viewers on request or after every new epoch.

The History panel's watcher reads the followed run's history off the interface thread
(:class:`~cnnviz.ui.history.run_watcher.RunWatcher`); this part hands the steps and the complete
epochs it has not drawn yet to the monitor, as the window's own training does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from cnnviz.core.run_status import ENDED, FINISHED
from cnnviz.core.run_watch import LiveHistory
from cnnviz.core.runs import RunInfo
from cnnviz.service import payloads as p
from cnnviz.ui.wording import counted

if TYPE_CHECKING:
    from cnnviz.ui.main_window import MainWindow

_BUSY = (p.TRAINING, p.PAUSED, p.STOPPING)


class LiveFollow(QObject):
    """The window's link between History's live runs, the training monitor and the viewers."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self._path: Path | None = None
        self._num_steps = 0
        self._epochs_drawn: set[int] = set()
        self._opened_epochs = 0
        panel, monitor = window.history_panel, window.monitor
        panel.sig_follow_requested.connect(self._on_follow_requested)
        panel.sig_open_checkpoint_requested.connect(self.open_newest_checkpoint)
        panel.watcher.sig_followed_read.connect(self._on_followed_read)
        monitor.sig_stop_following_requested.connect(self.stop)
        window.service.sig_state_changed.connect(self._on_state_changed)

    def followed(self) -> Path | None:
        """The run folder followed now, if any."""
        return self._path

    def follow(self, run_path: str | Path) -> None:
        """Draw the run in ``run_path`` in the training monitor, growing as it is written."""
        window = self.window
        if window.service.state in _BUSY:
            window.statusBar().showMessage("The window is training a model: the monitor shows that run. Follow "
                                           "the other run once it ends (or stop it).", 10000)
            self._uncheck()
            return
        self._path = Path(run_path)
        self._num_steps, self._epochs_drawn, self._opened_epochs = 0, set(), 0
        window.monitor.start_run(f"{self._path.name} (followed)")
        window.monitor.set_following(f"Following {self._path.name} in {self._path.parent}: waiting for its history…")
        window.monitor_dock.show()
        window.history_panel.watcher.follow(self._path)

    def stop(self) -> None:
        """Stop following (the curves drawn so far stay)."""
        self._path = None
        self.window.history_panel.watcher.follow(None)
        self.window.monitor.set_following(None)
        self._uncheck()

    def open_newest_checkpoint(self, run_path: str | Path) -> bool:
        """Load the newest complete checkpoint of the run in ``run_path`` into the viewers; says in the
        status bar why not when it cannot (no checkpoint yet, the window trains)."""
        window, run = self.window, RunInfo(Path(run_path))
        if run.num_epochs == 0:
            window.statusBar().showMessage(f"The run {run.name} has no complete checkpoint yet; it appears when "
                                           "its first saved epoch is written.", 10000)
            return False
        if window.service.state in _BUSY:
            window.statusBar().showMessage("The window is training a model: stop it to open another run's "
                                           "checkpoint.", 10000)
            return False
        checkpoint = run.checkpoint_at(run.num_epochs - 1)
        if checkpoint is None:
            return False
        self._opened_epochs = run.num_epochs
        window.service.load(checkpoint)
        window.statusBar().showMessage(f"Opening epoch {run.num_epochs} of {run.name} ({checkpoint.name}) in the "
                                       "viewers…", 10000)
        return True

    # -- slots ---------------------------------------------------------------------------------------
    def _on_follow_requested(self, run_path: str) -> None:
        if run_path:
            self.follow(run_path)
        elif self._path is not None:
            self.stop()

    def _on_followed_read(self, history: LiveHistory) -> None:
        if self._path is None or history.path != self._path:
            return
        monitor = self.window.monitor
        if len(history.steps) < self._num_steps:  # the run was written anew: start its curves again
            self.follow(self._path)
            return
        steps = history.steps[self._num_steps:]
        total = history.planned or max([step.epoch + 1 for step in history.steps] or [1])
        if steps:
            monitor.add_progress(p.TrainingProgress(tuple(steps), total))
            self._num_steps = len(history.steps)
        for epoch in history.epochs:
            if epoch.epoch not in self._epochs_drawn:
                monitor.add_epoch(epoch)
                self._epochs_drawn.add(epoch.epoch)
        planned = f"/{history.planned}" if history.planned else ""
        monitor.set_following(f"Following {self._path.name} in {self._path.parent}: {history.status}, "
                              f"{history.epochs_completed}{planned} epochs complete")
        panel = self.window.history_panel
        # Only while the service is idle, so loads never pile up behind a slow one (the next change
        # retries); the run's last epoch is opened regardless, as nothing will change after it.
        ended = history.status in ENDED
        if (panel.open_each_check.isChecked() and history.epochs_completed > self._opened_epochs
                and (self.window.service.state == p.IDLE or ended)):
            self.open_newest_checkpoint(self._path)
        if ended:
            last = history.epochs[-1] if history.epochs else None
            reason = "completed" if history.status == FINISHED else history.status
            monitor.finish_run(p.TrainingFinished(reason, f"The followed run {history.status} after "
                                                  f"{counted(history.epochs_completed, 'epoch')}.", last))
            self.stop()

    def _on_state_changed(self, state: str) -> None:
        if state == p.TRAINING and self._path is not None:
            self.stop()  # the monitor now shows the window's own run

    def _uncheck(self) -> None:
        button = self.window.history_panel.follow_button
        button.blockSignals(True)
        button.setChecked(False)
        button.blockSignals(False)
        button.setEnabled(self.window.history_panel.selected_run() is not None)
