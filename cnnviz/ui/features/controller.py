"""Keeps the Features tab current: asks the model service to visualize a filter or a whole layer or to
find the top images, shows the images as they evolve and the answers when they come, and loads a
clicked top image into the canvas.

Everything is computed on the service's worker; the answers are kept per model version, by the
service (asking again answers at once) and here (the grid and the top images of each layer stay
shown while the person moves between filters). A new model, or new weights, starts afresh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from cnnviz.service import payloads as p
from cnnviz.service.feature_vis_payloads import (
    FeatureVisAnswer,
    FeatureVisProgress,
    TopImagesAnswer,
    TopImagesProgress,
)
from cnnviz.ui.features.panel import NO_MODEL, FeaturesPanel
from cnnviz.ui.features.picture_grid import normalized

if TYPE_CHECKING:
    from cnnviz.ui.main_window import MainWindow

SKIPPED_KINDS = {"flatten", "dropout", "Flatten", "Dropout", "InputLayer", "Reshape"}
"""Layer kinds whose units are not features (reshaped or dropped pixels)."""


def unit_layers(info: p.ModelInfo) -> list[tuple[str, int]]:
    """``(layer, number of units)`` of every layer with feature maps ``(h, w, c)`` or a vector of units."""
    if info.graph is None:
        return []
    return [(layer.name, int(layer.output_shape[-1])) for layer in info.graph.layers
            if len(layer.output_shape) in (2, 4) and layer.kind not in SKIPPED_KINDS
            and isinstance(layer.output_shape[-1], int)]


class FeaturesController(QObject):
    """Wires ``panel`` to ``window``'s model service and canvas; see the module docstring."""

    sig_answer_shown = Signal(object)
    """A visualization or top-image answer reached the tab (for tests and tours)."""

    def __init__(self, window: MainWindow, panel: FeaturesPanel):
        super().__init__(window)
        self.window = window
        self.panel = panel
        self._job: int | None = None
        self._job_kind = ""
        self._version = -1
        self._grids: dict[str, FeatureVisAnswer] = {}
        self._tops: dict[str, TopImagesAnswer] = {}
        commands = window.service.feature_vis
        commands.sig_visualization_progress.connect(self._on_visualization_progress)
        commands.sig_visualization_finished.connect(self._on_visualization_finished)
        commands.sig_top_images_progress.connect(self._on_top_progress)
        commands.sig_top_images_finished.connect(self._on_top_finished)
        window.service.sig_model_changed.connect(self._on_model_changed)
        window.service.sig_error_raised.connect(self._on_error)
        panel.sig_visualize_requested.connect(self.visualize)
        panel.sig_grid_requested.connect(self.visualize_layer)
        panel.sig_top_requested.connect(self.find_top_images)
        panel.sig_cancel_requested.connect(self._on_cancel)
        panel.form.sig_layer_changed.connect(self._on_layer_changed)
        panel.form.unit_spin.valueChanged.connect(self._on_unit_changed)
        panel.grid.sig_picture_clicked.connect(self._on_grid_clicked)
        panel.top_grid.sig_picture_clicked.connect(self._on_top_clicked)
        info = window.model_info()
        if info is not None:
            self._on_model_changed(info)

    # -- commands -----------------------------------------------------------------------------------
    def visualize(self) -> None:
        """Visualize the chosen filter, showing it as it evolves."""
        if not self.panel.form.layer():
            return
        self._start("filter", self.window.service.feature_vis.visualize(
            self.panel.form.layer(), [self.panel.form.unit_spin.value()], self.panel.form.settings()))

    def visualize_layer(self) -> None:
        """Visualize every filter of the chosen layer in one job."""
        form = self.panel.form
        if not form.layer():
            return
        self._start("grid", self.window.service.feature_vis.visualize(form.layer(), range(form.unit_count()),
                                                                      form.settings()))

    def find_top_images(self) -> None:
        """Find every filter's top training images."""
        if not self.panel.form.layer():
            return
        self._start("top", self.window.service.feature_vis.find_top_images(self.panel.form.layer()))

    def _start(self, kind: str, job: int) -> None:
        self._job, self._job_kind = job, kind
        self.panel.set_running(True)
        training = self.window.service.state in (p.TRAINING, p.PAUSED, p.STOPPING)
        self.panel.show_progress(0, 1, "Waiting for training to end (the job runs after it)…" if training
                                 else "Starting…")

    # -- events -------------------------------------------------------------------------------------
    def _on_model_changed(self, info: p.ModelInfo) -> None:
        self._version = info.version
        self._grids.clear()
        self._tops.clear()
        layers = unit_layers(info)
        self.panel.form.set_layers(layers)
        self.panel.clear("Choose a layer and a filter, then Visualize (or All filters, Top images)." if layers
                         else "This model has no layer whose units can be visualized.")

    def _on_layer_changed(self, _layer: str) -> None:
        self._show_layer()

    def _on_unit_changed(self, _unit: int) -> None:
        self._show_layer()

    def _show_layer(self) -> None:
        """Show what is known of the chosen layer and filter: its grid, its picture and its top images."""
        layer, unit = self.panel.form.layer(), self.panel.form.unit_spin.value()
        grid = self._grids.get(layer)
        self.panel.grid.set_pictures([] if grid is None or grid.result is None else
                                     [normalized(image) for image in grid.result.images],
                                     [] if grid is None or grid.result is None else
                                     [f"filter {u}: {v:.3f}" for u, v in zip(grid.result.units, grid.result.values)])
        if grid is not None and grid.result is not None and unit in grid.result.units:
            index = grid.result.units.index(unit)
            self._show_answer(grid, index)
        top = self._tops.get(layer)
        if top is not None and top.result is not None and unit < len(top.result.indices):
            result = top.result
            self.panel.top_grid.set_pictures(
                [normalized(image, (0.0, 1.0)) for image in result.images[unit]],
                [f"training image {index}: {value:.3f}" for index, value in zip(result.indices[unit],
                                                                                  result.activations[unit])])
            self.panel.crop_grid.set_pictures([normalized(result.crop(unit, rank), (0.0, 1.0))
                                               for rank in range(result.indices.shape[1])])
        else:
            self.panel.top_grid.set_pictures([])
            self.panel.crop_grid.set_pictures([])

    def _show_answer(self, answer: FeatureVisAnswer, index: int) -> None:
        result = answer.result
        assert result is not None and answer.spectra is not None
        self.panel.show_picture(result.images[index], answer.spectra[index],
                                f"{result.layer}, filter {result.units[index]}: objective {result.values[index]:.4f}, "
                                f"peak activation {result.peaks[index]:.4f}")

    def _on_visualization_progress(self, progress: FeatureVisProgress) -> None:
        if progress.job_id != self._job:
            return
        self.panel.show_progress(progress.step, progress.num_steps,
                                 f"Step {progress.step} of {progress.num_steps}…")
        if self._job_kind == "filter":
            self.panel.show_picture(progress.images[0], progress.spectra[0],
                                    f"objective {float(progress.values[0]):.4f} (step {progress.step})")
        else:
            self.panel.grid.set_pictures([normalized(image) for image in progress.images])

    def _on_visualization_finished(self, answer: FeatureVisAnswer) -> None:
        if answer.job_id != self._job:
            return
        self._finish(answer.message)
        if answer.result is not None:
            if self._job_kind == "grid" or len(answer.result.units) > 1:
                self._grids[answer.result.layer] = answer
                self._show_layer()
            else:
                self._show_answer(answer, 0)
            self.panel.status_label.setText("Shown from this model's earlier answer." if answer.cached else "Done.")
        self.sig_answer_shown.emit(answer)

    def _on_top_progress(self, progress: TopImagesProgress) -> None:
        if progress.job_id == self._job:
            self.panel.show_progress(progress.done, progress.total,
                                     f"Searched {progress.done:,} of {progress.total:,} training images…")

    def _on_top_finished(self, answer: TopImagesAnswer) -> None:
        if answer.job_id != self._job:
            return
        self._finish(answer.message)
        if answer.result is not None:
            self._tops[answer.result.layer] = answer
            self._show_layer()
            self.panel.status_label.setText("Top images found; click one to load it into the canvas.")
        self.sig_answer_shown.emit(answer)

    def _finish(self, message: str) -> None:
        self._job = None
        self.panel.set_running(False)
        if message:
            self.panel.status_label.setText(message)

    def _on_grid_clicked(self, index: int) -> None:
        grid = self._grids.get(self.panel.form.layer())
        if grid is not None and grid.result is not None and index < len(grid.result.units):
            self.panel.form.unit_spin.setValue(grid.result.units[index])

    def _on_top_clicked(self, rank: int) -> None:
        top = self._tops.get(self.panel.form.layer())
        unit = self.panel.form.unit_spin.value()
        if top is None or top.result is None or unit >= len(top.result.indices):
            return
        self.window.canvas.set_image(top.result.images[unit, rank], preprocessed=True)
        self.window.canvas.show_message(f"Training image {int(top.result.indices[unit, rank])}, top {rank + 1} of "
                                        f"{top.result.layer} filter {unit}")

    def _on_cancel(self) -> None:
        if self._job is not None:
            self.window.service.feature_vis.cancel(self._job)
            self.panel.status_label.setText("Cancelling after the current step…")

    def _on_error(self, error: p.ServiceError) -> None:
        if error.job_id == self._job:
            self._finish(error.message)


__all__ = ["NO_MODEL", "FeaturesController", "unit_layers"]
