"""What the Science panel's tabs share: the model's layers by kind, and a labelled image plot.

:class:`ModelLayout` reads a :class:`~cnnviz.service.payloads.ModelInfo` once: which layers are
convolutions, which dense layers are hidden (followed by another weighted layer), each layer's
output shape and settings. :class:`ImagePlot` is a plot item with axis labels, one image item
and a colour bar in a pyqtgraph layout, updated in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtWidgets import QLabel

import cnnviz.ui  # noqa: F401  (configures pyqtgraph before any plot item exists)
from cnnviz.core.datasets import MNIST_CLASSES
from cnnviz.service.payloads import ModelInfo
from cnnviz.ui.viewers.colour_bars import set_colorbar_levels, set_sparse_ticks
from cnnviz.ui.viewers.colour_maps import get_colormap, image_levels

DEFAULT_DATASET = "mnist-sample"
"""The dataset of a model whose configuration is unknown (a model made elsewhere)."""

SYMMETRY_COLOUR = "#2e7d32"   # green: unchanged, a symmetry
BROKEN_COLOUR = "#c62828"     # red: changed, not a symmetry
NOTE_STYLE = "color: #555;"
MIN_IMAGE_SIZE = 110
"""The smallest side, in pixels, of an :class:`ImagePlot`'s image."""


@dataclass(frozen=True)
class ModelLayout:
    """The layers of the current model, by kind (empty before a model is set).

    Attributes
    ----------
    layer_names : tuple of str
    specs : dict[str, LayerSpec]
        Each layer's settings; empty for a model without a cnnviz configuration.
    output_shapes : dict[str, tuple of int]
        Each layer's output shape without the batch axis (from the summary).
    dataset : str
        The model's dataset (:data:`DEFAULT_DATASET` without a configuration).
    seed : int
        The model's training seed (the ``shapes`` dataset generates its test split from it).
    input_shape : tuple of int, or None
    """

    layer_names: tuple[str, ...] = ()
    specs: dict = field(default_factory=dict)
    output_shapes: dict = field(default_factory=dict)
    dataset: str = DEFAULT_DATASET
    seed: int = 0
    input_shape: tuple[int, ...] | None = None

    @classmethod
    def from_info(cls, info: ModelInfo | None) -> ModelLayout:
        """The layout of ``info``'s model (an empty layout for None)."""
        if info is None:
            return cls()
        config = info.config
        if config is None:
            return cls(layer_names=tuple(info.layer_names))
        names = tuple(config.layer_names())
        shapes = {}
        if info.summary is not None:
            shapes = {row.name: tuple(row.output_shape[1:]) for row in info.summary.rows}
        return cls(layer_names=names, specs=dict(zip(names, config.layers)), output_shapes=shapes,
                   dataset=config.training.dataset, seed=config.training.seed,
                   input_shape=tuple(config.input_shape))

    @property
    def has_config(self) -> bool:
        """Whether each layer's settings are known (a model made by cnnviz)."""
        return bool(self.specs)

    def kind(self, name: str) -> str | None:
        """The layer's kind (``"conv2d"``, ``"dense"`` ...), or None when unknown."""
        spec = self.specs.get(name)
        return None if spec is None else spec.kind

    def conv_layers(self) -> list[str]:
        """The convolution layers, in network order."""
        return [name for name in self.layer_names if self.kind(name) == "conv2d"]

    def hidden_dense_layers(self) -> list[str]:
        """Dense layers followed by another dense layer (their units are hidden units)."""
        dense = [name for name in self.layer_names if self.kind(name) == "dense"]
        return dense[:-1]

    def spatial_layers(self) -> list[str]:
        """Layers whose output is a stack of feature maps ``(h, w, c)``."""
        return [name for name in self.layer_names if len(self.output_shapes.get(name, ())) == 3]

    def previous_layer(self, name: str) -> str | None:
        """The layer before ``name``, or None for the first."""
        index = self.layer_names.index(name)
        return self.layer_names[index - 1] if index else None


