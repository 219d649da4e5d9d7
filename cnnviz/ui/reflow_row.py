"""A row of widget groups that stacks them when the panel is too narrow to hold them side by side.

Side panels can be made narrow; a row of buttons that keeps its one-line width would then make
the whole panel scroll sideways. :class:`ReflowRow` puts its groups on one line when they fit
at their preferred widths, and one under the other when they do not, so its minimum width is
only that of its widest group.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLayout, QWidget

__all__ = ["ReflowRow", "row"]


class ReflowRow(QWidget):
    """Groups of widgets on one line when wide enough, else stacked.

    Parameters
    ----------
    groups : sequence of QLayout
        Each group's widgets stay together on one line; a group is a layout (its widgets are
        reparented to the row).
    spacing : int
        Pixels between groups, across and down.
    stretches : sequence of int, optional
        Each group's share of the room left over (default: none takes it).
    parent : QWidget, optional
    """

    def __init__(self, groups: list[QLayout], spacing: int = 6, stretches: list[int] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(spacing)
        # The row's minimum is its widest group (minimumSizeHint), not the one-line width.
        self._layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._groups = list(groups)
        for group, stretch in zip(self._groups, stretches or [0] * len(self._groups)):
            group.setContentsMargins(0, 0, 0, 0)
            self._layout.addLayout(group, stretch)

    def is_stacked(self) -> bool:
        """True while the groups are one under the other."""
        return self._layout.direction() == QBoxLayout.Direction.TopToBottom

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        width = max((group.minimumSize().width() for group in self._groups), default=0)
        return QSize(width, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        one_line = (sum(group.minimumSize().width() for group in self._groups)
                    + self._layout.spacing() * (len(self._groups) - 1))
        direction = (QBoxLayout.Direction.LeftToRight if event.size().width() >= one_line
                     else QBoxLayout.Direction.TopToBottom)
        if direction != self._layout.direction():
            self._layout.setDirection(direction)
            self.updateGeometry()


def row(*widgets: QWidget, stretch_after: int | None = None, spacing: int = 6) -> QHBoxLayout:
    """A group for :class:`ReflowRow`: ``widgets`` left to right, a stretch after the given index."""
    layout = QHBoxLayout()
    layout.setSpacing(spacing)
    for index, widget in enumerate(widgets):
        layout.addWidget(widget)
        if index == stretch_after:
            layout.addStretch(1)
    return layout
