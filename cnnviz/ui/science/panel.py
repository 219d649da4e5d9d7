"""The Science panel: the student report's findings, reproducible in a few clicks and checkable.

Four tabs, each a view of its own module in :mod:`cnnviz.ui.science`:

1. *Spectra comparison* (report §5.1) — one filter's feature maps and log spectra for the current
   input and a test image, their similarity and radial power profiles, and the class-by-class
   similarity matrix;
2. *Backprop = flipped convolution* (§4.3) — recomputed from the current inspection alone;
3. *Weight-space symmetries* (§1.1) — how many weight vectors are equivalent for the layer's
   activation (``M! · 2^M`` for tanh, ``M!`` orderings and positive rescalings for ReLU), and
   permutations, sign flips and rescaling checked on the model's predictions;
4. *Dead filters* (§5.2) — near-zero and never-active filters, and pruning them.

The panel never talks to the model service. It asks for an analysis with
:attr:`SciencePanel.sig_science_requested` (the window passes it to
``ModelService.run_science(kind, **params)``) and shows the answer given to
:meth:`SciencePanel.show_science`. It follows the current input through
:meth:`SciencePanel.show_inspection`, the model through :meth:`SciencePanel.set_model`, and the
service's state through :meth:`SciencePanel.set_busy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QWidget

from cnnviz.service.payloads import FLIP_CHECKS, InspectionResult, ModelInfo, ScienceResult
from cnnviz.ui.layout import PageLayout
from cnnviz.ui.science.common import ModelLayout
from cnnviz.ui.science.dead_filters_view import DeadFiltersTab
from cnnviz.ui.science.flip_view import FlipTab
from cnnviz.ui.science.spectra_comparison import SpectraComparisonTab
from cnnviz.ui.science.symmetry_view import SymmetryTab

SPECTRA, FLIP, SYMMETRY, DEAD_FILTERS = range(4)
"""The tabs' indices."""


class SciencePanel(QWidget):
    """The report's experiments in four tabs; see the module docstring.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_science_requested = Signal(str, object)
    """An analysis is wanted: its kind (``"compare_pair"``, ``"similarity_matrix"``, ``"symmetry"``,
    ``"dead_filters"`` or ``"prune"``) and its keyword parameters (dict) for
    ``ModelService.run_science``."""
    sig_filters_marked = Signal(str, object)
    """Dead filters of a layer were found: the layer and a tuple of filter indices (empty: clear the marks)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._info: ModelInfo | None = None
        self.spectra_tab = SpectraComparisonTab()
        self.flip_tab = FlipTab()
        self.symmetry_tab = SymmetryTab()
        self.dead_filters_tab = DeadFiltersTab()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for tab, title, tooltip in (
                (self.spectra_tab, "Spectra comparison",
                 "Report §5.1: are one filter's feature-map spectra alike for two digits, and for every pair "
                 "of classes?"),
                (self.flip_tab, "Backprop = flipped convolution",
                 "Report §4.3: the gradient through a convolution is a convolution with the 180°-rotated kernel."),
                (self.symmetry_tab, "Weight-space symmetries",
                 "Report §1.1: how many weight vectors are equivalent for the layer's activation (M!·2^M "
                 "for tanh; M! orderings and positive rescalings for relu); which transforms really keep the "
                 "function."),
                (self.dead_filters_tab, "Dead filters",
                 "Report §5.2: filters with near-zero kernels or no activity, and pruning them.")):
            index = self.tabs.addTab(tab, title)
            self.tabs.setTabToolTip(index, tooltip)
        for tab in (self.spectra_tab, self.symmetry_tab, self.dead_filters_tab):
            tab.sig_science_requested.connect(self.sig_science_requested)
        self.dead_filters_tab.sig_filters_marked.connect(self.sig_filters_marked)
        layout = PageLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def resizeEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        super().resizeEvent(event)
        # Only the current tab is resized; the spectra tab's layout must follow the width even when
        # it is not the current one.
        self.spectra_tab.fit_width(event.size().width())

    # -- what the window calls -----------------------------------------------------------------------
    def set_model(self, info: ModelInfo | None) -> None:
        """Follow a new model (built or opened): its layers, settings and dataset. Results of the
        previous model are cleared (and the dead-filter marks withdrawn)."""
        self._info = info
        layout = ModelLayout.from_info(info)
        for tab in (self.spectra_tab, self.flip_tab, self.symmetry_tab, self.dead_filters_tab):
            tab.set_model(layout)

    def set_class_names(self, names: Sequence[str]) -> None:
        """Name the classes of the model's dataset (the choices for the spectra tab's input B)."""
        self.spectra_tab.set_class_names(names)

    def set_data_dir(self, data_dir: str | None) -> None:
        """Where MNIST or Fashion-MNIST files are (for the spectra tab's test images)."""
        self.spectra_tab.set_data_dir(data_dir)

    def show_inspection(self, result: InspectionResult) -> None:
        """Follow the current input (every new inspection). The flipped-convolution page takes only
        inspections that carry its check (the window asks for one when that page is shown): until
        then it keeps the last check it had, rather than saying there is none."""
        self.spectra_tab.show_inspection(result)
        if result.holds(frozenset({FLIP_CHECKS})):
            self.flip_tab.show_inspection(result)

    def show_science(self, result: ScienceResult) -> None:
        """Show the answer to a request (results of unknown kinds are ignored)."""
        kind, value = result.kind, result.value
        if kind == "compare_pair":
            self.spectra_tab.show_pair(value)
        elif kind == "similarity_matrix":
            self.spectra_tab.show_matrix(value)
        elif kind == "symmetry":
            self.symmetry_tab.show_result(value)
        elif kind == "dead_filters":
            self.dead_filters_tab.show_dead_filters(value)
        elif kind == "prune":
            self.dead_filters_tab.show_prune(value)

    def set_busy(self, busy: bool) -> None:
        """Disable every request button while the model service works (training, another analysis)."""
        for tab in (self.spectra_tab, self.symmetry_tab, self.dead_filters_tab):
            tab.set_busy(busy)

    def model_info(self) -> ModelInfo | None:
        """The model the panel follows."""
        return self._info

    # -- exports -------------------------------------------------------------------------------------
    def export_matrix_csv(self, path: str | Path) -> Path:
        """Write the class similarity matrix as CSV (ValueError when there is none yet)."""
        return self.spectra_tab.export_matrix_csv(path)

    def export_matrix_figure(self, path: str | Path) -> Path:
        """Write the class similarity heatmap as PNG, SVG or PDF (ValueError when there is none yet)."""
        return self.spectra_tab.export_matrix_figure(path)
