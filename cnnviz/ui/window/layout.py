"""Where the window's docks go and how big they are: fit the screen, viewers first.

The window opens inside the screen's available area (a laptop's screen whole, a large one in
part). The side panels open as wide as their content needs, within a quarter of the window, and
scroll when narrower (the input panel, which reflows its rows, only up and down: its dock is never
narrower than its narrowest layout); the training monitor starts two lines high and grows once training starts.
When the window narrows, the side panels shrink before the viewers do, and get their width back
when it widens again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QWidget

# The side panels scroll below this width; the viewers keep at least this much.
MIN_SIDE_PANEL_WIDTH = 200
MIN_VIEWER_WIDTH = 320


def scrolling(panel: QWidget, never_sideways: bool = False) -> QScrollArea:
    """A panel in a scroll area, so small screens scroll it instead of growing the window.

    With ``never_sideways`` the area is never narrower than the panel's minimum width (plus the
    vertical scroll bar), so it scrolls up and down only, whatever the panel shows.
    """
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.NoFrame)
    scroll.setWidget(panel)
    if never_sideways:
        _MinimumWidthFollower(scroll)
    return scroll


def _reflows(scroll: QScrollArea) -> bool:
    """True for a panel made by :func:`scrolling` with ``never_sideways`` (it reflows when narrow)."""
    return scroll.findChild(_MinimumWidthFollower) is not None


class _MinimumWidthFollower(QObject):
    """Keeps a scroll area at least as wide as its panel's minimum, as that minimum changes."""

    def __init__(self, scroll: QScrollArea) -> None:
        super().__init__(scroll)
        self._scroll = scroll
        scroll.widget().installEventFilter(self)
        self._follow()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.LayoutRequest:
            self._follow()
        return super().eventFilter(watched, event)

    def _follow(self) -> None:
        scroll = self._scroll
        needed = (scroll.widget().minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
                  + 2 * scroll.frameWidth())
        scroll.setMinimumWidth(max(MIN_SIDE_PANEL_WIDTH, needed))


