"""The settings of one layer, as a form of editors that survive the edits made in them.

The form is rebuilt only when another layer is shown, never from inside one of its
own editors' signals: an edit changes the layer and the problem markers in place.
Number editors commit a value when the person finishes typing (Enter, Tab, leaving
the field) or steps it (arrow buttons, arrow keys, the wheel while focused), so a
half-typed number is never taken as the setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from operator import attrgetter

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QSpinBox, QWidget

from cnnviz.core import config as cfg

ERROR_COLOR = QColor("#c62828")


def _pair(index: int, current: Callable[[cfg.LayerSpec], tuple[int, int]]):
    """A setter for one element of a pair-valued setting (kernel size, strides ...)."""
    def apply(layer: cfg.LayerSpec, value: int) -> tuple[int, int]:
        pair = list(current(layer))
        pair[index] = value
        return tuple(pair)
    return apply


def _element(name: str, index: int) -> Callable[[cfg.LayerSpec], int]:
    """A reader of one element of a pair-valued setting: ``_element("kernel_size", 0)`` the height."""
    return lambda layer: getattr(layer, name)[index]


def _pool_strides(layer) -> tuple[int, int]:
    return layer.strides or layer.pool_size


def _element_blamed(problem: cfg.ConfigError, value: int, index: int) -> bool:
    """Whether element ``index`` (0: height or vertical, 1: width or horizontal), of value ``value``,
    of a pair-valued setting is what ``problem`` is about; when the message does not tell, both are."""
    if "must be positive" in problem.message:
        return value <= 0
    larger = re.search(r"larger than its (\d+)x(\d+) input", problem.message)
    if larger:
        return value > int(larger.group(index + 1))
    return True


# Per layer type: (setting, config field, how the field's value follows from the editor's value,
# how the editor's value is read from the layer, editor kind, range, tooltip).
_INT = "int"
_CHOICE = "choice"
_FLOAT = "float"


def _settings(layer: cfg.LayerSpec, is_last: bool) -> list[tuple]:
    if isinstance(layer, cfg.Conv2D):
        return [
            ("filters", "filters", None, attrgetter("filters"), _INT, (0, 1024), "Number of filters (output channels)"),
            ("kernel_height", "kernel_size", _pair(0, attrgetter("kernel_size")), _element("kernel_size", 0), _INT,
             (0, 64), "Kernel height"),
            ("kernel_width", "kernel_size", _pair(1, attrgetter("kernel_size")), _element("kernel_size", 1), _INT,
             (0, 64), "Kernel width"),
            ("strides_vertical", "strides", _pair(0, attrgetter("strides")), _element("strides", 0), _INT, (0, 16),
             "Vertical stride"),
            ("strides_horizontal", "strides", _pair(1, attrgetter("strides")), _element("strides", 1), _INT, (0, 16),
             "Horizontal stride"),
            ("padding", "padding", None, attrgetter("padding"), _CHOICE, cfg.PADDINGS,
             "valid: no padding (the map shrinks); same: zero padding keeps the size"),
            ("activation", "activation", None, attrgetter("activation"), _CHOICE, cfg.ACTIVATIONS, "Activation"),
        ]
    if isinstance(layer, (cfg.MaxPooling2D, cfg.AveragePooling2D)):
        return [
            ("pool_height", "pool_size", _pair(0, attrgetter("pool_size")), _element("pool_size", 0), _INT, (0, 32),
             "Window height"),
            ("pool_width", "pool_size", _pair(1, attrgetter("pool_size")), _element("pool_size", 1), _INT, (0, 32),
             "Window width"),
            ("strides_vertical", "strides", _pair(0, _pool_strides), lambda layer: _pool_strides(layer)[0], _INT,
             (0, 32), "Vertical stride"),
            ("strides_horizontal", "strides", _pair(1, _pool_strides), lambda layer: _pool_strides(layer)[1], _INT,
             (0, 32), "Horizontal stride"),
        ]
    if isinstance(layer, cfg.SpectralPooling2D):
        return [
            ("output_height", "output_size", _pair(0, attrgetter("output_size")), _element("output_size", 0), _INT,
             (0, 1024), "Output height: how many of the lowest vertical frequencies are kept (at most the input "
             "height)"),
            ("output_width", "output_size", _pair(1, attrgetter("output_size")), _element("output_size", 1), _INT,
             (0, 1024), "Output width: how many of the lowest horizontal frequencies are kept (at most the input "
             "width)"),
        ]
    if isinstance(layer, cfg.Dropout):
        return [("rate", "rate", None, attrgetter("rate"), _FLOAT, (0.0, 1.0),
                 "Fraction of values zeroed while training, in [0, 1)")]
    if isinstance(layer, cfg.BatchNormalization):
        return [
            ("momentum", "momentum", None, attrgetter("momentum"), _FLOAT, (0.0, 1.0, 3, 0.01),
             "Share of the moving mean and variance kept at each training step, in (0, 1); Keras uses 0.99"),
            ("epsilon", "epsilon", None, attrgetter("epsilon"), _FLOAT, (0.0, 1.0, 5, 0.0001),
             "Added to the variance so no channel is divided by zero; greater than 0, Keras uses 0.001"),
        ]
    if isinstance(layer, cfg.Activation):
        return [("activation", "activation", None, attrgetter("activation"), _CHOICE, cfg.ACTIVATIONS,
                 "Activation applied to every value")]
    if isinstance(layer, cfg.Dense):
        activations = cfg.ACTIVATIONS + ((cfg.OUTPUT_ACTIVATION,) if is_last else ())
        return [
            ("units", "units", None, attrgetter("units"), _INT, (0, 100_000), "Number of units"),
            ("activation", "activation", None, attrgetter("activation"), _CHOICE, activations,
             "Activation; the output layer uses softmax"),
        ]
    return []


class LayerForm(QGroupBox):
    """Edit one layer's settings; emits the edited layer, never rebuilds itself while editing."""

    sig_layer_edited = Signal(object)
    """The person committed a new value: the edited layer (a :class:`cnnviz.core.config.LayerSpec`)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Layer settings", parent)
        self._form = QFormLayout(self)
        self._layer: cfg.LayerSpec | None = None
        self._rows: dict[str, tuple[QLabel, QWidget, tuple]] = {}

    # -- public API ---------------------------------------------------------------------------------
    def layer(self) -> cfg.LayerSpec | None:
        """The layer as edited now."""
        return self._layer

    def editor(self, setting: str) -> QWidget | None:
        """The editor of ``setting`` (``"filters"``, ``"kernel_height"`` ...), or None."""
        row = self._rows.get(setting)
        return row[1] if row else None

    def settings(self) -> list[str]:
        """The names of the settings shown, in order."""
        return list(self._rows)

    def show_layer(self, layer: cfg.LayerSpec | None, name: str = "", is_last: bool = False,
                   problems: list[cfg.ConfigError] = ()) -> None:
        """Show ``layer``'s editors (replacing the previous layer's)."""
        self._clear()
        self._layer = layer
        if layer is None:
            self.setTitle("Layer settings")
            return
        self.setTitle(f"Layer settings — {name}")
        for spec in _settings(layer, is_last):
            setting, _field, _convert, read, kind, bounds, tip = spec
            editor = self._make_editor(kind, bounds, read(layer), tip)
            editor.setObjectName(f"setting_{setting}")
            label = QLabel(setting.replace("_", " ").capitalize())
            label.setBuddy(editor)
            self._form.addRow(label, editor)
            self._rows[setting] = (label, editor, spec)
            self._connect(editor, kind, spec)
        if isinstance(layer, cfg.Flatten):
            self._form.addRow(QLabel("No settings: flattens (h, w, c) to h·w·c values."))
        elif isinstance(layer, cfg.GlobalAveragePooling2D):
            self._form.addRow(QLabel("No settings: the mean of each channel over the map, (h, w, c) to c values."))
        elif isinstance(layer, cfg.GlobalMaxPooling2D):
            self._form.addRow(QLabel("No settings: the maximum of each channel over the map, (h, w, c) to c "
                                     "values."))
        self.set_problems(problems)

    def set_problems(self, problems: list[cfg.ConfigError]) -> None:
        """Mark the settings that ``problems`` (of this layer) name; the editors stay as they are."""
        elements: dict[str, int] = {}
        for setting, (label, editor, spec) in self._rows.items():
            field = spec[1]
            problem = next((item for item in problems if item.setting and (
                item.setting == field or item.setting.split("_")[0] == setting.split("_")[0])), None)
            if spec[2] is not None:   # one element of a pair: (height, width), (vertical, horizontal)
                index = elements[field] = elements.get(field, -1) + 1
                if problem is not None and self._layer is not None \
                        and not _element_blamed(problem, spec[3](self._layer), index):
                    problem = None
            text = setting.replace("_", " ").capitalize()
            if problem is None:
                label.setText(text)
                label.setStyleSheet("")
                label.setToolTip("")
                editor.setToolTip(spec[6])
            else:
                # The label, not the editor, turns red: the editor keeps its arrows and native look.
                label.setText("⚠ " + text)
                label.setStyleSheet(f"color: {ERROR_COLOR.name()}; font-weight: bold;")
                label.setToolTip(problem.message)
                editor.setToolTip(f"{problem.message}\n\n{spec[6]}")

    # -- internals ----------------------------------------------------------------------------------
    def _clear(self) -> None:
        # The editors leave silent: hiding a focused spin box commits its half-typed text, which would
        # otherwise arrive as an edit of whichever layer the panel shows next (and overwrite it).
        self._layer = None
        self._rows = {}
        while self._form.rowCount():
            row = self._form.takeRow(0)
            for item in (row.labelItem, row.fieldItem):
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.blockSignals(True)
                    # Deleted later, not now: this may run while one of them still handles an event.
                    widget.hide()
                    widget.setParent(None)
                    widget.deleteLater()

    @staticmethod
    def _make_editor(kind: str, bounds, value, tip: str) -> QWidget:
        if kind == _CHOICE:
            box = QComboBox()
            box.addItems(list(bounds))
            box.setCurrentText(value)
        else:
            # A float's bounds may name its decimals and step: (low, high[, decimals, step]).
            low, high, *precision = bounds
            decimals, step = precision or (2, 0.05)
            box = QSpinBox() if kind == _INT else QDoubleSpinBox(decimals=decimals, singleStep=step)
            box.setRange(low, high)
            box.setValue(value)
            # The value is taken when typing ends, not at every keystroke.
            box.setKeyboardTracking(False)
        box.setToolTip(tip)
        return box

    def _connect(self, editor: QWidget, kind: str, spec: tuple) -> None:
        if kind == _CHOICE:
            editor.currentTextChanged.connect(lambda value, spec=spec: self._on_edited(spec, value))
        else:
            editor.valueChanged.connect(lambda value, spec=spec: self._on_edited(spec, value))

    def _on_edited(self, spec: tuple, value) -> None:
        if self._layer is None:
            return
        _setting, field, convert, _read, kind, _bounds, _tip = spec
        if kind == _INT:
            value = int(value)
        elif kind == _FLOAT:
            value = float(value)
        new_value = convert(self._layer, value) if convert is not None else value
        self._layer = replace(self._layer, **{field: new_value})
        self.sig_layer_edited.emit(self._layer)
