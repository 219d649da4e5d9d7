"""The lower half of the input panel: the model input, the prediction and its probability bars.

:class:`PredictionView` lays out the prediction line (the most probable class, across the whole
width so that a long class name still fits), the model-input preview with its size under it,
and the probability chart with the model notice lying over it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cnnviz.ui.drawing.input_preview import InputPreview
from cnnviz.ui.drawing.model_inputs import DEFAULT_INPUT_SHAPE, shape_text
from cnnviz.ui.drawing.model_notice import ModelNotice
from cnnviz.ui.drawing.probability_chart import ProbabilityChart
from cnnviz.ui.elided_label import ElidedLabel
from cnnviz.ui.layout_barrier import LayoutBarrier
from cnnviz.ui.reflow_row import ReflowRow

__all__ = ["PredictionView", "NO_PREDICTION"]

#: The prediction line while nothing is predicted.
NO_PREDICTION = "Prediction: none yet"


class PredictionView(QWidget):
    """The prediction line, the model-input preview and the probability chart under its notice.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._preview = InputPreview(self)
        self._preview_title = QLabel(self)
        self._preview_title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self._preview_title.setFixedWidth(self._preview.width())
        self.set_input_shape(DEFAULT_INPUT_SHAPE)

        self._prediction_label = ElidedLabel(1, "The most probable class and its probability.", self)
        font = self._prediction_label.font()
        font.setBold(True)
        self._prediction_label.setFont(font)

        self._chart_area = QWidget(self)
        self._chart = ProbabilityChart(self._chart_area)
        chart_layout = QVBoxLayout(self._chart_area)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self._chart)
        self._notice = ModelNotice(self._chart_area)

        preview_column = QVBoxLayout()
        preview_column.setSpacing(2)
        preview_column.addWidget(self._preview)
        preview_column.addWidget(self._preview_title)
        preview_column.addStretch(1)
        chart_column = QVBoxLayout()
        chart_column.addWidget(self._chart_area)
        # In a narrow panel the chart goes under the preview rather than widening the panel.
        self._row = ReflowRow([preview_column, chart_column], spacing=10, stretches=[0, 1], parent=self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        # The prediction changes on every stroke: held in a layout barrier, it never lays the panel out again.
        layout.addWidget(LayoutBarrier(self._prediction_label))
        layout.addWidget(self._row, 1)

    # --- public -------------------------------------------------------------------------

    def set_input_shape(self, input_shape: tuple[int, int, int]) -> None:
        """Preview black inputs of ``(height, width, channels)``, and say their size under them."""
        self._preview.set_input_shape(input_shape)
        self._preview_title.setText(f"Input {shape_text(input_shape)}")

    def show_input(self, model_input: np.ndarray | None) -> None:
        """Preview a ``(1, H, W, C)`` input in ``[0, 1]``, or black for None."""
        self._preview.show_input(model_input)

    def show_probabilities(self, probabilities: np.ndarray, class_names: tuple[str, ...] | None,
                           default_names: tuple[str, ...] = ()) -> None:
        """Bars of class probabilities, the most probable class highlighted and named above them.

        Parameters
        ----------
        probabilities : numpy.ndarray
            ``(num_classes,)`` (or ``(1, num_classes)``) finite values, normally in ``[0, 1]``;
            values outside are clipped for display.
        class_names : tuple of str or None
            Name of each class; None takes ``default_names``, or the class indices when their
            number differs.
        default_names : tuple of str, optional
            The names of the classes the panel expects.

        Raises
        ------
        ValueError
            If ``probabilities`` is not a non-empty vector of finite numbers, or
            ``class_names`` has a different length.
        """
        values = np.asarray(probabilities, dtype=np.float64)
        if values.ndim == 2 and values.shape[0] == 1:
            values = values[0]
        if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
            raise ValueError(
                f"probabilities must be a non-empty (num_classes,) vector of finite numbers; "
                f"received shape {np.shape(probabilities)}."
            )
        if class_names is None:
            class_names = default_names
            if len(class_names) != values.size:
                class_names = tuple(str(index) for index in range(values.size))
        class_names = tuple(str(name) for name in class_names)
        if len(class_names) != values.size:
            raise ValueError(
                f"{len(class_names)} class names for {values.size} probabilities; pass one "
                f"name per class."
            )
        self._chart.show_probabilities(values, class_names)
        top = int(np.argmax(values))
        self._prediction_label.set_full_text(
            f"Prediction: {class_names[top]}  ({100.0 * values[top]:.1f} %)"
        )

    def reset(self, class_names: tuple[str, ...]) -> None:
        """Empty bars for ``class_names``, and no prediction."""
        self._chart.reset(class_names)
        self._prediction_label.set_full_text(NO_PREDICTION)

    def prediction_text(self) -> str:
        """The prediction line: the most probable class and its probability."""
        return self._prediction_label.full_text()

    def preview_pixels(self) -> np.ndarray:
        """The previewed input as ``(height, width)`` uint8 grey levels (a copy; colour is averaged)."""
        return self._preview.pixels

    def preview_colour_pixels(self) -> np.ndarray:
        """The preview's input as ``(H, W, C)`` uint8 levels (colour as it is)."""
        return self._preview.colour_pixels

    def preview_title(self) -> str:
        """The line under the preview: the input's size."""
        return self._preview_title.text()

    @property
    def chart(self) -> ProbabilityChart:
        """The bar chart of class probabilities."""
        return self._chart

    @property
    def notice(self) -> ModelNotice:
        """The notice over the chart (hidden while the model fits what is drawn)."""
        return self._notice
