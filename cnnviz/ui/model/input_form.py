"""The model's input shape as a form: height, width and channels (grey or colour).

Like the layer form (:mod:`~cnnviz.ui.model.layer_form`), the height and width editors commit a value
when the person finishes typing (Enter, Tab, leaving the field) or steps it, never at each keystroke,
and the form never rebuilds itself: an edit is announced, and the problems and the note on how the
chosen dataset's images will be fitted come back to it in place.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QSpinBox, QWidget

from cnnviz.core import config as cfg
from cnnviz.core.validation import MIN_INPUT_SIZE
from cnnviz.ui.model.layer_form import ERROR_COLOR

MAX_SIDE = 1024
"""The largest height or width the editors offer (memory bounds what a model can use, see validation)."""
CHANNELS = ((1, "Grey (1 channel)"), (3, "Colour (3 channels, RGB)"))
_TIPS = {
    "height": "Input height in pixels; dataset images and drawings are fitted to it",
    "width": "Input width in pixels; dataset images and drawings are fitted to it",
    "channels": "Grey models take one channel, colour models three (RGB); pictures are converted to it",
}


class InputForm(QGroupBox):
    """Edit the input shape ``(height, width, channels)``; emits the edited shape."""

    sig_shape_edited = Signal(object)
    """The person committed a new input shape: ``(height, width, channels)``."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Input", parent)
        form = QFormLayout(self)
        self.height_spin = self._side_spin("input_height")
        self.width_spin = self._side_spin("input_width")
        self.channels_combo = QComboBox()
        self.channels_combo.setObjectName("input_channels")
        for channels, label in CHANNELS:
            self.channels_combo.addItem(label, channels)
        self._labels = {"height": QLabel("Height"), "width": QLabel("Width"), "channels": QLabel("Channels")}
        self._editors = {"height": self.height_spin, "width": self.width_spin, "channels": self.channels_combo}
        for name, label in self._labels.items():
            label.setBuddy(self._editors[name])
            self._editors[name].setToolTip(_TIPS[name])
            form.addRow(label, self._editors[name])
        self.fit_label = QLabel()
        """How the chosen dataset's images reach this input, or empty when they fit as they are."""
        self.fit_label.setObjectName("input_fit_note")
        self.fit_label.setWordWrap(True)
        form.addRow(self.fit_label)
        self.fit_label.hide()
        self._shape: tuple[int, int, int] = cfg.ModelConfig().input_shape   # until show_shape
        self.height_spin.valueChanged.connect(self._on_edited)
        self.width_spin.valueChanged.connect(self._on_edited)
        self.channels_combo.currentIndexChanged.connect(self._on_edited)

    @staticmethod
    def _side_spin(name: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(1, MAX_SIDE)
        # The value is taken when typing ends, not at every keystroke (typing 64 never builds a 6).
        spin.setKeyboardTracking(False)
        return spin

    # -- public API ---------------------------------------------------------------------------------
    def shape(self) -> tuple[int, int, int]:
        """The input shape as edited now."""
        return self._shape

    def show_shape(self, shape: tuple[int, ...]) -> None:
        """Show ``shape`` in the editors without announcing it as an edit."""
        height, width, channels = (int(size) for size in shape)
        self._shape = (height, width, channels)
        for editor in self._editors.values():
            editor.blockSignals(True)
        try:
            self.height_spin.setValue(height)
            self.width_spin.setValue(width)
            index = self.channels_combo.findData(channels)
            if index < 0:   # a loaded configuration of another channel count: shown, flagged by validation
                self.channels_combo.addItem(f"{channels} channels", channels)
                index = self.channels_combo.count() - 1
            self.channels_combo.setCurrentIndex(index)
        finally:
            for editor in self._editors.values():
                editor.blockSignals(False)

    def set_problem(self, problem: cfg.ConfigError | None) -> None:
        """Mark the editors ``problem`` (about the input shape) blames, or clear the marks."""
        for name, label in self._labels.items():
            blamed = problem is not None and self._blames(problem, name)
            label.setText(f"⚠ {name.capitalize()}" if blamed else name.capitalize())
            label.setStyleSheet(f"color: {ERROR_COLOR.name()}; font-weight: bold;" if blamed else "")
            label.setToolTip(problem.message if blamed else "")
            self._editors[name].setToolTip(f"{problem.message}\n\n{_TIPS[name]}" if blamed else _TIPS[name])

    def set_fit_note(self, text: str) -> None:
        """Say how the chosen dataset's images will be fitted to this input (``""`` hides the note)."""
        self.fit_label.setText(text)
        self.fit_label.setToolTip(text)
        self.fit_label.setVisible(bool(text))

    # -- internals ----------------------------------------------------------------------------------
    def _blames(self, problem: cfg.ConfigError, name: str) -> bool:
        """Whether ``problem`` is about the editor ``name`` (``"height"``, ``"width"``, ``"channels"``)."""
        height, width, channels = self._shape
        if "channels" in problem.message and channels not in (1, 3):
            return name == "channels"
        if name == "channels":
            return False
        # A size problem blames the sides under the minimum; any other (too large for memory) both.
        if "at least" in problem.message:
            return (height if name == "height" else width) < MIN_INPUT_SIZE
        return True

    def _on_edited(self) -> None:
        shape = (self.height_spin.value(), self.width_spin.value(), int(self.channels_combo.currentData()))
        if shape == self._shape:
            return
        self._shape = shape
        self.sig_shape_edited.emit(shape)

