"""A viewer's pages (its hint, its figures) stacked so that turning to another page costs no layout.

A plain :class:`QStackedWidget` hides every page but the current one. Turning from a viewer's hint
("Draw a digit ...", shown after the canvas is cleared) back to its figure then shows the figure's
whole widget tree again: show events, its layouts activated anew and its graphics view laid out and
painted from scratch, 6-8 ms at the first stroke of every drawing, on top of the stroke's own work.

:class:`PageStack` keeps every page shown and raises the current one over the others (Qt's
``StackAll`` stacking). Each page fills its background, so the one on top hides those beneath it
and Qt does not paint them; the pages beneath are disabled, so keyboard focus and the accessibility
tree skip what cannot be seen.
"""

from __future__ import annotations

from PySide6.QtWidgets import QStackedLayout, QStackedWidget, QWidget

__all__ = ["PageStack"]


class PageStack(QStackedWidget):
    """A :class:`QStackedWidget` whose pages all stay shown, the current one raised on top."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = self.layout()
        assert isinstance(layout, QStackedLayout)
        layout.setStackingMode(QStackedLayout.StackingMode.StackAll)
        self.currentChanged.connect(self._on_current_changed)

    def addWidget(self, page: QWidget) -> int:  # noqa: N802 - Qt's name
        # An opaque page covers the pages beneath it, and Qt paints none of what it covers.
        page.setAutoFillBackground(True)
        index = super().addWidget(page)
        # Shown explicitly now: the stack shows the page it turns to, and a page only shown with its
        # parent would be shown (and laid out) again the first time.
        page.show()
        page.setEnabled(page is self.currentWidget())
        return index

    def _on_current_changed(self, _index: int) -> None:
        current = self.currentWidget()
        for index in range(self.count()):
            page = self.widget(index)
            if page is not current and page.isEnabled():
                page.setEnabled(False)
        if current is not None and not current.isEnabled():
            current.setEnabled(True)
