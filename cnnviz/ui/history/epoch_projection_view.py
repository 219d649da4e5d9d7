"""The History tab's "Compare epochs" page: the embedding projector at two saved epochs of a run.

The person picks two of the run's checkpoints and presses Project; the view asks for the projection
through :attr:`EpochProjectionView.sig_compare_requested` (the window runs it on the model service's
worker, :mod:`cnnviz.service.history_jobs`) and draws the answer in two
:class:`~cnnviz.ui.embedding.scatter.EmbeddingPlot` side by side: the same test images, coloured
by true class, mistakes ringed, the second epoch's points turned onto the first's (orthogonal
Procrustes) so that the two pictures can be compared point for point.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from cnnviz.core.runs import RunInfo
from cnnviz.science.embedding import DEFAULT_SAMPLES
from cnnviz.science.epoch_comparison import EpochComparison
from cnnviz.ui.embedding.scatter import EmbeddingPlot

NO_RUN = "Select a run in the list to compare two of its epochs in the embedding projector."
NO_CHECKPOINTS = "The run {name} kept fewer than two checkpoints, so it has no two epochs to compare."
READY = ("Choose two epochs and press Project: the same test images are placed by the penultimate layer's "
         "activations at each (PCA), the second turned onto the first so the pictures compare point for point.")


def epoch_label(epoch: int) -> str:
    return "before training" if epoch < 0 else f"after epoch {epoch + 1}"


class EpochProjectionView(QWidget):
    """See the module docstring."""

    sig_compare_requested = Signal(str, int, int, int)
    """Project (run folder, first epoch, second epoch, number of test images); epochs 0-based, -1: before
    training."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._run: RunInfo | None = None
        self._comparison: EpochComparison | None = None
        self.pending_job: int | None = None
        self.first_combo, self.second_combo = QComboBox(), QComboBox()
        self.first_combo.setToolTip("The first epoch: its projection is the reference the second is turned onto.")
        self.second_combo.setToolTip("The second epoch.")
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(10, 10000)
        self.samples_spin.setValue(min(DEFAULT_SAMPLES, 500))
        self.samples_spin.setToolTip("How many images of the test split to project (the first ones).")
        self.project_button = QPushButton("Project")
        self.project_button.setToolTip("Project the test images with both checkpoints (on the model's worker; "
                                       "the window stays responsive).")
        top = QHBoxLayout()
        for widget in (QLabel("Epoch:"), self.first_combo, QLabel("against"), self.second_combo,
                       QLabel("Test images:"), self.samples_spin, self.project_button):
            top.addWidget(widget)
        top.addStretch(1)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.first_plot, self.second_plot = EmbeddingPlot(), EmbeddingPlot()
        self.first_title, self.second_title = QLabel(), QLabel()
        for title in (self.first_title, self.second_title):
            title.setWordWrap(True)  # a long title wraps instead of widening the page past the window
        plots = QGridLayout()
        plots.addWidget(self.first_title, 0, 0)
        plots.addWidget(self.second_title, 0, 1)
        plots.addWidget(self.first_plot, 1, 0)
        plots.addWidget(self.second_plot, 1, 1)
        plots.setRowStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.status_label)
        layout.addLayout(plots, 1)
        self.project_button.clicked.connect(self._on_project_clicked)
        self.set_run(None)

    # -- public interface --------------------------------------------------------------------------
    def set_run(self, run: RunInfo | None) -> None:
        """Offer ``run``'s saved epochs (``None``: no run)."""
        self._run, self._comparison, self.pending_job = run, None, None
        for plot in (self.first_plot, self.second_plot):
            plot.clear_points()
        self.first_title.setText("")
        self.second_title.setText("")
        epochs = [] if run is None else [epoch for epoch in range(-1, run.num_epochs)
                                         if run.checkpoint_at(epoch) is not None]
        for combo in (self.first_combo, self.second_combo):
            combo.clear()
            for epoch in epochs:
                combo.addItem(epoch_label(epoch), epoch)
        if len(epochs) >= 2:
            self.first_combo.setCurrentIndex(0)
            self.second_combo.setCurrentIndex(len(epochs) - 1)
        enough = len(epochs) >= 2
        self.project_button.setEnabled(enough)
        self._say(NO_RUN if run is None else READY if enough else NO_CHECKPOINTS.format(name=run.name))

    def set_pending(self, job_id: int) -> None:
        """A comparison was asked for as job ``job_id``."""
        self.pending_job = job_id
        self.project_button.setEnabled(False)
        self._say("Projecting the test images at both epochs…")

    def show_answer(self, answer) -> None:
        """Draw an :class:`~cnnviz.service.history_jobs.EpochComparisonAnswer` if it answers the pending job."""
        if answer.job_id != self.pending_job:
            return
        self.pending_job = None
        self.project_button.setEnabled(True)
        comparison = answer.comparison
        if comparison is None:
            self._say(answer.message, error=True)
            return
        self._comparison = comparison
        first, second = comparison.first, comparison.second
        self.first_plot.show_embedding(first)
        self.second_plot.show_embedding(second)
        for title, epoch, embedding in ((self.first_title, comparison.epochs[0], first),
                                        (self.second_title, comparison.epochs[1], second)):
            title.setText(f"<b>{epoch_label(epoch).capitalize()}</b>: {100 * embedding.accuracy:.1f} % correct, "
                          f"{len(embedding.misclassified)} misclassified (ringed)")
        self._say(f"Layer {first.layer}: {len(first.labels)} test images of {first.dataset}, coloured by true class. "
                  f"The second picture is turned onto the first (orthogonal Procrustes); what still differs is how the "
                  f"layer changed: a difference of {comparison.residual:.2f} in shape (0: the same picture, about "
                  f"1.4: unrelated).")

    def show_error(self, message: str) -> None:
        """The pending comparison failed: say why."""
        self.pending_job = None
        self.project_button.setEnabled(self._run is not None and self.first_combo.count() >= 2)
        self._say(message, error=True)

    def comparison(self) -> EpochComparison | None:
        """The comparison shown, if any."""
        return self._comparison

    def status_text(self) -> str:
        return self.status_label.text()

    # -- internals ---------------------------------------------------------------------------------
    def _say(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("color: #c62828;" if error else "")

    def _on_project_clicked(self) -> None:
        run = self._run
        first, second = self.first_combo.currentData(), self.second_combo.currentData()
        if run is None or first is None or second is None:
            return
        if first == second:
            self._say("Choose two different epochs to compare.", error=True)
            return
        self.sig_compare_requested.emit(str(run.path), int(first), int(second), self.samples_spin.value())