class DockLayout(QObject):
    """Sizes ``window``'s side docks and monitor dock; see the module docstring.

    Parameters
    ----------
    window : QMainWindow
    side_docks : (QDockWidget, QDockWidget)
        The left and right panels, each holding a :func:`scrolling` area.
    monitor_dock : QDockWidget
        The training monitor's dock; its widget answers ``plots_shown()``.
    """

    def __init__(self, window: QMainWindow, side_docks: tuple[QDockWidget, QDockWidget], monitor_dock: QDockWidget):
        super().__init__(window)
        self.window = window
        self.side_docks = side_docks
        self.monitor_dock = monitor_dock
        self.restored = False
        # False when a size was asked for explicitly (``--size`` for screenshots): it is kept even
        # where it exceeds the screen (an offscreen or virtual display).
        self.keep_on_screen = True
        self._sized = False
        self._monitor_grown = False
        self._widths_before_shrinking: dict[QDockWidget, int] = {}
        for dock in side_docks:
            scroll = dock.widget()
            scroll.setMinimumWidth(max(MIN_SIDE_PANEL_WIDTH, scroll.minimumWidth()))
        window.centralWidget().setMinimumWidth(MIN_VIEWER_WIDTH)
        # The side panels run the window's full height; the training monitor sits under the viewers
        # only, so starting a run takes height from the viewers, not from the drawing canvas.
        window.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        window.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)

    def fit_to_screen(self) -> None:
        """Open within the screen's available area, centred."""
        window = self.window
        screen = window.screen().availableGeometry() if window.screen() is not None else None
        if screen is None:
            width, height = 1500, 900
        else:
            # A laptop's screen is used whole (less a frame's worth); a large one in part.
            share = 0.98 if screen.width() <= 1600 else 0.92
            width = min(int(screen.width() * share), 1800)
            height = min(int(screen.height() * share), 1050)
        window.resize(width, height)
        if screen is not None:
            window.move(screen.x() + (screen.width() - width) // 2, screen.y() + (screen.height() - height) // 2)

    def shown(self) -> None:
        """The window is shown: keep its frame on the screen, and size the docks once (unless a saved
        layout was restored)."""
        if not self._sized:
            self._sized = True
            QTimer.singleShot(0, self.keep_inside_screen)
            if not self.restored:
                # Once the first layout has run: sizes set before it are overridden by size hints.
                QTimer.singleShot(0, self.size_docks)

    def keep_inside_screen(self) -> None:
        """Shrink and move the window so that its frame (title bar included) fits the available area:
        the size chosen before showing could not count the window manager's frame."""
        window = self.window
        screen = window.screen().availableGeometry() if window.screen() is not None else None
        frame = window.frameGeometry()
        if not self.keep_on_screen or screen is None or screen.contains(frame):
            return
        extra_width, extra_height = frame.width() - window.width(), frame.height() - window.height()
        width = min(window.width(), screen.width() - extra_width)
        height = min(window.height(), screen.height() - extra_height)
        window.resize(width, height)
        window.move(screen.x() + (screen.width() - width - extra_width) // 2,
                    screen.y() + (screen.height() - height - extra_height) // 2)

    def resized(self) -> None:
        """The window changed size: share the width once the layout has settled."""
        QTimer.singleShot(0, self.share_width)

    def size_docks(self) -> None:
        """The docks' first sizes: each side panel as wide as its content needs (so it does not scroll
        sideways) within a quarter of the window; the monitor two lines high until training."""
        window = self.window
        width, height = window.width(), window.height()
        widths = []
        for dock in self.side_docks:
            scroll = dock.widget()
            # A panel that reflows when narrow (the input panel) says in its size hint how wide it
            # looks best; the others need their minimum.
            panel = scroll.widget()
            content = (panel.sizeHint() if isinstance(scroll, QScrollArea) and _reflows(scroll)
                       else panel.minimumSizeHint()).width()
            needed = content + scroll.verticalScrollBar().sizeHint().width() + 2 * scroll.frameWidth() + 12
            widths.append(max(MIN_SIDE_PANEL_WIDTH, min(max(needed, int(width * 0.2)), int(width * 0.25))))
        window.resizeDocks(list(self.side_docks), widths, Qt.Horizontal)
        monitor = self.monitor_dock.widget()
        title = self.monitor_dock.titleBarWidget()
        idle_height = monitor.minimumSizeHint().height() + (title.height() if title is not None else 24)
        window.resizeDocks([self.monitor_dock], [int(height * 0.3) if monitor.plots_shown() else idle_height],
                           Qt.Vertical)

    def grow_monitor(self) -> bool:
        """Training started: give the monitor room, once, if it has little. Returns whether it grew."""
        dock = self.monitor_dock
        if self._monitor_grown or dock.isFloating() or not dock.isVisible():
            return False
        self._monitor_grown = True
        wanted = int(self.window.height() * 0.3)
        if dock.height() >= wanted:
            return False
        self.window.resizeDocks([dock], [wanted], Qt.Vertical)
        return True

    def share_width(self) -> None:
        """Keep at least half of the width for the viewers: side panels shrink before the viewers do,
        and grow back to their earlier width when the window widens again."""
        window = self.window
        docks = [dock for dock in self.side_docks
                 if dock.isVisible() and not dock.isFloating()
                 and window.dockWidgetArea(dock) in (Qt.LeftDockWidgetArea, Qt.RightDockWidgetArea)]
        if not docks:
            return
        wanted = window.width() // 2
        central = window.centralWidget().width()
        widths = [dock.width() for dock in docks]
        if central < wanted:
            self._widths_before_shrinking = self._widths_before_shrinking or dict(zip(docks, widths))
            room = max(len(docks) * MIN_SIDE_PANEL_WIDTH, sum(widths) - (wanted - central))
            scale = room / sum(widths)
            window.resizeDocks(docks, [max(MIN_SIDE_PANEL_WIDTH, int(width * scale)) for width in widths],
                               Qt.Horizontal)
        elif self._widths_before_shrinking:
            earlier = [self._widths_before_shrinking.get(dock, width) for dock, width in zip(docks, widths)]
            growth = sum(earlier) - sum(widths)
            if growth <= 0:
                self._widths_before_shrinking = {}
                return
            share = min(1.0, (central - wanted) / growth)
            window.resizeDocks(docks, [int(width + (old - width) * share) for width, old in zip(widths, earlier)],
                               Qt.Horizontal)
            if share >= 1.0:
                self._widths_before_shrinking = {}

    def reset(self, areas: dict[QDockWidget, Qt.DockWidgetArea]) -> None:
        """Put every dock back in its area, shown, at its first size."""
        for dock, area in areas.items():
            dock.setFloating(False)
            dock.show()
            self.window.addDockWidget(area, dock)
        self._widths_before_shrinking = {}
        self.size_docks()