def default_class_names(dataset: str) -> tuple[str, ...]:
    """Class names to show before the dataset is read (the digits for the MNIST datasets)."""
    return MNIST_CLASSES if dataset.startswith("mnist") else ()


class WrappingLabel(QLabel):
    """A word-wrapped label whose minimum height is the height its text needs at its current width.

    A plain wrapped label reports a one-line minimum height, so a layout short of room squeezes it
    under its text and the lines overlap whatever comes next; in a scrolling page this one makes
    the page taller (and scroll) instead.
    """

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self._last_width = -1

    def minimumSizeHint(self) -> QSize:  # noqa: N802  (Qt's name)
        hint = super().minimumSizeHint()
        if self.width() > 0 and self.text():
            hint.setHeight(max(hint.height(), self.heightForWidth(self.width())))
        return hint

    def setText(self, text: str) -> None:  # noqa: N802  (Qt's name)
        if text == self.text():
            return   # the same text after every stroke: nothing to lay out again
        super().setText(text)
        self.updateGeometry()

    def resizeEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        super().resizeEvent(event)
        if event.size().width() != self._last_width:
            self._last_width = event.size().width()
            # Only the width changes the wrapped height, so this cannot feed back on itself.
            self.updateGeometry()


def note_label(text: str = "", tooltip: str = "") -> QLabel:
    """A grey, word-wrapped, selectable label for explanations and notes."""
    label = WrappingLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(NOTE_STYLE)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if tooltip:
        label.setToolTip(tooltip)
    return label


def format_number(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits, scientific when tiny or huge; "n/a" for NaN."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.{digits}g}"


def make_colorbar(label: str, colormap: str = "viridis", orientation: str = "vertical") -> pg.ColorBarItem:
    """A narrow, non-interactive colour bar labelled ``label`` (``orientation`` "vertical" or "horizontal")."""
    colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=get_colormap(colormap), label=label,
                               interactive=False, width=10, colorMapMenu=False, orientation=orientation)
    colorbar.axis.enableAutoSIPrefix(False)
    return colorbar


