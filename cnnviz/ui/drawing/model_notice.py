"""The input panel's model notice: says when the model was not trained on what is drawn.

The notice lies over the probability chart, whose bars mean nothing while it shows: it takes no
room of its own, so nothing in the panel moves when it comes or goes. When a model is bundled
for the mode, its button offers it in one click (:attr:`ModelNotice.sig_model_requested`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QPushButton, QVBoxLayout, QWidget

from cnnviz.core.resources import resource_path
from cnnviz.ui.drawing.modes import BUNDLED_MODELS, DATASET_MODES, MODE_DATASETS, MODE_KIND, MODE_ONE
from cnnviz.ui.elided_label import ElidedLabel

__all__ = ["ModelNotice", "NOTICE_LINES"]

#: Lines of the notice until it knows the height of the area it covers.
NOTICE_LINES = 3

_NOTICE_STYLE = "#model_notice { background: #fff4e5; border: 1px solid #e0a040; border-radius: 4px; }"


class ModelNotice(QFrame):
    """A box over ``area`` that says why the model's answer means nothing, hidden until it does.

    Parameters
    ----------
    area : QWidget
        The widget the notice covers (its parent); the notice follows its size.
    """

    sig_model_requested = Signal(str)
    """The user clicked the button: the path of the bundled model it offers."""

    def __init__(self, area: QWidget) -> None:
        super().__init__(area)
        self._area = area
        self._offered_model: Path | None = None
        self.setObjectName("model_notice")
        self.setStyleSheet(_NOTICE_STYLE)
        self.setAccessibleName("Model notice")
        self._label = ElidedLabel(NOTICE_LINES, parent=self)
        self._label.setObjectName("model_notice_text")
        self._label.setStyleSheet("color: #7a4100; background: transparent; border: none;")
        self._button = QPushButton(self)
        self._button.setObjectName("use_bundled_model")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addWidget(self._label)
        layout.addWidget(self._button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        self.setVisible(False)
        area.installEventFilter(self)
        self._button.clicked.connect(self._on_button_clicked)

    # --- public -------------------------------------------------------------------------

    def update_for(self, mode: str, model_dataset: str | None) -> None:
        """Show the notice when a model trained on ``model_dataset`` is shown ``mode``'s pictures.

        Parameters
        ----------
        mode : str
            What is drawn: ``"digits"``, ``"shapes"`` or ``"clothing"``.
        model_dataset : str or None
            The model's training dataset, ``""`` when the model does not say, None when there
            is no model (then nothing is said).
        """
        trained_for = DATASET_MODES.get(model_dataset or "")
        if model_dataset is None or trained_for == mode:
            self.setVisible(False)
            self._offered_model = None
            return
        one = MODE_ONE[mode]
        if not model_dataset:
            text = (f"This model does not say what it was trained on (it has no cnnviz "
                    f"configuration), so its answer for {one} may mean nothing.")
        else:
            kind = MODE_KIND.get(trained_for, "")
            trained_on = f"{kind} ({model_dataset})" if kind else model_dataset
            text = f"This model was trained on {trained_on}: its answer for {one} means nothing."
        bundled = BUNDLED_MODELS.get(mode)
        path = resource_path(bundled) if bundled else None
        if path is not None and path.is_file():
            self._offered_model = path
            self._button.setText(f"Use the {MODE_KIND[mode]} model")
            self._button.setToolTip(f"Open the bundled {MODE_KIND[mode]} model ({path.name}).")
            self._button.setVisible(True)
        else:
            self._offered_model = None
            self._button.setVisible(False)
            text += (f" Build and train a model on {MODE_DATASETS[mode]} in the Model panel, "
                     f"or open one.")
        self._label.set_full_text(text)
        self._fit_to_area()
        self.setVisible(True)
        self.raise_()

    def text(self) -> str:
        """The notice's whole text, or "" while it is hidden (the model fits what is drawn)."""
        return self._label.full_text() if not self.isHidden() else ""

    def is_elided(self) -> bool:
        """True when the notice's text is cut short (its tooltip then shows it all)."""
        return self._label.is_elided()

    def offered_model(self) -> Path | None:
        """The bundled model the button offers, or None (also while the notice is hidden)."""
        return self._offered_model if not self.isHidden() else None

    @property
    def button(self) -> QPushButton:
        """The button that opens the bundled model fitting the mode."""
        return self._button

    # --- Qt overrides ---------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self._area and event.type() == QEvent.Type.Resize:
            self._fit_to_area()
        return super().eventFilter(watched, event)

    # --- internals ------------------------------------------------------------------------

    def _fit_to_area(self) -> None:
        """Cover the area; the text gets every line the box has room for."""
        self.setGeometry(self._area.rect())
        margins = self.contentsMargins()
        layout_margins = self.layout().contentsMargins()
        room = (self._area.height() - margins.top() - margins.bottom() - layout_margins.top()
                - layout_margins.bottom() - self._button.sizeHint().height() - 6)
        width = (self._area.width() - margins.left() - margins.right() - layout_margins.left()
                 - layout_margins.right())
        label = self._label
        label.set_max_lines(min(label.needed_lines(width), room // label.line_height()))

    def _on_button_clicked(self) -> None:
        if self._offered_model is None:
            return
        self.sig_model_requested.emit(str(self._offered_model))
