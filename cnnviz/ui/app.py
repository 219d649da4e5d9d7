"""Start the desktop application (``cnnviz`` with no command, ``python main.py``).

``--screenshot FILE`` renders the main window with the bundled model and a sample
digit, writes a PNG and exits; it runs offscreen when there is no display.

An entry point: the command line (:mod:`cnnviz.cli`) imports it when it runs, and no other
module of the library may (an import-linter contract in ``pyproject.toml``).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path


def has_display() -> bool:
    """Whether a window can be shown (always true off Linux)."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM") in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb"))


def quiet_qt_messages() -> None:
    """Drop the offscreen platform's note about window size hints; pass every other Qt message on."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(message_type, context, message: str) -> None:
        if "propagateSizeHints" not in message:
            sys.stderr.write(message + "\n")

    qInstallMessageHandler(handler)


def parse_size(text: str) -> tuple[int, int]:
    """``"1366x768"`` → ``(1366, 768)``; a ValueError that says the form otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*[x×]\s*(\d+)\s*", text or "")
    if not match or not (640 <= int(match[1]) <= 7680 and 480 <= int(match[2]) <= 4320):
        raise ValueError(f"--size takes WIDTHxHEIGHT in pixels between 640x480 and 7680x4320, like 1366x768; "
                         f"received {text!r}.")
    return int(match[1]), int(match[2])


def run_app(screenshot: str | None = None, settings_file: str | None = None, timeout_s: float = 60.0,
            all_pages: bool = False, size: tuple[int, int] | None = None) -> int:
    """Show the main window (or write its screenshot); returns the exit status.

    With ``all_pages``, ``screenshot`` is a folder: a tour writes one PNG per tab and sub-tab
    (:mod:`cnnviz.ui.screenshot_tour`), using a throw-away settings file and run folder so the
    person's own are untouched. ``size`` sets the window's size for screenshots.
    """
    if screenshot and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if not has_display():
        print("cnnviz: no display found. Run cnnviz in a desktop session, or under a virtual screen "
              "(xvfb-run cnnviz), or render the window to a file with: cnnviz --screenshot window.png",
              file=sys.stderr)
        return 2
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from cnnviz.core.crashlog import enable_native_crash_log
    from cnnviz.core.resources import resource_path
    from cnnviz.service.model_service import ModelService
    from cnnviz.ui.main_window import MainWindow

    # A segmentation fault in Qt or a numeric library writes its trace into crash.log.
    enable_native_crash_log()

    quiet_qt_messages()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    collect_garbage_on_this_thread(app)
    app.setApplicationName("cnnviz")
    app.setOrganizationName("cnnviz")
    # The name the desktop entry (cnnviz install-desktop-entry) is matched by, and its icon.
    app.setDesktopFileName("cnnviz")
    app.setWindowIcon(QIcon(str(resource_path("cnnviz.svg"))))
    if all_pages:
        return _tour(app, screenshot, size)
    settings = QSettings(settings_file, QSettings.IniFormat) if settings_file else None
    service = ModelService()
    window = MainWindow(service, settings=settings)
    # An exception no code caught (in a slot, say) is shown and logged; the window stays up.
    sys.excepthook = window.report_unexpected
    window.show()
    if size is not None:
        window.layout_keeper.keep_on_screen = False
        window.resize(*size)
    if not screenshot:
        return app.exec()

    target = Path(screenshot)
    outcome = {"status": 1}

    def capture(_result=None) -> None:
        if outcome.get("done"):
            return
        outcome["done"] = True
        # Let the views paint the result before grabbing the window.
        QTimer.singleShot(300, finish)

    def finish() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        outcome["status"] = 0 if window.grab().save(str(target), "PNG") else 1
        if outcome["status"]:
            print(f"cnnviz: could not write {target}", file=sys.stderr)
        window.close()
        app.quit()

    def give_up() -> None:
        if not outcome.get("done"):
            print("cnnviz: no inspection result arrived in time; the screenshot shows the window as it is.",
                  file=sys.stderr)
            capture()

    window.sig_inspection_shown.connect(capture)
    QTimer.singleShot(int(timeout_s * 1000), give_up)
    app.exec()
    return outcome["status"]


def _tour(app, folder: str, size: tuple[int, int] | None) -> int:
    """Write a screenshot of every page into ``folder`` (see :mod:`cnnviz.ui.screenshot_tour`)."""
    import tempfile

    from PySide6.QtCore import QSettings

    from cnnviz.service.model_service import ModelService
    from cnnviz.ui.main_window import MainWindow
    from cnnviz.ui.screenshot_tour import ScreenshotTour

    with tempfile.TemporaryDirectory(prefix="cnnviz-tour-") as scratch:
        settings = QSettings(str(Path(scratch) / "settings.ini"), QSettings.IniFormat)
        service = ModelService(run_root=Path(scratch) / "runs")
        window = MainWindow(service, settings=settings, track_session=False)
        sys.excepthook = window.report_unexpected
        window.show()
        if size is not None:
            window.layout_keeper.keep_on_screen = False
            window.resize(*size)
        print(f"cnnviz: touring every page at {window.width()}x{window.height()} into {folder}", flush=True)
        tour = ScreenshotTour(window, folder, log=lambda line: print(line, flush=True))
        tour.sig_finished.connect(lambda _written: (window.close(), app.quit()))
        tour.start()
        app.exec()
        print(f"cnnviz: wrote {len(tour.written)} screenshots", flush=True)
        return 0 if tour.written else 1


def collect_garbage_on_this_thread(app) -> None:
    """Collect Python's cyclic garbage on the interface thread only, on a timer.

    Left automatic, a collection runs on whichever thread happens to allocate: the model service's
    worker (importing TensorFlow allocates a great deal) could then finalise a cycle holding Qt
    widgets, and a widget destroyed off the interface thread takes the process down. pyqtgraph's
    collector turns automatic collection off and collects, by generation, once a second here.
    """
    from pyqtgraph.util.garbage_collector import GarbageCollector

    if getattr(app, "_cnnviz_garbage_collector", None) is None:
        app._cnnviz_garbage_collector = GarbageCollector(interval=1.0)
