"""The ink and background colours of a colour model's canvas: *Ink* [colour] swatches, *Background* [colour].

Shown only while the model takes three channels (a grey model's canvas draws white on black). The
colour buttons open Qt's colour dialog; the swatches choose a common ink colour in one click.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QColorDialog, QHBoxLayout, QToolButton, QWidget

__all__ = ["ColourControl", "SWATCHES"]

#: The swatches beside the ink button: name and colour.
SWATCHES: tuple[tuple[str, str], ...] = (
    ("white", "#ffffff"), ("red", "#ff0000"), ("green", "#00c000"), ("blue", "#0040ff"), ("yellow", "#ffd700"),
)
_ICON_SIDE = 14


def _swatch_icon(colour: QColor) -> QIcon:
    pixmap = QPixmap(_ICON_SIDE, _ICON_SIDE)
    pixmap.fill(colour)
    return QIcon(pixmap)


class ColourControl(QWidget):
    """*Ink* (a colour button and swatches) and *Background* (a colour button) of a colour canvas.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_ink_chosen = Signal(QColor)
    """The person chose the ink colour of the next strokes."""
    sig_background_chosen = Signal(QColor)
    """The person chose the canvas background."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ink = QColor("white")
        self._background = QColor("black")
        self._dialog: QColorDialog | None = None
        self._dialog_target = "ink"
        self._ink_button = self._colour_button("Ink", "Choose the colour of the next strokes (a colour dialog).")
        self._ink_button.clicked.connect(self._on_ink_clicked)
        self._background_button = self._colour_button(
            "Background", "Choose the canvas background (the strokes are kept; the eraser shows it again).")
        self._background_button.clicked.connect(self._on_background_clicked)
        self._swatches: dict[str, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self._ink_button)
        for name, code in SWATCHES:
            swatch = QToolButton(self)
            swatch.setIcon(_swatch_icon(QColor(code)))
            swatch.setIconSize(QSize(_ICON_SIDE, _ICON_SIDE))
            swatch.setToolTip(f"Draw in {name}.")
            swatch.setAccessibleName(f"{name} ink")
            swatch.setAutoRaise(True)
            swatch.setProperty("ink", code)
            swatch.clicked.connect(self._on_swatch_clicked)
            layout.addWidget(swatch)
            self._swatches[name] = swatch
        layout.addSpacing(8)
        layout.addWidget(self._background_button)
        layout.addStretch(1)
        self._show_colours()

    def _colour_button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setIconSize(QSize(_ICON_SIDE, _ICON_SIDE))
        button.setToolTip(tip)
        return button

    # --- state ---------------------------------------------------------------------------

    def ink(self) -> QColor:
        """The ink colour."""
        return QColor(self._ink)

    def background(self) -> QColor:
        """The background colour."""
        return QColor(self._background)

    def set_ink(self, colour: QColor) -> None:
        """Choose the ink colour (as a swatch or the dialog does); emits :attr:`sig_ink_chosen`."""
        self._ink = QColor(colour)
        self._show_colours()
        self.sig_ink_chosen.emit(QColor(colour))

    def set_background(self, colour: QColor) -> None:
        """Choose the background colour; emits :attr:`sig_background_chosen`."""
        self._background = QColor(colour)
        self._show_colours()
        self.sig_background_chosen.emit(QColor(colour))

    # --- parts, for people's tests -----------------------------------------------------

    @property
    def ink_button(self) -> QToolButton:
        """*Ink*: opens the colour dialog for the ink."""
        return self._ink_button

    @property
    def background_button(self) -> QToolButton:
        """*Background*: opens the colour dialog for the background."""
        return self._background_button

    def swatch(self, name: str) -> QToolButton:
        """The swatch named ``name`` (one of :data:`SWATCHES`)."""
        return self._swatches[name]

    def dialog(self) -> QColorDialog | None:
        """The colour dialog while it is open (None otherwise)."""
        return self._dialog if self._dialog is not None and self._dialog.isVisible() else None

    # --- internals -------------------------------------------------------------------------

    def _show_colours(self) -> None:
        self._ink_button.setIcon(_swatch_icon(self._ink))
        self._background_button.setIcon(_swatch_icon(self._background))
        self._ink_button.setAccessibleDescription(f"ink {self._ink.name()}")
        self._background_button.setAccessibleDescription(f"background {self._background.name()}")

    def _open_dialog(self, title: str, current: QColor, target: str) -> None:
        # One dialog, made once and reused: Qt's own (not the platform's), the same everywhere and
        # reachable by tests; never deleted while the panel lives, so nothing holds a stale window.
        if self._dialog is None:
            self._dialog = QColorDialog(self)
            self._dialog.setOption(QColorDialog.ColorDialogOption.DontUseNativeDialog)
            self._dialog.colorSelected.connect(self._on_dialog_colour)
        self._dialog_target = target
        self._dialog.setWindowTitle(title)
        self._dialog.setCurrentColor(current)
        self._dialog.open()

    def _on_dialog_colour(self, colour: QColor) -> None:
        if self._dialog_target == "background":
            self.set_background(colour)
        else:
            self.set_ink(colour)

    def _on_swatch_clicked(self) -> None:
        swatch = self.sender()
        if swatch is not None:
            self.set_ink(QColor(swatch.property("ink")))

    def _on_ink_clicked(self) -> None:
        self._open_dialog("Ink colour", self._ink, "ink")

    def _on_background_clicked(self) -> None:
        self._open_dialog("Canvas background", self._background, "background")


