"""The Explain tab's page: the method form and the map over the input on one page, the sanity checks
on another. A view only: it shows what the controller (:mod:`cnnviz.ui.explain.controller`) hands it
and forwards what the person asks for."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from cnnviz.service.attribution_payloads import AttributionResult
from cnnviz.ui.explain.method_form import METHOD_LABELS, MethodForm, method_label
from cnnviz.ui.explain.overlay_view import AttributionOverlay
from cnnviz.ui.explain.sanity_view import SanityView

NO_INPUT = "Draw on the canvas or pick a sample: its attribution map appears here."
FORM_WIDTH = 240


def class_text(index: int, class_names: Sequence[str]) -> str:
    """``"3"`` or ``"3 ('cat')"``."""
    name = class_names[index] if 0 <= index < len(class_names) else str(index)
    return str(index) if str(name) == str(index) else f"{index} ('{name}')"


class ExplainPanel(QWidget):
    """The Explain tab; see the module docstring."""

    sig_request_changed = Signal()
    """The method, class or a setting changed: the map must be computed again."""
    sig_sanity_requested = Signal(tuple, bool)
    """Run the sanity checks for these methods (True: the label randomization too)."""
    sig_sanity_cancelled = Signal()
    """Stop the sanity check that runs."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._class_names: tuple[str, ...] = ()
        self.form = MethodForm(self)
        self.status_label = QLabel(NO_INPUT, self)
        self.status_label.setObjectName("explain_status")
        self.status_label.setWordWrap(True)
        self.notes_label = QLabel("", self)
        self.notes_label.setObjectName("explain_notes")
        self.notes_label.setWordWrap(True)
        self.sanity_button = QPushButton("Sanity check…", self)
        self.sanity_button.setToolTip("Check whether the maps depend on what the model learned "
                                      "(cascading randomization, Adebayo et al. 2018)")
        self.sanity_button.clicked.connect(self._on_sanity_clicked)
        self.overlay = AttributionOverlay(self)
        self.sanity_view = SanityView(self)
        left = QWidget(self)
        left.setFixedWidth(FORM_WIDTH)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.form)
        column.addWidget(self.status_label)
        column.addWidget(self.notes_label)
        column.addStretch(1)
        column.addWidget(self.sanity_button)
        map_page = QWidget(self)
        row = QHBoxLayout(map_page)
        row.addWidget(left)
        row.addWidget(self.overlay, 1)
        self.pages = QTabWidget(self)
        self.pages.setDocumentMode(True)
        self.pages.addTab(map_page, "Map")
        self.pages.addTab(self.sanity_view, "Sanity check")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.pages)
        self.form.sig_request_changed.connect(self.sig_request_changed)
        self.sanity_view.sig_run_requested.connect(self.sig_sanity_requested)
        self.sanity_view.sig_cancel_requested.connect(self.sig_sanity_cancelled)

    # -- export (File › Export figure) ---------------------------------------------------------------
    def export_widget(self) -> QWidget:
        return self.overlay if self.pages.currentIndex() == 0 else self.sanity_view

    def title(self) -> str:
        return self.overlay.title() if self.pages.currentIndex() == 0 else "Explain — sanity check"

    # -- showing ------------------------------------------------------------------------------------
    def set_model(self, convolutions: Sequence[str], class_names: Sequence[str]) -> None:
        self._class_names = tuple(class_names)
        self.form.set_model(convolutions, class_names)

    def show_no_input(self) -> None:
        self.overlay.show_input_only(None, "Explain")
        self.status_label.setText(NO_INPUT)
        self.notes_label.setText("")

    def show_computing(self) -> None:
        """Say a map is being computed (the map shown stays until the new one arrives)."""
        self.status_label.setText(f"{METHOD_LABELS[self.form.method()]}: computing…")

    def show_result(self, result: AttributionResult) -> None:
        attribution = result.attribution
        label = method_label(result.method)
        if attribution is None:
            self.overlay.show_input_only(result.image, label, "")
            self.status_label.setText(("Not available: " if result.unavailable else "Could not compute: ")
                                      + result.message)
            self.notes_label.setText("")
            return
        predicted = result.predicted
        title = f"{label} — class {class_text(attribution.class_index, self._class_names)}"
        if predicted == attribution.class_index:
            title += ", predicted"
        elif predicted is not None:
            title += f" (predicted: {class_text(predicted, self._class_names)})"
        self.overlay.show_map(result.image, attribution, title)
        self.status_label.setText(f"Computed in {result.elapsed_ms:.0f} ms.")
        parts = [attribution.notes, f"Settings: {attribution.settings_text}." if attribution.settings_text else ""]
        self.notes_label.setText("\n\n".join(part for part in parts if part))

    def shown_map(self) -> np.ndarray | None:
        """The map drawn now, or None."""
        return self.overlay.shown_map()

    # -- events -------------------------------------------------------------------------------------
    def _on_sanity_clicked(self) -> None:
        self.pages.setCurrentWidget(self.sanity_view)
        method = self.form.method()
        base = self.form.base_combo.currentData() if method == "smoothgrad" else method
        self.sanity_view.check_method(base)
        self.sanity_view.sanity_run_button.click()
