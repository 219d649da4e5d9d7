"""The Explain tab's choices: the method, the class it explains and the settings that matter for that
method (Grad-CAM's layer, Integrated Gradients' baseline and steps, SmoothGrad's base, samples and
noise, occlusion's patch and stride); only the rows of the chosen method are shown."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QSpinBox, QWidget

from cnnviz.science.attribution import BASE_METHODS

METHOD_LABELS = {
    "gradient": "Gradient (saliency)", "gradient-x-input": "Gradient × input",
    "guided-backprop": "Guided backpropagation", "grad-cam": "Grad-CAM", "grad-cam++": "Grad-CAM++",
    "smoothgrad": "SmoothGrad", "integrated-gradients": "Integrated Gradients", "occlusion": "Occlusion",
}
"""Every method the tab offers, by the name :func:`~cnnviz.science.attribution.explain` takes."""
FAST_METHODS = frozenset({"gradient", "gradient-x-input", "guided-backprop", "grad-cam", "grad-cam++"})
"""Methods cheap enough to follow the pen while drawing (one or two engine passes)."""
PREDICTED = "predicted"


def method_label(name: str) -> str:
    """A method's name for people: ``"smoothgrad:grad-cam"`` reads "SmoothGrad of Grad-CAM"."""
    if name.startswith("smoothgrad:"):
        return f"SmoothGrad of {METHOD_LABELS.get(name.partition(':')[2], name.partition(':')[2])}"
    return METHOD_LABELS.get(name, name)


def _combo(parent: QWidget, name: str, items: Sequence[tuple[str, object]], tip: str) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    combo.setToolTip(tip)
    for text, data in items:
        combo.addItem(text, data)
    return combo


def _spin(parent: QWidget, name: str, low: int, high: int, value: int, tip: str) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setKeyboardTracking(False)  # one request per value typed, not per keystroke
    spin.setToolTip(tip)
    return spin


