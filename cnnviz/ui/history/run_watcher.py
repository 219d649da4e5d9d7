"""Noticing runs that change on disk: a file-system watcher, a polling fallback, and a thread that reads.

:class:`RunWatcher` watches the History panel's folders and every run folder in them (and their
``checkpoints`` folders) with a :class:`~PySide6.QtCore.QFileSystemWatcher`: a writer renaming a file
into place changes its folder, so a change is seen within milliseconds. Network shares often report
no change at all, so a timer also looks every :data:`POLL_MS` (a ``stat`` of a few files per run,
:func:`cnnviz.core.run_watch.fingerprint`). Either way the look runs on a thread of its own, never on
the interface thread; what it found arrives as :attr:`RunWatcher.sig_runs_scanned` (the runs) and,
for the run the training monitor follows, :attr:`RunWatcher.sig_followed_read` (its history as far
as it is complete).
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from cnnviz.core.run_watch import RunScan, read_live_history, scan_runs

POLL_MS = 2000
"""How often the folders are looked at when no watcher reports (network shares)."""
SETTLE_MS = 30
"""How long after a watcher's report the look starts (a writer renames several files in a row)."""
RETRY_MS = 300
"""How soon a look that caught a file half-written is repeated."""


class RunWatcher(QObject):
    """Watch ``folders`` for runs that appear, change or vanish.

    Parameters
    ----------
    use_file_watcher : bool
        Watch with the operating system's notifications as well as by polling (off: polling alone,
        as on a network share).
    poll_ms : int
        The polling period in milliseconds.
    parent : QObject, optional
    """

    sig_runs_scanned = Signal(object)
    """A look at the folders found a change: the :class:`~cnnviz.core.run_watch.RunScan`."""
    sig_followed_read = Signal(object)
    """The followed run changed: its :class:`~cnnviz.core.run_watch.LiveHistory`."""
    _sig_scan_done = Signal(object, object, int)
    """(From the reading thread.) The scan, the followed run's history or None, the generation."""

    def __init__(self, use_file_watcher: bool = True, poll_ms: int = POLL_MS, parent: QObject | None = None):
        super().__init__(parent)
        self._folders: list[Path] = []
        self._followed: Path | None = None
        self._followed_unread = False  # its last reading failed: read it on the next look, changed or not
        self._scan: RunScan | None = None
        self._generation = 0
        self._thread: threading.Thread | None = None
        self._again = False
        self._active = False
        self._file_watcher = QFileSystemWatcher(self) if use_file_watcher else None
        if self._file_watcher is not None:
            self._file_watcher.directoryChanged.connect(self._on_folder_changed)
            self._file_watcher.fileChanged.connect(self._on_folder_changed)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(poll_ms)
        self._poll_timer.timeout.connect(self.look)
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(SETTLE_MS)
        self._settle_timer.timeout.connect(self.look)
        self._sig_scan_done.connect(self._on_scan_done)

    # -- public interface --------------------------------------------------------------------------
    def set_folders(self, folders: list[Path]) -> None:
        """Watch these folders (and only these); the runs are looked at again at once."""
        self._folders = [Path(folder) for folder in folders]
        self._generation += 1
        self._scan = None
        self._rewatch(None)
        self.look()

    def folders(self) -> list[Path]:
        return list(self._folders)

    def follow(self, run: Path | None) -> None:
        """Read the history of ``run`` on every change of it (``None``: of no run)."""
        self._followed = Path(run) if run is not None else None
        self._followed_unread = False
        if self._followed is not None:
            self._generation += 1
            self._scan = None  # the followed run reads as changed on the next look
            self.look()

    def followed(self) -> Path | None:
        return self._followed

    def start(self) -> None:
        """Begin looking: at once, on every watcher report and every poll."""
        if self._active:
            return
        self._active = True
        self._poll_timer.start()
        self.look()

    def stop(self) -> None:
        """Stop looking and wait for a look in progress to end."""
        self._active = False
        self._poll_timer.stop()
        self._settle_timer.stop()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5.0)

    def polling(self) -> bool:
        return self._poll_timer.isActive()

    def uses_file_watcher(self) -> bool:
        return self._file_watcher is not None

    def watched_paths(self) -> list[str]:
        """The folders the operating system reports on (for tests)."""
        return self._file_watcher.directories() if self._file_watcher is not None else []

    def look(self) -> None:
        """Look at the folders now, on the reading thread (once more after a look in progress)."""
        if not self._active:
            return
        if self._thread is not None:
            self._again = True
            return
        folders, followed, previous, generation = list(self._folders), self._followed, self._scan, self._generation
        self._thread = threading.Thread(target=self._read, args=(folders, followed, previous, generation,
                                                                 self._followed_unread),
                                        name="cnnviz-run-watcher", daemon=True)
        self._thread.start()

    # -- the reading thread --------------------------------------------------------------------------
    def _read(self, folders: list[Path], followed: Path | None, previous: RunScan | None, generation: int,
              unread: bool) -> None:
        try:
            scan = scan_runs(folders, previous)
            history = read_live_history(followed) if followed is not None and (
                previous is None or unread or followed in scan.changed) else None
        except Exception:  # noqa: BLE001 - a look that fails is retried, never shown as a traceback
            scan, history = None, None
        try:
            self._sig_scan_done.emit(scan, history, generation)
        except RuntimeError:
            pass  # the watcher was deleted while this look ran (the window closed)

    # -- slots ---------------------------------------------------------------------------------------
    def _on_scan_done(self, scan: RunScan | None, history, generation: int) -> None:
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        current = generation == self._generation
        if scan is not None and current:
            first = self._scan is None
            self._scan = scan
            self._rewatch(scan)
            if first or scan.changed:
                self.sig_runs_scanned.emit(scan)
            if history is not None and history.path == self._followed:
                self._followed_unread = False
                self.sig_followed_read.emit(history)
            elif self._followed is not None and (first or self._followed in scan.changed or self._followed_unread):
                self._followed_unread = True  # caught mid-change or vanished: read it again
        if self._again or not current:
            self._again = False
            self.look()
        elif scan is None or not scan.settled or self._followed_unread:
            if self._active:
                QTimer.singleShot(RETRY_MS, self, self.look)

    def _on_folder_changed(self, _path: str) -> None:
        if self._active and not self._settle_timer.isActive():
            self._settle_timer.start()

    def _rewatch(self, scan: RunScan | None) -> None:
        """Be told about the folders the scan names (:attr:`~cnnviz.core.run_watch.RunScan.watch`)."""
        watcher = self._file_watcher
        if watcher is None:
            return
        wanted = {str(path) for path in (scan.watch if scan is not None else ())}
        watched = set(watcher.directories())
        if watched - wanted:
            watcher.removePaths(sorted(watched - wanted))
        if wanted - watched:
            watcher.addPaths(sorted(wanted - watched))
