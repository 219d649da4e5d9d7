"""The current input's inspection: ask the service, show the newest answer, keep the views current.

The newest request wins: answers to older requests are dropped. Only the visible viewer draws an
answer at once; the others draw it when their tab is shown. While training, the current input is
inspected again a few times a second, so every view follows the learning weights.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from cnnviz.service import payloads as p

if TYPE_CHECKING:
    from cnnviz.ui.main_window import MainWindow

LIVE_INSPECTION_INTERVAL_MS = 250


class InspectionController(QObject):
    """Requests and shows inspections for ``window``; see the module docstring."""

    sig_inspection_shown = Signal(object)
    """An inspection result reached the views (for tests and benchmarks)."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self._latest_request = 0
        self._label: int | None = None
        self._class_index: int | None = None
        self._last_result: p.InspectionResult | None = None
        self._stale_views: set[int] = set()
        self._live_timer = QTimer(self, interval=LIVE_INSPECTION_INTERVAL_MS)
        self._live_timer.timeout.connect(self._on_live_tick)
        window.service.sig_inspection_finished.connect(self._on_inspection_finished)
        window.canvas.sig_input_changed.connect(self._on_input_changed)
        window.canvas.sig_input_cleared.connect(self._on_input_cleared)
        window.canvas.sig_label_changed.connect(self._on_label_changed)
        window.gradients_view.sig_target_changed.connect(self._on_target_changed)
        window.tabs.currentChanged.connect(self._on_tab_changed)

    # -- what the window and its tests read ---------------------------------------------------------
    def last_result(self) -> p.InspectionResult | None:
        """The newest inspection shown (None until one arrives, or after the canvas is cleared)."""
        return self._last_result

    def latest_request(self) -> int:
        """The id of the newest inspection asked for."""
        return self._latest_request

    def label(self) -> int | None:
        """The current input's true class, when it is known (a dataset sample)."""
        return self._label

    # -- commands -----------------------------------------------------------------------------------
    def request(self) -> None:
        """Inspect the canvas's current input with the model (if both exist)."""
        window = self.window
        image = window.canvas.current_input()
        info = window.model_info()
        if image is None or info is None:
            return
        shape = info.config.input_shape if info.config else None
        if shape is not None and tuple(image.shape[1:]) != tuple(shape):
            window.statusBar().showMessage(f"The model takes {tuple(shape)} inputs; the canvas made "
                                           f"{tuple(image.shape[1:])}.", 8000)
            return
        label = self._label if self._class_index is None else None
        self._latest_request = window.service.inspect(image, label=label, class_index=self._class_index)

    def follow_training(self, training: bool) -> None:
        """Re-inspect the input a few times a second while ``training``."""
        if training:
            self._live_timer.start()
        else:
            self._live_timer.stop()

    # -- events -------------------------------------------------------------------------------------
    def _on_inspection_finished(self, result: p.InspectionResult) -> None:
        if result.request_id != self._latest_request:
            return
        window = self.window
        self._last_result = result
        # Only the visible viewer draws now; the others catch up when their tab is shown.
        current = window.tabs.currentIndex()
        if current in window.inspection_views:
            window.inspection_views[current].show_inspection(result)
        self._stale_views = {index for index in window.inspection_views if index != current}
        window.history_panel.set_input_available(True)
        window.canvas.show_probabilities(result.probabilities, window.class_names())
        window.latency_label.setText(f"inspection {result.elapsed_ms:.0f} ms")
        self.sig_inspection_shown.emit(result)

    def _on_tab_changed(self, index: int) -> None:
        window = self.window
        if index in self._stale_views and self._last_result is not None:
            window.inspection_views[index].show_inspection(self._last_result)
            self._stale_views.discard(index)
        if window.tab_pages[index] is window.history_panel:
            window.history_panel.refresh()

    def _on_input_changed(self, _image: np.ndarray) -> None:
        self.request()

    def _on_input_cleared(self) -> None:
        window = self.window
        self._last_result = None
        window.history_panel.set_input_available(False)
        for view in window.viewers:
            view.show_inspection(None)
        window.canvas.clear_probabilities()
        self._stale_views.clear()

    def _on_label_changed(self, label: int | None) -> None:
        self._label = label

    def _on_target_changed(self, class_index: int | None) -> None:
        self._class_index = class_index
        self.request()

    def _on_live_tick(self) -> None:
        if self.window.service.state == p.TRAINING:
            self.request()
