"""Start the desktop application (``cnnviz`` with no command, ``python main.py``).

``--screenshot FILE`` renders the main window with the bundled model and a sample
digit, writes a PNG and exits; it runs offscreen when there is no display.
"""

from __future__ import annotations

import os
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


def run_app(screenshot: str | None = None, settings_file: str | None = None, timeout_s: float = 60.0) -> int:
    """Show the main window (or write its screenshot); returns the exit status."""
    if screenshot and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if not has_display():
        print("cnnviz: no display found. Run cnnviz in a desktop session, or under a virtual screen "
              "(xvfb-run cnnviz), or render the window to a file with: cnnviz --screenshot window.png",
              file=sys.stderr)
        return 2
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from cnnviz.core.crashlog import enable_native_crash_log
    from cnnviz.service.model_service import ModelService
    from cnnviz.ui.main_window import MainWindow

    # A segmentation fault in Qt or a numeric library writes its trace into crash.log.
    enable_native_crash_log()

    quiet_qt_messages()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("cnnviz")
    app.setOrganizationName("cnnviz")
    settings = QSettings(settings_file, QSettings.IniFormat) if settings_file else None
    service = ModelService()
    window = MainWindow(service, settings=settings)
    # An exception no code caught (in a slot, say) is shown and logged; the window stays up.
    sys.excepthook = window.report_unexpected
    window.show()
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
