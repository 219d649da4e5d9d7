"""The History tab's "Histograms" page: a run's weights, biases, gradients and activations over its epochs.

A view over the run's ``histograms/`` files (:mod:`cnnviz.core.histograms`), read and prepared by
:mod:`cnnviz.core.histogram_series` on a background thread (a long run has hundreds of files), never
on the interface thread. For the chosen layer and quantity it draws every epoch, either as a ridge
plot (one filled curve per epoch, offset upwards from the newest, which is drawn in front) or as a
heat map (epoch × value, the colour the logarithm of the count). Beside it, "At a glance" lists what
:func:`~cnnviz.core.histogram_series.glance_flags` finds over all layers (dying ReLUs, exploding or
vanishing weights and gradients, non-finite values); clicking an entry shows its histograms. A run
without histogram files (an older one, or one imported from TensorBoard) says so.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cnnviz.core.histogram_series import Flag, RunHistograms, common_grid, glance_flags, read_run_histograms
from cnnviz.core.runs import RunInfo
from cnnviz.ui.layout import hint_label
from cnnviz.ui.plots.colours import with_alpha

RIDGE, HEAT_MAP = "Ridge plot", "Heat map"
NO_RUN = "Select a run in the list to see its histograms over training."
NO_HISTOGRAMS = ("The run {name} has no histograms: it was recorded by an older cnnviz or imported from "
                 "TensorBoard. Runs trained now keep the histograms of every layer's weights, biases, gradients "
                 "and activations after every epoch.")
HEALTHY = ("Nothing stands out: no dying ReLUs, no weights or gradients exploding or vanishing, no NaN or "
           "infinite values.")
CACHED_RUNS = 8
"""How many runs' histograms stay read, so going back to a run shows them at once."""
RIDGE_HEIGHT = 1.6
"""How high an epoch's curve rises, in units of the spacing between epochs (curves overlap a little)."""


class _Loader(QObject):
    """Reads runs' histograms on threads of their own and hands them back through :attr:`sig_loaded`.

    One loader serves every view and lives as long as the application (see :func:`_loader`): a
    reading thread never holds the last reference to a Qt object, so none is destroyed off the
    interface thread, and a view closed while its files are read simply misses the answer.
    """

    sig_loaded = Signal(int, object, object)
    """(request token, run path, (RunHistograms, list of Flag))."""

    def __init__(self) -> None:
        super().__init__()
        self._tokens = itertools.count(1)

    def load(self, path: Path) -> int:
        """Start reading ``path``'s histograms; returns the token its answer will carry."""
        token = next(self._tokens)
        threading.Thread(target=_read, args=(self.sig_loaded.emit, token, path), name="cnnviz-histograms",
                         daemon=True).start()
        return token


def _read(emit, token: int, path: Path) -> None:
    run = read_run_histograms(path)
    emit(token, path, (run, glance_flags(run)))


_LOADER: list[_Loader] = []


def _loader() -> _Loader:
    """The one loader, made on the interface thread the first time a view asks."""
    if not _LOADER:
        _LOADER.append(_Loader())
    return _LOADER[0]