class MethodForm(QWidget):
    """The method, class and settings chooser; :meth:`request` says what to compute."""

    sig_request_changed = Signal()
    """The method, the class or a setting changed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.method_combo = _combo(self, "explain_method", [(label, name) for name, label in METHOD_LABELS.items()],
                                   "The attribution method (fast ones follow the pen while you draw)")
        self.class_combo = _combo(self, "explain_class", [(PREDICTED, None)],
                                  "The class whose score is explained ('predicted': the model's top class)")
        self.layer_combo = _combo(self, "explain_layer", [], "The convolution whose feature maps Grad-CAM weighs")
        self.base_combo = _combo(self, "explain_smooth_base", [(METHOD_LABELS[name], name) for name in BASE_METHODS],
                                 "The method SmoothGrad averages over noisy copies of the input")
        self.samples_spin = _spin(self, "explain_samples", 2, 500, 25, "Noisy copies SmoothGrad averages")
        self.noise_spin = QDoubleSpinBox(self)
        self.noise_spin.setObjectName("explain_noise")
        self.noise_spin.setRange(0.01, 1.0)
        self.noise_spin.setSingleStep(0.05)
        self.noise_spin.setValue(0.15)
        self.noise_spin.setKeyboardTracking(False)
        self.noise_spin.setToolTip("The noise's standard deviation, as a share of the input's range")
        self.baseline_combo = _combo(self, "explain_baseline", [("black", "black"), ("blurred", "blurred")],
                                     "Where Integrated Gradients' path starts: a black picture or the input blurred")
        self.steps_spin = _spin(self, "explain_steps", 2, 1024, 64,
                                "Riemann-sum steps of Integrated Gradients (more: a smaller completeness gap)")
        self.patch_spin = _spin(self, "explain_patch", 1, 64, 4, "Side of the square patch occlusion hides, in pixels")
        self.stride_spin = _spin(self, "explain_stride", 1, 64, 2, "How far the occluding patch moves each time")
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("Method", self.method_combo), ("Class", self.class_combo),
                              ("SmoothGrad of", self.base_combo), ("Samples", self.samples_spin),
                              ("Noise", self.noise_spin), ("Layer", self.layer_combo),
                              ("Baseline", self.baseline_combo), ("Steps", self.steps_spin),
                              ("Patch", self.patch_spin), ("Stride", self.stride_spin)):
            self.form.addRow(label, widget)
        for combo in (self.method_combo, self.class_combo, self.layer_combo, self.base_combo, self.baseline_combo):
            combo.currentIndexChanged.connect(self._on_changed)
        for spin in (self.samples_spin, self.noise_spin, self.steps_spin, self.patch_spin, self.stride_spin):
            spin.valueChanged.connect(self._on_changed)
        self._show_rows()

    # -- what the panel reads -----------------------------------------------------------------------
    def method(self) -> str:
        """The chosen method's name (``"smoothgrad"`` without its base)."""
        return self.method_combo.currentData()

    def is_fast(self) -> bool:
        return self.method() in FAST_METHODS

    def class_index(self) -> int | None:
        """The class chosen, or None for the predicted one."""
        return self.class_combo.currentData()

    def request(self) -> tuple[str, int | None, dict]:
        """``(method name for explain, class or None, settings)`` as chosen now."""
        method = self.method()
        base = self.base_combo.currentData() if method == "smoothgrad" else method
        settings: dict = {}
        if base in ("grad-cam", "grad-cam++"):
            settings["layer"] = self.layer_combo.currentData()
        if base == "integrated-gradients":
            settings.update(baseline=self.baseline_combo.currentData(), steps=self.steps_spin.value())
        if base == "occlusion":
            settings.update(patch_size=self.patch_spin.value(), stride=self.stride_spin.value())
        if method == "smoothgrad":
            settings.update(num_samples=self.samples_spin.value(), noise=round(self.noise_spin.value(), 4))
            return f"smoothgrad:{base}", self.class_index(), settings
        return method, self.class_index(), settings

    def method_settings(self) -> dict:
        """The base methods' settings as chosen now (for the sanity checks, which take every method)."""
        return {"layer": self.layer_combo.currentData(), "baseline": self.baseline_combo.currentData(),
                "steps": self.steps_spin.value(), "patch_size": self.patch_spin.value(),
                "stride": self.stride_spin.value()}

    # -- what the panel sets -------------------------------------------------------------------------
    def set_model(self, convolutions: Sequence[str], class_names: Sequence[str]) -> None:
        """Offer the model's convolutions (the last chosen by default) and its classes, keeping the
        choices that still exist."""
        layer, chosen_class = self.layer_combo.currentData(), self.class_index()
        for combo in (self.layer_combo, self.class_combo):
            combo.blockSignals(True)
        self.layer_combo.clear()
        for name in convolutions:
            self.layer_combo.addItem(name, name)
        if not convolutions:
            self.layer_combo.addItem("last with feature maps", None)
        index = self.layer_combo.findData(layer) if layer in convolutions else self.layer_combo.count() - 1
        self.layer_combo.setCurrentIndex(index)
        self.class_combo.clear()
        self.class_combo.addItem(PREDICTED, None)
        for index, name in enumerate(class_names):
            self.class_combo.addItem(str(index) if str(name) == str(index) else f"{index}: {name}", index)
        if chosen_class is not None and chosen_class < len(class_names):
            self.class_combo.setCurrentIndex(chosen_class + 1)
        for combo in (self.layer_combo, self.class_combo):
            combo.blockSignals(False)

    # -- events -------------------------------------------------------------------------------------
    def _show_rows(self) -> None:
        method = self.method()
        base = self.base_combo.currentData() if method == "smoothgrad" else method
        visible = {
            self.base_combo: method == "smoothgrad", self.samples_spin: method == "smoothgrad",
            self.noise_spin: method == "smoothgrad", self.layer_combo: base in ("grad-cam", "grad-cam++"),
            self.baseline_combo: base == "integrated-gradients", self.steps_spin: base == "integrated-gradients",
            self.patch_spin: base == "occlusion", self.stride_spin: base == "occlusion",
        }
        for widget, shown in visible.items():
            self.form.setRowVisible(widget, shown)

    def _on_changed(self, *_args) -> None:
        self._show_rows()
        self.sig_request_changed.emit()
