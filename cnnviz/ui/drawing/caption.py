"""The caption under the input panel's canvas: what the panel shows, or why it could not.

The caption has a fixed number of lines, so a long text is elided (whole in its tooltip)
instead of growing and squeezing the canvas. It remembers whether its text is the *default*
one for the panel's state (how to start, or how a drawing was framed), which the panel writes
anew when the mode or the input size changes, or a text of its own (where a sample came from,
an error), which stays until something else is shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from cnnviz.ui.elided_label import ElidedLabel

__all__ = ["Caption", "MESSAGE_LINES"]

#: Lines reserved for the caption (longer text is elided, whole in its tooltip).
MESSAGE_LINES = 3

_ERROR_STYLE = "color: #b00020;"


class Caption(ElidedLabel):
    """A caption of :data:`MESSAGE_LINES` lines that knows whether its text is the default one.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(MESSAGE_LINES, "What the panel is showing, or why it could not.", parent)
        self._is_default = True
        self._error = False
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def show_text(self, text: str) -> None:
        """Show ``text`` as a caption of its own (it stays until something else is shown)."""
        self._is_default = False
        self._set_error_style(False)
        if text != self.full_text():   # the same caption after every stroke: nothing to lay out again
            self.set_full_text(text)

    def show_error(self, text: str) -> None:
        """Show ``text`` in the error colour: what went wrong and how to fix it."""
        self.show_text(text)
        self._set_error_style(True)

    def _set_error_style(self, error: bool) -> None:
        # A style sheet set, even an empty one, polishes the label again: only on a change.
        if error != self._error:
            self._error = error
            self.setStyleSheet(_ERROR_STYLE if error else "")

    def show_default(self, text: str) -> None:
        """Show ``text`` as the default caption for the panel's state."""
        self.show_text(text)
        self._is_default = True

    def is_default(self) -> bool:
        """True when the caption is the default one, to be written anew as the state changes."""
        return self._is_default

    def mark_default(self) -> None:
        """Let the text shown be replaced by the default caption at the next change of state."""
        self._is_default = True

    def kept_text(self) -> str | None:
        """The text to restore with the picture: None for the default one, else the text."""
        return None if self._is_default else self.full_text()
