"""A holder that keeps a label's frequent text changes from laying the whole window out again.

Qt lays a window out again whenever a widget in a layout changes its text: the label invalidates
its parent's layout, and every layout that activates ends by telling its own widget that its
geometry may have changed (``QLayout::activate`` calls ``updateGeometry`` whatever changed). In a
main window the climb ends at the window's layout, which sets every dock's and tool bar's geometry
again (making a property animation for each under a style that animates). A status line updated
several times a second while training, or a prediction updated on every stroke, did that each time.

:class:`LayoutBarrier` holds one widget and has no layout: the child's changes reach the barrier
and stop there. The barrier takes the child's size policy and size hints when it is made, and
gives the child its whole area; so it suits a widget whose space does not depend on its text (a
label of a fixed number of lines, a label whose text is elided).
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget

__all__ = ["LayoutBarrier"]


class LayoutBarrier(QWidget):
    """Holds ``child`` (made its parent, and shown) so that its geometry changes stop here.

    Parameters
    ----------
    child : QWidget
        A widget whose size does not depend on its content (see the module docstring).
    parent : QWidget, optional
    """

    def __init__(self, child: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self._child = child
        child.setParent(self)
        child.show()
        self.setSizePolicy(child.sizePolicy())
        self._size_hint = QSize(child.sizeHint())
        self._minimum_size_hint = QSize(child.minimumSizeHint())
        self.setMinimumSize(child.minimumSize())
        self.setMaximumSize(child.maximumSize())

    def child_widget(self) -> QWidget:
        """The widget held."""
        return self._child

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self._size_hint

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self._minimum_size_hint

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._child.setGeometry(self.rect())
