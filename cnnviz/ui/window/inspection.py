"""The current input's inspection: ask the service, show the newest answer, keep the views current.

The newest request wins: answers to older requests are dropped. A request asks only for the parts
the visible tab needs (:meth:`InspectionController.parts_needed`; the feature maps and the
probabilities come with every answer), so a stroke costs no more than what can be seen. Only the
visible viewer draws an answer at once; the others draw it when their tab is shown, and a tab
whose parts the answer lacks asks for them then (the worker completes its inspection of the same
input, computing only what is missing). Export asks for every part and waits for it. While
training, the current input is inspected again a few times a second, so every view follows the
learning weights.

After a model's first inspection is shown, and after training, the window settles its heap
(:func:`cnnviz.ui.heap.settle`), so the garbage collector's full passes stay out of later strokes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal

from cnnviz.service import payloads as p
from cnnviz.ui import heap

if TYPE_CHECKING:
    from cnnviz.ui.main_window import MainWindow

# While training, the drawn input is inspected again this often (the viewers follow the weights);
# twice a second keeps them live while leaving the cores to training (`cnnviz bench app`).
LIVE_INSPECTION_INTERVAL_MS = 500
EXPORT_WAIT_MS = 30_000
"""The longest export waits for the parts of the current input's inspection it lacks."""


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
        self._settle_heap = False
        self._live_timer = QTimer(self, interval=LIVE_INSPECTION_INTERVAL_MS)
        self._live_timer.timeout.connect(self._on_live_tick)
        window.service.sig_inspection_finished.connect(self._on_inspection_finished)
        window.canvas.sig_input_changed.connect(self._on_input_changed)
        window.canvas.sig_input_cleared.connect(self._on_input_cleared)
        window.canvas.sig_label_changed.connect(self._on_label_changed)
        window.gradients_view.sig_target_changed.connect(self._on_target_changed)
        window.tabs.currentChanged.connect(self._on_tab_changed)
        window.science_panel.tabs.currentChanged.connect(self._on_science_tab_changed)

    # -- what the window and its tests read ---------------------------------------------------------
    def last_result(self) -> p.InspectionResult | None:
        """The newest inspection shown (None until one arrives, or after the canvas is cleared)."""
        return self._last_result

    def latest_request(self) -> int:
        """The id of the newest inspection asked for."""
        return self._latest_request

    def parts_needed(self, index: int | None = None) -> frozenset[str]:
        """The optional inspection parts the tab at ``index`` (default: the visible one) shows."""
        window = self.window
        page = window.tab_pages[window.tabs.currentIndex() if index is None else index]
        if page is window.gradients_view:
            return frozenset({p.GRADIENTS})
        if page is window.spectra_view:
            return frozenset({p.SPECTRA})
        if page is window.science_panel:
            # Of the science pages only the flipped-convolution check follows each input's gradients.
            science = window.science_panel
            return (frozenset({p.FLIP_CHECKS, p.GRADIENTS}) if science.tabs.currentWidget() is science.flip_tab
                    else frozenset())
        return frozenset()

    def complete_result(self, timeout_ms: int = EXPORT_WAIT_MS) -> p.InspectionResult | None:
        """The newest inspection with every part (for export): when the one shown lacks some, they are
        asked for and waited for, the window staying live meanwhile. None without an inspection."""
        result = self._last_result
        if result is None or result.holds(p.ALL_PARTS):
            return result
        loop = QEventLoop(self)

        def quit_when_complete(shown: p.InspectionResult) -> None:
            if shown.holds(p.ALL_PARTS):
                loop.quit()

        self.sig_inspection_shown.connect(quit_when_complete)
        self.window.canvas.sig_input_cleared.connect(loop.quit)   # nothing left to wait for
        QTimer.singleShot(timeout_ms, loop.quit)
        if self.request(p.ALL_PARTS):
            loop.exec()
        self.sig_inspection_shown.disconnect(quit_when_complete)
        self.window.canvas.sig_input_cleared.disconnect(loop.quit)
        result = self._last_result
        return result if result is not None and result.holds(p.ALL_PARTS) else None

    def label(self) -> int | None:
        """The current input's true class, when it is known (a dataset sample)."""
        return self._label

    # -- commands -----------------------------------------------------------------------------------
    def request(self, extra_parts: frozenset[str] = frozenset()) -> bool:
        """Inspect the canvas's current input with the model (if both exist), asking for the parts
        the visible tab needs and ``extra_parts``; returns whether a request was sent."""
        window = self.window
        image = window.canvas.current_input()
        info = window.model_info()
        if image is None or info is None:
            return False
        shape = info.input_shape or (info.config.input_shape if info.config else None)
        if shape is not None and tuple(image.shape[1:]) != tuple(shape):
            window.statusBar().showMessage(f"The model takes {tuple(shape)} inputs; the canvas made "
                                           f"{tuple(image.shape[1:])}.", 8000)
            return False
        label = self._label if self._class_index is None and self._label_fits(info) else None
        parts = self.parts_needed() | extra_parts
        # A stroke on the spectra page needs the spectra of the layer it shows; the others are made if read.
        spectra_layers = window.spectra_view.wanted_layers() if p.SPECTRA in parts and not extra_parts else None
        self._latest_request = window.service.inspect(image, label=label, class_index=self._class_index,
                                                      parts=parts, spectra_layers=spectra_layers)
        return True

    def _label_fits(self, info: p.ModelInfo) -> bool:
        """Whether the input's true class is one of the model's classes: a sample of another dataset
        (a digit under a three-class model) leaves the gradients to the predicted class."""
        if self._label is None:
            return False
        graph = info.graph
        classes = graph.layers[-1].output_shape[-1] if graph is not None and graph.layers else None
        if classes is None and info.config is not None and info.config.layers:
            classes = getattr(info.config.layers[-1], "units", None)
        return classes is None or 0 <= self._label < int(classes)

    def settle_heap_soon(self) -> None:
        """Settle the heap (:func:`cnnviz.ui.heap.settle`) once the next inspection is shown while
        nothing runs: a new model's objects are made by then."""
        self._settle_heap = True

    def follow_training(self, training: bool) -> None:
        """Re-inspect the input a few times a second while ``training``."""
        if training:
            self._live_timer.start()
        else:
            if self._live_timer.isActive():
                self.settle_heap_soon()   # what training made stays; settle it before the next stroke
            self._live_timer.stop()

    # -- events -------------------------------------------------------------------------------------
    def _on_inspection_finished(self, result: p.InspectionResult) -> None:
        if result.request_id != self._latest_request:
            return
        window = self.window
        self._last_result = result
        # Only the visible viewer draws now; the others catch up when their tab is shown. One whose
        # parts the answer lacks (its tab came to the front while the request was on its way) asks
        # for them and draws when they come.
        current = window.tabs.currentIndex()
        self._stale_views = set(window.inspection_views)
        if current in window.inspection_views:
            if result.holds(self.parts_needed(current)):
                window.inspection_views[current].show_inspection(result)
                self._stale_views.discard(current)
            else:
                self.request()
        window.history_panel.set_input_available(True)
        window.canvas.show_probabilities(result.probabilities, window.class_names())
        window.latency_label.setText(f"inspection {result.elapsed_ms:.0f} ms")
        if self._settle_heap and window.service.state == p.IDLE:
            self._settle_heap = False
            QTimer.singleShot(0, heap.settle)   # after the views have painted this answer
        self.sig_inspection_shown.emit(result)

    def _on_tab_changed(self, index: int) -> None:
        window = self.window
        if index in self._stale_views and self._last_result is not None:
            if self._last_result.holds(self.parts_needed(index)):
                window.inspection_views[index].show_inspection(self._last_result)
                self._stale_views.discard(index)
            else:
                self.request()  # the missing parts for this input; the view draws them on arrival
        if window.tab_pages[index] is window.history_panel:
            window.history_panel.refresh()

    def _on_science_tab_changed(self, _index: int) -> None:
        """A science page came to the front: the flipped-convolution check asks for the parts the
        inspection shown lacks (its view draws them on arrival; one that holds them was given them)."""
        window = self.window
        if (window.tab_pages[window.tabs.currentIndex()] is window.science_panel and self._last_result is not None
                and not self._last_result.holds(self.parts_needed())):
            self.request()

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
        self.request(frozenset({p.GRADIENTS}))  # the target is the gradients'; whichever tab shows

    def _on_live_tick(self) -> None:
        if self.window.service.state == p.TRAINING:
            self.request()
