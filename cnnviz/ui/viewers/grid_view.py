"""What the grid viewers share: a :class:`FilterGrid` page, or a hint when there is nothing to draw."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLayout, QWidget

from cnnviz.core.layer_graph import KERNEL_PART_SEPARATOR, LayerGraph
from cnnviz.ui.layout import PageLayout, hint_label
from cnnviz.ui.viewers.filter_grid import FilterGrid
from cnnviz.ui.viewers.page_stack import PageStack


def describe_layer_items(combo: QComboBox, graph: LayerGraph | None, prefixed: bool = False) -> None:
    """Append each listed layer's branch label to its text in ``combo`` and describe the layer in the
    item's tooltip; the items' data (the layer names) stay as they are.

    With ``prefixed``, an item's data is ``"<what>:<layer>"`` (the gradient view's ``"layer:conv2d"``).
    """
    if graph is None:
        return
    layers = {layer.name: layer for layer in graph.layers}
    for index in range(combo.count()):
        name = combo.itemData(index)
        if prefixed and name is not None:
            name = str(name).partition(":")[2] or None
        layer = layers.get(str(name).split(KERNEL_PART_SEPARATOR)[0]) if name is not None else None
        if layer is None:
            continue
        if layer.branch:
            combo.setItemText(index, f"{combo.itemText(index)}   [{layer.branch}]")
        combo.setItemData(index, layer.description(), Qt.ItemDataRole.ToolTipRole)


class GridView(QWidget):
    """Base of the feature-map, kernel and spectra viewers.

    Subclasses call :meth:`_build_page` once with their control rows, list their controls in
    :meth:`_controls`, keep their layer box in ``self._layer_combo`` (item data: layer names), list
    its layers in :meth:`available_layers`, and draw into ``self._grid``.
    """

    noun = "maps"
    """What the grid shows, for the hint-related docstrings and titles."""

    def _build_page(self, grid: FilterGrid, hint: str, rows: list[QLayout]) -> None:
        """Lay out the control ``rows`` above a page that shows ``grid`` or the ``hint``."""
        self._grid = grid
        self._hint = hint_label(hint)
        self._stack = PageStack()
        self._stack.addWidget(self._hint)
        self._stack.addWidget(self._grid)
        # The main window shows the page in a scroll area: fill its height, not the wrapped
        # status line's preferred height (which would add a vertical scroll bar).
        layout = PageLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for row in rows:
            layout.addLayout(row)
        layout.addWidget(self._stack, 1)
        self._set_controls_enabled(False)

    def _controls(self) -> list[QWidget]:
        """The controls that only make sense when something is drawn."""
        return []

    def _set_controls_enabled(self, enabled: bool) -> None:
        for control in self._controls():
            control.setEnabled(enabled)

    def _show_hint(self, text: str, keep_controls: bool = False) -> None:
        """Show ``text`` instead of the grid; the controls are disabled unless ``keep_controls``
        (the canvas was cleared: the layer and colours chosen stay choosable for the next drawing,
        and enabling them again at its first stroke cost a millisecond of that stroke)."""
        self._hint.setText(text)
        self._stack.setCurrentWidget(self._hint)
        if not keep_controls:
            self._set_controls_enabled(False)

    def _show_grid(self) -> None:
        if self._stack.currentWidget() is not self._grid:
            self._stack.setCurrentWidget(self._grid)

    def _clear_readouts(self) -> None:
        """Forget the value read out under the mouse: what it described is no longer shown."""
        self._grid.clear_readout()

    def hideEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        # Another tab was chosen: a value read out here would be stale when the tab comes back.
        self._clear_readouts()
        super().hideEvent(event)

    def available_layers(self) -> list[str]:
        """The layers listed in the layer box."""
        raise NotImplementedError

    def layer_box(self) -> QComboBox:
        """The layer box (for keyboard and mouse tests)."""
        return self._layer_combo

    def current_layer(self) -> str | None:
        """The layer shown, or None."""
        return self._layer_combo.currentData()

    def set_current_layer(self, name: str) -> None:
        """Choose the layer to show (as the user would in the layer box)."""
        index = self._layer_combo.findData(name)
        if index < 0:
            raise ValueError(f"This view has no layer {name!r}; choose one of {self.available_layers()}.")
        self._layer_combo.setCurrentIndex(index)

    def grid(self) -> FilterGrid:
        """The grid the images are drawn in."""
        return self._grid

    def is_showing_hint(self) -> bool:
        """Whether the hint is shown instead of the grid."""
        return self._stack.currentWidget() is self._hint

    def hint_text(self) -> str:
        """The hint shown when there is nothing to draw."""
        return self._hint.text()

    def export_widget(self) -> pg.GraphicsLayoutWidget:
        """The graphics widget to export (title, images and colour bar)."""
        return self._grid.graphics_widget()
