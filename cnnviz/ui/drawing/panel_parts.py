"""The input panel's parts and controls, as :class:`~cnnviz.ui.drawing.panel.DrawingCanvas` offers them.

The window reaches the chart, the sample row, the surface and the buttons through these
properties, and so do tests and scripts that drive the panel as a person does (a click on
:attr:`PanelParts.load_button`, a drag on :attr:`PanelParts.surface`).
"""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton

from cnnviz.ui.drawing.brush_control import BrushControl
from cnnviz.ui.drawing.canvas_input import CanvasInput
from cnnviz.ui.drawing.caption import Caption
from cnnviz.ui.drawing.colour_control import ColourControl
from cnnviz.ui.drawing.mode_selector import ModeSelector
from cnnviz.ui.drawing.prediction_view import PredictionView
from cnnviz.ui.drawing.probability_chart import ProbabilityChart
from cnnviz.ui.drawing.sample_picker import SamplePicker
from cnnviz.ui.drawing.surface import DrawingSurface

__all__ = ["PanelParts"]


class PanelParts:
    """Read-only access to the parts a panel built (mixed into the panel's widget class)."""

    _prediction: PredictionView
    _samples: SamplePicker
    _surface: DrawingSurface
    _input: CanvasInput
    _brush: BrushControl
    _colours: ColourControl
    _caption: Caption
    _mode_combo: ModeSelector
    _undo_button: QPushButton
    _clear_button: QPushButton
    _open_button: QPushButton

    @property
    def chart(self) -> ProbabilityChart:
        """The bar chart of class probabilities."""
        return self._prediction.chart

    @property
    def prediction_view(self) -> PredictionView:
        """The lower half: the model-input preview, the prediction line, the chart and its notice."""
        return self._prediction

    @property
    def samples(self) -> SamplePicker:
        """The *Random sample*, *Sample #* and *Load* row."""
        return self._samples

    @property
    def surface(self) -> DrawingSurface:
        """The drawing surface (press, move and release the left button on it to draw)."""
        return self._surface

    @property
    def canvas_input(self) -> CanvasInput:
        """The state behind the canvas: the picture, its label, its undo history, the model input."""
        return self._input

    @property
    def brush(self) -> BrushControl:
        """The brush size control."""
        return self._brush

    @property
    def colours(self) -> ColourControl:
        """The ink and background colours of a colour model's canvas (hidden for a grey model)."""
        return self._colours

    @property
    def caption(self) -> Caption:
        """The caption under the canvas (elided when long; its tooltip then says it all)."""
        return self._caption

    @property
    def mode_combo(self) -> ModeSelector:
        """The Digits / Shapes / Clothing selector."""
        return self._mode_combo

    @property
    def notice_button(self) -> QPushButton:
        """The notice's button that opens the bundled model fitting the mode."""
        return self._prediction.notice.button

    @property
    def undo_button(self) -> QPushButton:
        """The Undo button (disabled while there is nothing to undo)."""
        return self._undo_button

    @property
    def clear_button(self) -> QPushButton:
        """The Clear button."""
        return self._clear_button

    @property
    def open_button(self) -> QPushButton:
        """The *Open image…* button."""
        return self._open_button
