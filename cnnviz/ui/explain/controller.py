"""Keeps the Explain tab current: asks the model service for the map of the canvas's input whenever
the input, the model or the choices change, and shows the newest answer.

Fast methods follow the pen: each input the canvas emits while drawing is explained at once (the
service answers only the newest request). Slow methods (SmoothGrad, Integrated Gradients, occlusion)
wait until the stroke is over and the input has rested for a moment, then compute on the worker while
the tab says "computing…". Nothing is asked while the tab is hidden; showing it catches up. While
training, the map follows the learning weights with every live inspection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from cnnviz.service import payloads as p
from cnnviz.service.attribution_payloads import AttributionResult, SanityProgress, SanityResult
from cnnviz.ui.explain.panel import ExplainPanel

if TYPE_CHECKING:
    from cnnviz.ui.main_window import MainWindow

SLOW_METHOD_REST_MS = 300
"""How long the input must rest (and the mouse button be up) before a slow method is computed."""
EXPORT_WAIT_MS = 60_000
"""How long Export all waits for a map it had to ask for."""
LABEL_EPOCHS, LABEL_IMAGES = 2, 512
"""How long and on how many training images the label randomization trains its copy (as the command line)."""


class ExplainController(QObject):
    """Wires ``panel`` to ``window``'s canvas and model service; see the module docstring."""

    sig_attribution_shown = Signal(object)
    """A map (or the message saying why there is none) reached the tab (for tests and tours)."""

    def __init__(self, window: MainWindow, panel: ExplainPanel):
        super().__init__(window)
        self.window = window
        self.panel = panel
        self._image: np.ndarray | None = None
        self._latest_request = 0
        self._stale = True
        self._shown: dict[str, AttributionResult] = {}
        self._sanity_job: int | None = None
        self._rest_timer = QTimer(self, singleShot=True, interval=SLOW_METHOD_REST_MS)
        self._rest_timer.timeout.connect(self._on_input_rested)
        service = window.service
        service.attribution.sig_attribution_finished.connect(self._on_attribution_finished)
        service.attribution.sig_sanity_progress.connect(self._on_sanity_progress)
        service.attribution.sig_sanity_finished.connect(self._on_sanity_finished)
        service.sig_model_changed.connect(self._on_model_changed)
        service.sig_error_raised.connect(self._on_error)
        window.canvas.sig_input_changed.connect(self._on_input_changed)
        window.canvas.sig_input_cleared.connect(self._on_input_cleared)
        window.inspection.sig_inspection_shown.connect(self._on_inspection_shown)
        window.tabs.currentChanged.connect(self._on_tab_changed)
        panel.sig_request_changed.connect(self._on_request_changed)
        panel.sig_sanity_requested.connect(self._on_sanity_requested)
        panel.sig_sanity_cancelled.connect(self._on_sanity_cancelled)

    # -- what export and tests read -----------------------------------------------------------------
    def latest_request(self) -> int:
        return self._latest_request

    def results_for_input(self) -> list[AttributionResult]:
        """The maps shown for the current input, one per method (newest last)."""
        return [result for result in self._shown.values() if result.attribution is not None]

    def maps_for_export(self, timeout_ms: int = EXPORT_WAIT_MS) -> list[AttributionResult]:
        """The maps shown for the current input; when there are none yet (the tab was never opened for
        it), the chosen map is asked for and waited for, the window staying live meanwhile."""
        if not self.results_for_input() and self._image is not None and self.window.model_info() is not None:
            loop = QEventLoop(self)
            self.sig_attribution_shown.connect(loop.quit)
            QTimer.singleShot(timeout_ms, loop.quit)
            self.request()
            if self._latest_request and not self.results_for_input():
                loop.exec()
            self.sig_attribution_shown.disconnect(loop.quit)
        return self.results_for_input()

    # -- commands -----------------------------------------------------------------------------------
    def request(self) -> None:
        """Ask for the chosen map of the current input (if there are both a model and an input)."""
        self._rest_timer.stop()
        if self._image is None or self.window.model_info() is None:
            return
        method, class_index, settings = self.panel.form.request()
        self._stale = False
        self._latest_request = self.window.service.attribution.explain(self._image, method, class_index, **settings)
        if not self.panel.form.is_fast():
            self.panel.show_computing()

    # -- events -------------------------------------------------------------------------------------
    def _visible(self) -> bool:
        return self.window.current_view() is self.panel

    def _on_input_changed(self, image: np.ndarray) -> None:
        self._image = np.asarray(image)
        self._shown.clear()
        self._stale = True
        if not self._visible():
            return
        if self.panel.form.is_fast():
            self.request()
        else:
            self.panel.show_computing()
            self._rest_timer.start()

    def _on_input_rested(self) -> None:
        if QApplication.mouseButtons() & Qt.LeftButton:
            self._rest_timer.start()  # still drawing
        else:
            self.request()

    def _on_input_cleared(self) -> None:
        self._image = None
        self._shown.clear()
        self._rest_timer.stop()
        self.panel.show_no_input()

    def _on_request_changed(self) -> None:
        self._stale = True
        if self._visible():
            self.request()

    def _on_tab_changed(self, _index: int) -> None:
        if self._stale and self._visible():
            self.request()

    def _on_model_changed(self, info: p.ModelInfo) -> None:
        config = info.config
        convolutions = ([name for spec, name in zip(config.layers, config.layer_names()) if spec.kind == "conv2d"]
                        if config is not None else [])
        self.panel.set_model(convolutions, self.window.class_names())
        self._shown.clear()
        self._stale = True
        if self._visible():
            self.request()

    def _on_inspection_shown(self, _result) -> None:
        # While training, the live inspections pace the map too (fast methods only).
        if self.window.service.state == p.TRAINING and self._visible() and self.panel.form.is_fast():
            self.request()

    def _on_attribution_finished(self, result: AttributionResult) -> None:
        if result.request_id != self._latest_request:
            return  # a newer request is on its way
        self._shown.pop(result.method, None)
        self._shown[result.method] = result
        self.panel.show_result(result)
        self.sig_attribution_shown.emit(result)

    def _on_sanity_requested(self, methods: tuple, labels: bool) -> None:
        view = self.panel.sanity_view
        if self._image is None or self.window.model_info() is None:
            view.show_tables((), "Draw on the canvas or pick a sample first: the check explains that input.")
            return
        settings = {key: value for key, value in self.panel.form.method_settings().items() if value is not None}
        view.set_running(True)
        self._sanity_job = self.window.service.attribution.check_sanity(
            self._image, methods, labels, epochs=LABEL_EPOCHS, num_train=LABEL_IMAGES, **settings)

    def _on_sanity_cancelled(self) -> None:
        if self._sanity_job is not None:
            self.window.service.attribution.cancel_sanity(self._sanity_job)
            self.panel.sanity_view.status_label.setText("Cancelling after the current step…")

    def _on_sanity_progress(self, progress: SanityProgress) -> None:
        if progress.job_id == self._sanity_job:
            self.panel.sanity_view.show_progress(progress.check, progress.done, progress.total, progress.text)

    def _on_sanity_finished(self, result: SanityResult) -> None:
        if result.job_id != self._sanity_job:
            return
        self._sanity_job = None
        self.panel.sanity_view.show_tables(result.tables, result.message)

    def _on_error(self, error: p.ServiceError) -> None:
        if error.job_id == self._sanity_job:
            self._sanity_job = None
            self.panel.sanity_view.show_tables((), error.message)