class HistogramView(QWidget):
    """See the module docstring."""

    sig_histograms_shown = Signal()
    """A run's histograms were read and drawn (or found missing)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._run: RunInfo | None = None
        self._histograms: RunHistograms | None = None
        self._flags: list[Flag] = []
        self._token = 0
        self._stale = False
        self._cache: dict[tuple, tuple[RunHistograms, list[Flag]]] = {}
        self._ridge: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._heat: tuple[tuple[int, ...], np.ndarray, np.ndarray] | None = None
        _loader().sig_loaded.connect(self._on_loaded)
        self._build_widgets()
        self.clear(NO_RUN)

    def _build_widgets(self) -> None:
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The layer whose histograms are shown.")
        self.quantity_combo = QComboBox()
        self.quantity_combo.setToolTip("Weights, biases, the loss's gradients with respect to the weights (over a "
                                       "few fixed inputs), or the layer's activations for those inputs.")
        self.style_combo = QComboBox()
        self.style_combo.addItems([RIDGE, HEAT_MAP])
        self.style_combo.setToolTip("Ridge plot: one curve per epoch, the newest in front. Heat map: epoch "
                                    "against value, coloured by the logarithm of the count.")
        top = QHBoxLayout()
        for combo in (self.layer_combo, self.quantity_combo, self.style_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for label, widget in (("Layer:", self.layer_combo), ("Quantity:", self.quantity_combo),
                              ("Show:", self.style_combo)):
            top.addWidget(QLabel(label))
            top.addWidget(widget)
        top.addStretch(1)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)

        self.ridge_plot = pg.PlotWidget(background="w")
        self.ridge_plot.plotItem.setMenuEnabled(False)
        self.ridge_plot.setLabel("bottom", "value")
        self.ridge_plot.setLabel("left", "epochs completed")
        self.heat_plot = pg.PlotWidget(background="w")
        self.heat_plot.plotItem.setMenuEnabled(False)
        self.heat_plot.setLabel("bottom", "value")
        self.heat_plot.setLabel("left", "epochs completed")
        self.heat_image = pg.ImageItem(axisOrder="row-major")
        self.heat_image.setColorMap(pg.colormap.get("viridis"))
        self.heat_plot.addItem(self.heat_image)
        self.hint = hint_label(NO_RUN)
        self.pages = QStackedWidget()
        for page in (self.hint, self.ridge_plot, self.heat_plot):
            self.pages.addWidget(page)

        self.flag_list = QListWidget()
        self.flag_list.setWordWrap(True)
        self.flag_list.setToolTip("Patterns worth a look over all layers; click one to show its histograms.")
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("At a glance:"))
        side_layout.addWidget(self.flag_list, 1)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.setChildrenCollapsible(False)
        body.addWidget(self.pages)
        body.addWidget(side)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.status_label)
        layout.addWidget(body, 1)

        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self.quantity_combo.currentIndexChanged.connect(self._on_quantity_changed)
        self.style_combo.currentIndexChanged.connect(self._on_style_changed)
        self.flag_list.itemClicked.connect(self._on_flag_clicked)

    # -- public interface --------------------------------------------------------------------------
    def set_run(self, run: RunInfo | None) -> None:
        """Show ``run``'s histograms once they are read (``None``: none); a hidden view reads them
        when it is shown."""
        self._run = run
        self._token = 0
        if run is None:
            self._stale = False
            self.clear(NO_RUN)
            return
        self._stale = not self.isVisible()
        if not self._stale:
            self._load()

    def _load(self) -> None:
        run = self._run
        if run is None:
            return
        key = _cache_key(run.path)
        if key in self._cache:
            self._show(*self._cache[key])
            return
        self.status_label.setText(f"Reading the histograms of {run.name}…")
        self._token = _loader().load(run.path)

    def showEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        """Read the histograms of a run selected while the page was hidden."""
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._load()

    def clear(self, text: str) -> None:
        """Show ``text`` instead of histograms."""
        self._histograms, self._flags, self._ridge, self._heat = None, [], [], None
        for combo in (self.layer_combo, self.quantity_combo):
            combo.blockSignals(True)
            combo.clear()
            combo.blockSignals(False)
        self.flag_list.clear()
        self.status_label.setText("")
        self.hint.setText(text)
        self.pages.setCurrentWidget(self.hint)

    def histograms(self) -> RunHistograms | None:
        """What was read for the run shown."""
        return self._histograms

    def flags(self) -> list[Flag]:
        """What "At a glance" lists."""
        return list(self._flags)

    def ridge_data(self) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """The ridge plot's curves: ``(epoch, edges, counts)`` per epoch, oldest first, as read."""
        return list(self._ridge)

    def heat_data(self) -> tuple[tuple[int, ...], np.ndarray, np.ndarray] | None:
        """The heat map's ``(epochs, edges (bins + 1,), counts (epochs, bins))`` before the logarithm."""
        return self._heat

    def hint_text(self) -> str:
        """The text shown in place of histograms (empty when they are shown)."""
        return self.hint.text() if self.pages.currentWidget() is self.hint else ""

    # -- drawing -----------------------------------------------------------------------------------
    def _on_loaded(self, token: int, path: Path, result: tuple[RunHistograms, list[Flag]]) -> None:
        if token != self._token:
            return
        self._cache[_cache_key(path)] = result
        while len(self._cache) > CACHED_RUNS:
            self._cache.pop(next(iter(self._cache)))
        self._show(*result)

    def _show(self, histograms: RunHistograms, flags: list[Flag]) -> None:
        run = self._run
        if histograms.empty:
            name = run.name if run is not None else "selected"
            problems = f" ({'; '.join(histograms.problems)})" if histograms.problems else ""
            self.clear(NO_HISTOGRAMS.format(name=name) + problems)
            self.sig_histograms_shown.emit()
            return
        self._histograms, self._flags = histograms, flags
        layer = self.layer_combo.currentText()
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.addItems(histograms.layers())
        self.layer_combo.setCurrentIndex(max(self.layer_combo.findText(layer), 0))
        self.layer_combo.blockSignals(False)
        self.flag_list.clear()
        for flag in flags:
            item = QListWidgetItem(f"⚠ {flag.message}")
            item.setData(Qt.ItemDataRole.UserRole, flag.key)
            self.flag_list.addItem(item)
        if not flags:
            healthy = QListWidgetItem(HEALTHY)
            healthy.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.flag_list.addItem(healthy)
        self._fill_quantities()
        self.sig_histograms_shown.emit()

    def _fill_quantities(self) -> None:
        if self._histograms is None:
            return
        quantity = self.quantity_combo.currentText()
        self.quantity_combo.blockSignals(True)
        self.quantity_combo.clear()
        for label, key in self._histograms.quantities(self.layer_combo.currentText()).items():
            self.quantity_combo.addItem(label, key)
        self.quantity_combo.setCurrentIndex(max(self.quantity_combo.findText(quantity), 0))
        self.quantity_combo.blockSignals(False)
        self._draw()

    def _draw(self) -> None:
        histograms, key = self._histograms, self.quantity_combo.currentData()
        if histograms is None or key is None:
            return
        recorded = histograms.of(key)
        self._ridge = [(epoch, item.edges, item.counts) for epoch, item in recorded]
        edges, rows = common_grid([item for _, item in recorded])
        self._heat = (tuple(epoch for epoch, _ in recorded), edges, rows)
        self._draw_ridge()
        self._draw_heat()
        epochs = [epoch for epoch, _ in recorded]
        span = (f"before training to epoch {epochs[-1] + 1}" if epochs and epochs[0] < 0
                else f"epochs {epochs[0] + 1} to {epochs[-1] + 1}" if epochs else "no epoch")
        nonfinite = sum(item.nonfinite for _, item in recorded)
        self.status_label.setText(f"{self.layer_combo.currentText()} {self.quantity_combo.currentText()}: "
                                  f"{len(recorded)} histograms ({span})"
                                  + (f"; {nonfinite} NaN or infinite values left out" if nonfinite else "") + ".")
        self.pages.setCurrentWidget(self.ridge_plot if self.style_combo.currentText() == RIDGE else self.heat_plot)

    def _draw_ridge(self) -> None:
        plot = self.ridge_plot.plotItem
        plot.clear()
        count = len(self._ridge)
        ticks = []
        for order, (epoch, edges, counts) in enumerate(self._ridge):
            offset = float(count - 1 - order)  # the newest at the bottom, in front of the older ones
            peak = float(counts.max()) if counts.size and counts.max() > 0 else 1.0
            heights = offset + RIDGE_HEIGHT * counts / peak
            shade = int(60 + 160 * order / max(count - 1, 1))
            item = pg.PlotDataItem(edges, heights, stepMode="center", fillLevel=offset,
                                   brush=with_alpha("#1f77b4", shade), pen=pg.mkPen("#0b3c5d", width=1))
            item.setZValue(order)
            plot.addItem(item)
            ticks.append((offset, str(epoch + 1)))
        step = max(1, len(ticks) // 12)
        plot.getAxis("left").setTicks([ticks[::-1][::step]])
        plot.autoRange()

    def _draw_heat(self) -> None:
        if self._heat is None or not len(self._heat[0]):
            self.heat_image.clear()
            return
        epochs, edges, rows = self._heat
        self.heat_image.setImage(np.log10(1.0 + rows), autoLevels=True)
        # One row per file, labelled with its epoch (a run that thinned its snapshots skips some).
        self.heat_image.setRect(QRectF(float(edges[0]), -0.5, float(edges[-1] - edges[0]), float(len(epochs))))
        ticks = [(float(row), str(epoch + 1)) for row, epoch in enumerate(epochs)]
        self.heat_plot.plotItem.getAxis("left").setTicks([ticks[::max(1, len(ticks) // 12)]])
        self.heat_plot.plotItem.autoRange()

    # -- slots -------------------------------------------------------------------------------------
    def _on_layer_changed(self, _index: int) -> None:
        self._fill_quantities()

    def _on_quantity_changed(self, _index: int) -> None:
        self._draw()

    def _on_style_changed(self, _index: int) -> None:
        self._draw()

    def _on_flag_clicked(self, item: QListWidgetItem) -> None:
        key = item.data(Qt.ItemDataRole.UserRole)
        if not key or self._histograms is None:
            return
        self.layer_combo.setCurrentIndex(self.layer_combo.findText(key.split("/", 1)[0]))
        index = self.quantity_combo.findData(key)
        if index >= 0:
            self.quantity_combo.setCurrentIndex(index)


def _cache_key(path: Path) -> tuple:
    """What identifies a run's histogram files as read: a file more, or a newer file, reads again."""
    folder = Path(path) / "histograms"
    try:
        stats = [entry.stat().st_mtime_ns for entry in folder.glob("epoch-*.npz")]
    except OSError:
        stats = []
    return (str(path), len(stats), max(stats, default=0))
