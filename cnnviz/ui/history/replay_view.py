"""The History tab's "Replay epochs" page: a run's kernels, their spectra and the current input's
feature maps after each saved epoch.

The kernels are read directly from the run's kernel snapshots, so they follow the epoch slider at
once; their spectra come from :data:`cnnviz.service.inspection.KERNEL_SPECTRA`, the cache the
model service's worker fills with every inspection and replay (the maths is
:func:`cnnviz.core.layer_spectra.kernel_spectra`), so a spectrum is computed once per kernel
content, and never by this view. The feature maps need the model service: moving the slider
asks for them through :attr:`ReplayView.sig_replay_requested` (debounced), and the window hands
the answer to :meth:`ReplayView.show_replay`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnnviz.core.layer_spectra import DEFAULT_KERNEL_PADDING
from cnnviz.core.runs import RunInfo
from cnnviz.service.inspection import KERNEL_SPECTRA
from cnnviz.service.payloads import ReplayResult
from cnnviz.ui.layout import hint_label
from cnnviz.ui.viewers.colour_maps import DIVERGING_COLORMAP
from cnnviz.ui.viewers.filter_grid import FilterGrid
from cnnviz.ui.wording import counted

REPLAY_DELAY_MS = 150
"""How long the epoch slider must rest before the feature maps of that epoch are asked for."""

SPECTRUM_SIZE = DEFAULT_KERNEL_PADDING
"""Kernels are zero-padded to this size (or their own, when larger) before their spectra are taken."""

NO_RUN_HINT = "Select a run in the list to replay its epochs."
NO_INPUT_HINT = ("Draw a digit or pick a sample in the Input panel: its feature maps, computed with the "
                 "weights saved after the chosen epoch, appear here.")
NO_KERNELS_HINT = "This run saved no convolution kernels (its model has no convolution layer)."


class GridPage(QStackedWidget):
    """A filter grid (:attr:`grid`), or a hint (:attr:`hint`) in its place.

    Parameters
    ----------
    value_label : str
        What the grid's colour bar measures.
    tooltip : str
        The grid's tooltip.
    """

    def __init__(self, value_label: str, tooltip: str):
        super().__init__()
        self.grid = FilterGrid(value_label=value_label)
        self.grid.setToolTip(tooltip)
        self.hint = hint_label(NO_RUN_HINT)
        self.addWidget(self.hint)
        self.addWidget(self.grid)

    def show_hint(self, text: str) -> None:
        """Show ``text`` instead of the grid."""
        self.hint.setText(text)
        self.setCurrentWidget(self.hint)

    def show_grid(self) -> None:
        """Show the grid."""
        self.setCurrentWidget(self.grid)

    def shows_grid(self) -> bool:
        """Whether the grid is shown (rather than a hint)."""
        return self.currentWidget() is self.grid


class ReplayView(QWidget):
    """An epoch slider, a layer and input-channel choice, and the kernels, spectra and feature maps.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_replay_requested = Signal(str, int)
    """Inspect the current input with the checkpoint of this run folder after this epoch (0-based)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._run: RunInfo | None = None
        self._epoch: int | None = None
        self._kernels: dict[str, np.ndarray] = {}
        self._replay: ReplayResult | None = None
        self._input_available = False
        self._replay_timer = QTimer(self)
        self._replay_timer.setSingleShot(True)
        self._replay_timer.setInterval(REPLAY_DELAY_MS)
        self._replay_timer.timeout.connect(self._on_replay_due)
        self._build_widgets()

    def _build_widgets(self) -> None:
        self.epoch_slider = QSlider(Qt.Orientation.Horizontal)
        self.epoch_slider.setRange(1, 1)
        self.epoch_slider.setPageStep(1)
        self.epoch_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.epoch_slider.setToolTip("The epoch whose saved weights are shown; drag to watch the kernels "
                                     "and feature maps change over training.")
        self.epoch_label = QLabel("epoch —")
        self.epoch_label.setMinimumWidth(110)
        self.epoch_label.setToolTip("The epoch shown, of the run's saved epochs.")
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The convolution layer whose kernels, spectra and feature maps are shown.")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.channel_spin = QSpinBox()
        self.channel_spin.setPrefix("input channel ")
        self.channel_spin.setToolTip("Which input channel's kernels to show (layers after the first have "
                                     "one per filter of the layer before).")
        controls = QHBoxLayout()
        epoch_caption = QLabel("Epoch")
        epoch_caption.setToolTip(self.epoch_slider.toolTip())
        controls.addWidget(epoch_caption)
        controls.addWidget(self.epoch_slider, 1)
        controls.addWidget(self.epoch_label)
        layer_caption = QLabel("Layer")
        layer_caption.setToolTip(self.layer_combo.toolTip())
        controls.addWidget(layer_caption)
        controls.addWidget(self.layer_combo)
        controls.addWidget(self.channel_spin)
        self.channel_spin.setVisible(False)

        self.kernel_page = GridPage("weight", "The layer's kernels after the chosen epoch, on a diverging "
                                              "scale centred at zero (white = 0).")
        self.spectrum_page = GridPage("log(1 + |DFT|)", f"Each kernel's Fourier magnitude (log), zero-padded "
                                      f"to {SPECTRUM_SIZE}×{SPECTRUM_SIZE}, zero frequency in the centre.")
        self.feature_page = GridPage("activation", "The current input's feature maps for the layer, "
                                                   "computed with the weights saved after the chosen epoch.")
        self.view_tabs = QTabWidget()
        self.view_tabs.addTab(self.kernel_page, "Kernels")
        self.view_tabs.addTab(self.spectrum_page, "Kernel spectra")
        self.view_tabs.addTab(self.feature_page, "Feature maps")
        self.view_tabs.setTabToolTip(0, "The learned kernels after the chosen epoch.")
        self.view_tabs.setTabToolTip(1, "The kernels' Fourier magnitude spectra after the chosen epoch.")
        self.view_tabs.setTabToolTip(2, "The current input's feature maps with the chosen epoch's weights.")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.view_tabs, 1)

        self.epoch_slider.valueChanged.connect(self._on_slider_moved)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self.channel_spin.valueChanged.connect(self._on_channel_changed)
        self._set_enabled(False)

    # -- public interface --------------------------------------------------------------------------
    def set_run(self, run: RunInfo) -> None:
        """Replay ``run``: its last epoch when it is another run than before, else the epoch shown (as
        far as the run has come), its feature maps asked for once the slider rests."""
        changed = self._run is None or self._run.path != run.path
        self._run = run
        if changed:
            self._replay = None
        num_epochs = run.num_epochs
        self._set_enabled(num_epochs > 0)
        if num_epochs == 0:
            self._epoch = None
            self.epoch_label.setText("no epoch saved")
            for page in (self.kernel_page, self.spectrum_page, self.feature_page):
                page.show_hint("This run has no saved epoch yet (it stopped or failed before the first "
                               "epoch ended).")
            return
        self.epoch_slider.blockSignals(True)
        # Position 0 is the weights before training, when the run saved them.
        self.epoch_slider.setRange(0 if run.has_initial else 1, num_epochs)
        self.epoch_slider.blockSignals(False)
        epoch = num_epochs - 1 if changed or self._epoch is None else min(self._epoch, num_epochs - 1)
        self._show_epoch(epoch)
        self._replay_timer.start()

    def clear(self, hint: str) -> None:
        """Replay no run; every page shows ``hint``."""
        self._run, self._epoch, self._replay, self._kernels = None, None, None, {}
        self._replay_timer.stop()
        self._set_enabled(False)
        self.epoch_label.setText("epoch —")
        for page in (self.kernel_page, self.spectrum_page, self.feature_page):
            page.show_hint(hint)

    def set_epoch(self, epoch: int) -> None:
        """Show epoch ``epoch`` (0-based; -1: the weights before training) of the run and ask for its
        feature maps at once.

        Raises
        ------
        ValueError
            Without a run, or for an epoch the run did not save.
        """
        if self._run is None:
            raise ValueError("Select a run first.")
        first = -1 if self._run.has_initial else 0
        if not first <= epoch < self._run.num_epochs:
            raise ValueError(f"The run {self._run.name} saved {counted(self._run.num_epochs, 'epoch')} (0 to "
                             f"{self._run.num_epochs - 1}); received epoch {epoch}.")
        self._show_epoch(epoch)
        self._replay_timer.stop()
        self._request_replay()

    def epoch(self) -> int | None:
        """The epoch shown (0-based), or ``None``."""
        return self._epoch

    def set_input_available(self, available: bool) -> None:
        """Whether the window has an input to replay (without one, the feature maps page says how to
        get one)."""
        self._input_available = bool(available)
        self._show_feature_maps()

    def show_replay(self, result: ReplayResult) -> None:
        """Show the feature maps of a replay, if it is for the run shown (an older epoch's answer is
        shown until the newest arrives)."""
        if self._run is None or Path(result.run_path) != self._run.path:
            return
        self._replay = result
        self._input_available = True
        self._show_feature_maps()

    def replay_shown(self) -> ReplayResult | None:
        """The replay whose feature maps are shown, if any."""
        return self._replay if self.feature_page.shows_grid() else None

    def layer(self) -> str | None:
        """The convolution layer shown."""
        return self.layer_combo.currentText() or None

    def set_layer(self, name: str) -> None:
        """Show the convolution layer ``name``."""
        index = self.layer_combo.findText(name)
        if index < 0:
            raise ValueError(f"No convolution layer {name!r}; the run has "
                             f"{', '.join(self._kernels) or 'none'}.")
        self.layer_combo.setCurrentIndex(index)

    # -- drawing -----------------------------------------------------------------------------------
    def _set_enabled(self, enabled: bool) -> None:
        self.epoch_slider.setEnabled(enabled)
        self.layer_combo.setEnabled(enabled and self.layer_combo.count() > 1)
        if not enabled:
            self.channel_spin.setVisible(False)

    def _show_epoch(self, epoch: int) -> None:
        """Move to ``epoch``: slider, label, and the kernels and spectra read from the run folder."""
        self._epoch = epoch
        self.epoch_slider.blockSignals(True)
        self.epoch_slider.setValue(epoch + 1)
        self.epoch_slider.blockSignals(False)
        self.epoch_label.setText("before training" if epoch < 0 else f"epoch {epoch + 1} of {self._run.num_epochs}")
        try:
            self._kernels = self._run.kernels_at(epoch)
        except (OSError, ValueError) as error:
            self._kernels = {}
            which = "from before training" if epoch < 0 else f"of epoch {epoch + 1}"
            message = f"The kernels {which} could not be read: {error}."
            self.kernel_page.show_hint(message)
            self.spectrum_page.show_hint(message)
        else:
            self._fill_layer_combo()
            self._show_kernels()
        self._show_feature_maps()

    def _fill_layer_combo(self) -> None:
        """The run's convolution layers, in network order (kept when they are the same)."""
        config = self._run.config() if self._run is not None else None
        order = config.layer_names() if config is not None else []
        names = sorted(self._kernels, key=lambda name: order.index(name) if name in order else len(order))
        current = [self.layer_combo.itemText(index) for index in range(self.layer_combo.count())]
        if names != current:
            previous = self.layer_combo.currentText()
            self.layer_combo.blockSignals(True)
            self.layer_combo.clear()
            self.layer_combo.addItems(names)
            if previous in names:
                self.layer_combo.setCurrentIndex(names.index(previous))
            self.layer_combo.blockSignals(False)
        self.layer_combo.setEnabled(len(names) > 1)

    def _show_kernels(self) -> None:
        layer = self.layer()
        if layer is None or layer not in self._kernels:
            self.kernel_page.show_hint(NO_KERNELS_HINT)
            self.spectrum_page.show_hint(NO_KERNELS_HINT)
            self.channel_spin.setVisible(False)
            return
        kernel = np.asarray(self._kernels[layer], dtype=np.float32)      # (kh, kw, in, out)
        num_channels = kernel.shape[2]
        self.channel_spin.blockSignals(True)
        self.channel_spin.setRange(0, num_channels - 1)
        self.channel_spin.blockSignals(False)
        self.channel_spin.setVisible(num_channels > 1)
        channel = self.channel_spin.value()
        weights = kernel[:, :, channel, :]                                 # (kh, kw, out)
        titles = [f"filter {index}" for index in range(weights.shape[2])]
        epoch_text = f"epoch {self._epoch + 1}"
        channel_text = f", input channel {channel}" if num_channels > 1 else ""
        self.kernel_page.grid.set_images(np.moveaxis(weights, -1, 0), titles, colormap=DIVERGING_COLORMAP,
                                         symmetric=True, shared_scale=True)
        self.kernel_page.grid.set_title(f"Kernels — {layer}, {epoch_text} ({weights.shape[2]} × "
                                        f"{weights.shape[0]}×{weights.shape[1]}{channel_text})")
        self.kernel_page.show_grid()
        spectra = KERNEL_SPECTRA.spectra(kernel, channel, SPECTRUM_SIZE)   # (out, size, size)
        size = spectra.size[0]
        self.spectrum_page.grid.set_images(spectra.spectra, titles, colormap="inferno", symmetric=False,
                                           shared_scale=False, extent=spectra.extent,
                                           axis_labels=("fx (cycles/pixel)", "fy (cycles/pixel)"))
        self.spectrum_page.grid.set_title(f"Kernel spectra — {layer}, {epoch_text} (padded to "
                                          f"{size}×{size}{channel_text})")
        self.spectrum_page.show_grid()

    def _show_feature_maps(self) -> None:
        page = self.feature_page
        if self._run is None or self._epoch is None:
            page.show_hint(NO_RUN_HINT)
            return
        replay = self._replay
        if replay is None:
            page.show_hint(f"Computing the feature maps after epoch {self._epoch + 1}…" if self._input_available
                           else NO_INPUT_HINT)
            return
        layer = self.layer()
        maps = replay.inspection.feature_maps.get(layer) if layer is not None else None
        if maps is None or np.ndim(maps) != 4:
            page.show_hint(f"The replay has no feature maps for layer {layer}.")
            return
        maps = np.asarray(maps, dtype=np.float32)[0]                       # (h, w, filters)
        page.grid.set_images(np.moveaxis(maps, -1, 0), [f"filter {index}" for index in range(maps.shape[2])],
                             colormap="viridis", symmetric=False, shared_scale=True)
        page.grid.set_reference(np.asarray(replay.inspection.image, dtype=np.float32)[0], "Input")
        waiting = "" if replay.epoch == self._epoch else f" (updating to epoch {self._epoch + 1}…)"
        page.grid.set_title(f"Feature maps — {layer}, epoch {replay.epoch + 1}{waiting}")
        page.show_grid()

    def _request_replay(self) -> None:
        if self._run is not None and self._epoch is not None:
            self.sig_replay_requested.emit(str(self._run.path), int(self._epoch))

    # -- slots -------------------------------------------------------------------------------------
    def _on_slider_moved(self, value: int) -> None:
        if self._run is None:
            return
        self._show_epoch(value - 1)
        self._replay_timer.start()

    def _on_replay_due(self) -> None:
        self._request_replay()

    def _on_layer_changed(self) -> None:
        self.channel_spin.blockSignals(True)
        self.channel_spin.setValue(0)
        self.channel_spin.blockSignals(False)
        self._show_kernels()
        self._show_feature_maps()

    def _on_channel_changed(self) -> None:
        self._show_kernels()