class ImagePlot:
    """A titled plot with labelled axes, one image and (optionally) a colour bar beside it.

    Not a widget: it fills a cell (``row``, ``col``, and the column after it for the colour bar) of
    a pyqtgraph ``layout``. Updates reuse the same items. Without its own colour bar, the caller
    shows the range on a shared one (:func:`make_colorbar`).

    Parameters
    ----------
    layout : pyqtgraph.GraphicsLayout
    row, col : int
    title : str
    value_label : str
        Beside the colour bar.
    axis_labels : (str, str)
        Horizontal and vertical axis labels.
    with_colorbar : bool
        Give the image its own colour bar.
    """

    def __init__(self, layout: pg.GraphicsLayout, row: int, col: int, title: str, value_label: str = "",
                 axis_labels: tuple[str, str] = ("column", "row"), with_colorbar: bool = True):
        self.plot = layout.addPlot(row=row, col=col, title=title)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setAspectLocked(True)
        self.plot.invertY(True)
        self.plot.getViewBox().setDefaultPadding(0.0)
        self.plot.setLabel("bottom", axis_labels[0])
        self.plot.setLabel("left", axis_labels[1])
        for side in ("bottom", "left"):
            axis = self.plot.getAxis(side)
            axis.enableAutoSIPrefix(False)
            # Major ticks only, and few of them: a small image's axes must not crowd their labels.
            axis.setStyle(maxTickLevel=0)
            axis.setTickDensity(0.6)
        self.plot.getAxis("left").setWidth(42)
        self.plot.getViewBox().setMinimumSize(MIN_IMAGE_SIZE, MIN_IMAGE_SIZE)
        self.item = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.item)
        self.colorbar = make_colorbar(value_label) if with_colorbar else None
        if self.colorbar is not None:
            layout.addItem(self.colorbar, row=row, col=col + 1)
        self._shape: tuple[int, ...] | None = None
        self._extent: tuple[float, float, float, float] | None = None
        self._refit_timer = QTimer(self.plot)
        self._refit_timer.setSingleShot(True)
        self._refit_timer.setInterval(0)
        self._refit_timer.timeout.connect(self._on_refit_due)
        self.plot.getViewBox().sigResized.connect(self._fit_width)

    def set_image(self, array: np.ndarray, colormap: str = "viridis", symmetric: bool = False,
                  levels: tuple[float, float] | None = None,
                  extent: tuple[float, float, float, float] | None = None) -> None:
        """Show ``array`` (shape (h, w)); ``extent`` = (x0, x1, y0, y1) in data units (default pixels)."""
        array = np.asarray(array, dtype=np.float32)
        levels = image_levels(array, symmetric) if levels is None else levels
        colormap_object = get_colormap(colormap)
        self.item.setImage(array, autoLevels=False, levels=levels)
        self.item.setColorMap(colormap_object)
        if self.colorbar is not None:
            self.colorbar.setColorMap(colormap_object)
            set_colorbar_levels(self.colorbar, levels)
        height, width = array.shape
        rectangle = (0.0, float(width), 0.0, float(height)) if extent is None else extent
        self.item.setRect(QRectF(rectangle[0], rectangle[2], rectangle[1] - rectangle[0],
                                           rectangle[3] - rectangle[2]))
        # Few ticks: beside a small image, pyqtgraph's own would run into each other.
        set_sparse_ticks(self.plot, rectangle)
        if self._shape != array.shape or self._extent != rectangle:
            # No view limits: with the aspect ratio locked they would crop the image in a tall cell.
            x_low, x_high = sorted(rectangle[:2])
            y_low, y_high = sorted(rectangle[2:])
            self.plot.getViewBox().setRange(xRange=(x_low, x_high), yRange=(y_low, y_high), padding=0)
            self._shape, self._extent = array.shape, rectangle
            self._fit_width()

    def clear(self) -> None:
        """Show nothing."""
        self.item.clear()
        self._shape = None

    def _on_refit_due(self) -> None:
        """Give the layout the whole view again: a graphics view clamps its central item to the
        maximum size that item had at the last resize, which an earlier cap may have lowered."""
        for view in self._clamped_views():
            view.centralWidget.setGeometry(QRectF(view.range))
        self._fit_width()

    def _clamped_views(self) -> list:
        """The graphics views whose central item no longer fills them."""
        scene = self.plot.scene()
        return [view for view in (scene.views() if scene is not None else ())
                if getattr(view, "centralWidget", None) is not None
                and view.centralWidget.geometry() != QRectF(view.range)]

    def _fit_width(self, *_args) -> None:
        """Make the plot no wider than its image at the row's height, so the axes end with the image.

        With the aspect ratio locked, a view wider than the image would show empty axis range
        beside it (-20 .. 40 around a 26-pixel map); the spare width goes to the layout instead.
        """
        view = self.plot.getViewBox()
        if self._extent is None or view.height() <= 0:
            return
        x0, x1, y0, y1 = self._extent
        ratio = abs(x1 - x0) / max(abs(y1 - y0), 1e-12)
        beside = self.plot.width() - view.width()
        wanted = max(view.height() * ratio, MIN_IMAGE_SIZE) + beside
        # Never below what the plot needs: a cap under the minimum makes the layout overlap items.
        wanted = max(wanted, self.plot.effectiveSizeHint(Qt.SizeHint.MinimumSize).width())
        if abs(self.plot.maximumWidth() - wanted) > 1.0:
            self.plot.setMaximumWidth(wanted)
            # The layout settles over a few passes: check again once this one is done.
            self._refit_timer.start()
        elif view.width() + 2.0 < view.height() * ratio and self._clamped_views():
            self._refit_timer.start()

    def image(self) -> np.ndarray | None:
        """The array shown, or None."""
        return self.item.image

    def set_title(self, title: str) -> None:
        self.plot.setTitle(title)
