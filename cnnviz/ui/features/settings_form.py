"""The Features tab's form: which layer and unit, and how the input is optimized (parameterization,
regularizers and their weights). A view: it reads its editors into a
:class:`~cnnviz.science.feature_vis.Settings` and says when they change."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QSpinBox, QWidget

from cnnviz.science.feature_vis import Settings

DEFAULTS = Settings()


def _spin(minimum: int, maximum: int, value: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(minimum, maximum)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def _double(maximum: float, value: float, step: float, tip: str, decimals: int = 3) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(0.0, maximum)
    box.setSingleStep(step)
    box.setValue(value)
    box.setToolTip(tip)
    return box


class FeatureVisForm(QWidget):
    """Layer, unit and optimization settings; see the module docstring."""

    sig_layer_changed = Signal(str)
    """Another layer was chosen."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._counts: dict[str, int] = {}
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The layer whose filters (units, or classes for the output layer) are shown")
        self.layer_combo.currentTextChanged.connect(self._on_layer_changed)
        self.unit_spin = _spin(0, 0, 0, "The filter, unit or class visualized")
        self.objective_combo = QComboBox()
        self.objective_combo.addItems(["channel", "neuron"])
        self.objective_combo.setToolTip("A filter's mean over all positions (channel) or its centre value (neuron)")
        self.parameterization_combo = QComboBox()
        self.parameterization_combo.addItems(["pixels", "fourier"])
        self.parameterization_combo.setToolTip("Optimize the pixels, or a spectrum scaled by 1/f (Olah et al. 2017)")
        self.steps_spin = _spin(1, 10_000, DEFAULTS.steps, "Gradient-ascent steps")
        self.l2_spin = _double(100.0, DEFAULTS.l2, 0.1, "L2 decay towards mid-grey (0: off)")
        self.tv_spin = _double(100.0, DEFAULTS.total_variation, 0.05, "Total variation's weight (0: off)")
        self.jitter_spin = _spin(0, 16, DEFAULTS.jitter, "Largest random shift, pixels (0: off)")
        self.rotation_spin = _double(45.0, DEFAULTS.rotation, 1.0, "Largest random rotation, degrees (0: off)", 1)
        self.scaling_spin = _double(0.5, DEFAULTS.scaling, 0.05, "Largest relative random scaling (0: off)", 2)
        self.blur_spin = _double(5.0, DEFAULTS.blur_sigma, 0.1, "Gaussian blur's σ in pixels, every 4 steps (0: off)",
                                 2)
        self.bounded_check = QCheckBox("Keep in the data's range")
        self.bounded_check.setToolTip("Clip to the input range 0-1 (otherwise the L2 decay holds the image)")
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for label, editor in (("Layer", self.layer_combo), ("Filter", self.unit_spin),
                              ("Objective", self.objective_combo), ("Basis", self.parameterization_combo),
                              ("Steps", self.steps_spin), ("L2 decay", self.l2_spin), ("Total variation", self.tv_spin),
                              ("Jitter", self.jitter_spin), ("Rotation", self.rotation_spin),
                              ("Scaling", self.scaling_spin), ("Blur σ", self.blur_spin)):
            layout.addRow(label, editor)
        layout.addRow(self.bounded_check)

    def set_layers(self, layers: Sequence[tuple[str, int]]) -> None:
        """Offer these ``(layer, number of units)``; keeps the chosen layer when it is still there."""
        current = self.layer_combo.currentText()
        self._counts = dict(layers)
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.addItems([name for name, _ in layers])
        if current in self._counts:
            self.layer_combo.setCurrentText(current)
        self.layer_combo.blockSignals(False)
        self._on_layer_changed(self.layer_combo.currentText())

    def layer(self) -> str:
        return self.layer_combo.currentText()

    def unit_count(self) -> int:
        return self._counts.get(self.layer(), 0)

    def settings(self) -> Settings:
        """The editors' values (each editor's range keeps them valid)."""
        return Settings(steps=self.steps_spin.value(), parameterization=self.parameterization_combo.currentText(),
                        l2=self.l2_spin.value(), total_variation=self.tv_spin.value(), jitter=self.jitter_spin.value(),
                        rotation=self.rotation_spin.value(), scaling=self.scaling_spin.value(),
                        blur_sigma=self.blur_spin.value(), position=self.objective_combo.currentText(),
                        bounded=self.bounded_check.isChecked())

    def _on_layer_changed(self, layer: str) -> None:
        self.unit_spin.setMaximum(max(self._counts.get(layer, 1) - 1, 0))
        self.sig_layer_changed.emit(layer)
