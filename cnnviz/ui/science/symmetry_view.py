"""The report's §1.1: weight-space symmetries, checked on the model's own predictions.

For a hidden dense layer of ``M`` units the tab states ``M``, the activation, how many weight
vectors are equivalent for that activation (:class:`cnnviz.core.symmetry.WeightSymmetries`:
``M! · 2^M`` for tanh, ``M!`` orderings times a continuous family of positive rescalings for ReLU,
...), and whether sign flips and positive rescaling really are symmetries for it. Three buttons
ask the model service to transform the weights (permute every unit, flip the signs of about half,
rescale every unit by a positive factor) and measure how much the test predictions change; each
answer becomes a row of the results table, with a green "unchanged: a symmetry" or a red
"changed: not a symmetry" verdict that names the tolerance it was judged against, and the
reason in its tooltip. The engine's weights are never changed.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnnviz.core.symmetry import ODD_ACTIVATIONS, POSITIVELY_HOMOGENEOUS_ACTIVATIONS, WeightSymmetries, explain
from cnnviz.ui.science.common import (
    BROKEN_COLOUR,
    SYMMETRY_COLOUR,
    ModelLayout,
    WrappingLabel,
    format_number,
    note_label,
)
from cnnviz.ui.wording import counted

TRANSFORM_NAMES = {"permutation": "Permutation", "sign_flip": "Sign flip", "rescale": "Positive rescaling",
                   "permutation_sign_flip": "Permutation and sign flip"}
COLUMNS = ("Transform", "Layer", "Images", "Max |Δp|", "Kept", "Verdict")
COLUMN_TOOLTIPS = ("The weight transform checked.", "The hidden layer transformed.",
                   "Test images whose predictions were compared.",
                   "The largest change of any class probability over the test images.",
                   "The share of test images whose predicted class did not change.",
                   "A symmetry when no probability changed by more than the tolerance (float32 rounding).")
SYMMETRY_VERDICT = "unchanged: a symmetry"
BROKEN_VERDICT = "changed: not a symmetry"
_KNOWN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


def verdict_cell(result) -> str:
    """``"unchanged: a symmetry (≤ 1e-04)"``: the verdict and the tolerance (the value is in its own column)."""
    if result.is_symmetry:
        return f"{SYMMETRY_VERDICT} (≤ {result.tolerance:.0e})"
    return f"{BROKEN_VERDICT} (> {result.tolerance:.0e})"


class SymmetryTab(QWidget):
    """A hidden layer's weight-space symmetries: the count, the rules, and checks on predictions.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_science_requested = Signal(str, object)
    """A symmetry check is wanted: ``"symmetry"`` and ``{"layer", "transform", "samples", "seed"}``."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = ModelLayout()
        self._busy = False
        self._results: list = []

        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("A hidden dense layer: one followed by another dense layer, whose units' "
                                    "incoming and outgoing weights can be exchanged.")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(10, 10000)
        self.samples_spin.setSingleStep(100)
        self.samples_spin.setValue(1000)
        self.samples_spin.setToolTip("Test images whose predictions are compared before and after the transform.")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 1_000_000)
        self.seed_spin.setToolTip("Seed of the random permutation, of the units whose signs flip and of the "
                                  "rescaling factors.")
        controls = QHBoxLayout()
        for text, control in (("Hidden layer:", self.layer_combo), ("Test images:", self.samples_spin),
                              ("Seed:", self.seed_spin)):
            label = QLabel(text)
            label.setBuddy(control)
            controls.addWidget(label)
            controls.addWidget(control)
            controls.addSpacing(12)
        controls.addStretch(1)

        self.units_label = WrappingLabel("M = —")
        self.units_label.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.units_label.setWordWrap(True)
        self.units_label.setToolTip("The number of hidden units M of the layer and their activation.")
        self.count_label = WrappingLabel()
        self.count_label.setStyleSheet("font-size: 13px;")
        self.count_label.setWordWrap(True)
        self.count_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.count_label.setToolTip("How many weight vectors give the same function (report §1.1), for this "
                                    "activation: the M! orderings of the units always; 2^M sign patterns only for "
                                    "odd activations (tanh; sigmoid with the next bias adjusted); a continuous "
                                    "family of positive rescalings for relu. Counts are exact when short, a power "
                                    "of ten otherwise.")
        self.sign_flip_label = note_label("", "Whether negating a unit's incoming and outgoing weights keeps the "
                                              "network's function, for this activation.")
        self.rescale_label = note_label("", "Whether scaling a unit's incoming weights by c > 0 and its outgoing "
                                            "weights by 1/c keeps the network's function, for this activation.")

        self.permute_button = QPushButton("Permute units")
        self.permute_button.setToolTip("Reorder every hidden unit at random, with its incoming weights, bias and "
                                       "outgoing weights, and compare the predictions.")
        self.flip_button = QPushButton("Flip signs")
        self.flip_button.setToolTip("Negate the incoming weights, bias and outgoing weights of about half the "
                                    "units, and compare the predictions.")
        self.rescale_button = QPushButton("Rescale (positive)")
        self.rescale_button.setToolTip("Multiply each unit's incoming weights and bias by a factor between 1/4 and "
                                       "4 and divide its outgoing weights by it, and compare the predictions.")
        self.clear_button = QPushButton("Clear table")
        self.clear_button.setToolTip("Remove every row of the results table.")
        self.permute_button.clicked.connect(self._on_permute_clicked)
        self.flip_button.clicked.connect(self._on_flip_clicked)
        self.rescale_button.clicked.connect(self._on_rescale_clicked)
        self.clear_button.clicked.connect(self.clear_results)
        buttons = QHBoxLayout()
        for button in (self.permute_button, self.flip_button, self.rescale_button):
            buttons.addWidget(button)
        buttons.addSpacing(16)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for column, tip in enumerate(COLUMN_TOOLTIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(110)
        self.table.setToolTip("One row per check: the largest change of any class probability over the test "
                              "images, the share of images whose predicted class stayed the same, and the "
                              "verdict. Select a row to read why.")
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self.explanation_label = note_label("Run a check to see whether the transform keeps the network's "
                                            "function, and why.", "Why the selected check came out as it did.")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(controls)
        layout.addWidget(self.units_label)
        layout.addWidget(self.count_label)
        layout.addWidget(self.sign_flip_label)
        layout.addWidget(self.rescale_label)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.explanation_label)
        self._on_layer_changed()

    # -- public API ----------------------------------------------------------------------------------
    def set_model(self, layout: ModelLayout) -> None:
        """Follow a new model: its hidden dense layers; earlier results are cleared."""
        self._layout = layout
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for name in layout.hidden_dense_layers():
            spec = layout.specs[name]
            self.layer_combo.addItem(f"{name} ({counted(spec.units, f'{spec.activation} unit')})", name)
        self.layer_combo.blockSignals(False)
        self.clear_results()
        self._on_layer_changed()

    def show_result(self, result) -> None:
        """Add a :class:`cnnviz.science.SymmetryResult` to the table."""
        self._results.append(result)
        row = self.table.rowCount()
        self.table.insertRow(row)
        images = f"{result.num_images:,}" + (f" of {result.images_requested:,}" if result.images_note else "")
        cells = (TRANSFORM_NAMES.get(result.transform, result.transform), result.layer, images,
                 format_number(result.max_abs_difference), f"{result.argmax_agreement:.1%}", verdict_cell(result))
        tooltip = f"{result.description} of {result.layer}, on {result.num_images} {result.dataset} test images " \
                  f"(seed {result.seed}): {result.verdict_text()}.\n{result.explanation}" + \
                  (f"\nNote: {result.note}" if result.note else "") + \
                  (f"\nImages: {result.images_note}." if result.images_note else "")
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(tooltip)
            if column in (2, 3, 4):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)
        verdict_item = self.table.item(row, len(COLUMNS) - 1)
        verdict_item.setForeground(QColor(SYMMETRY_COLOUR if result.is_symmetry else BROKEN_COLOUR))
        font = verdict_item.font()
        font.setBold(True)
        verdict_item.setFont(font)
        self.table.clearSelection()
        self.table.scrollToItem(verdict_item)
        self._show_explanation(result)

    def results(self) -> list:
        """The results in the table, in order."""
        return list(self._results)

    def row_texts(self, row: int) -> list[str]:
        """The texts of one table row."""
        return [self.table.item(row, column).text() for column in range(self.table.columnCount())]

    def clear_results(self) -> None:
        """Empty the results table."""
        self._results.clear()
        self.table.setRowCount(0)
        self.explanation_label.setText("Run a check to see whether the transform keeps the network's function, "
                                       "and why.")

    def set_busy(self, busy: bool) -> None:
        """Disable the check buttons while the model service works."""
        self._busy = bool(busy)
        self._update_enabled()

    # -- internals -----------------------------------------------------------------------------------
    def _update_enabled(self) -> None:
        enabled = not self._busy and self.layer_combo.count() > 0
        for button in (self.permute_button, self.flip_button, self.rescale_button):
            button.setEnabled(enabled)

    def _show_explanation(self, result) -> None:
        colour = SYMMETRY_COLOUR if result.is_symmetry else BROKEN_COLOUR
        note = f" Note: {result.note}." if result.note else ""
        if result.images_note:
            note += f" Images: {result.images_note[0].upper()}{result.images_note[1:]}."
        self.explanation_label.setText(
            f"<b style='color:{colour}'>{TRANSFORM_NAMES.get(result.transform, result.transform)}: "
            f"{result.verdict_text()}.</b> {result.explanation}{note}")

    def _on_layer_changed(self, *_args) -> None:
        layer = self.layer_combo.currentData()
        if layer is None:
            self.units_label.setText("M = —")
            self.count_label.setText("This model has no hidden dense layer (a dense layer followed by another)."
                                     if self._layout.has_config else
                                     "Build or open a model made by cnnviz to check its weight-space symmetries.")
            self.sign_flip_label.setText("")
            self.rescale_label.setText("")
            self._update_enabled()
            return
        spec = self._layout.specs[layer]
        self.units_label.setText(f"M = {counted(spec.units, f'hidden {spec.activation} unit')} in {layer}")
        symmetries = WeightSymmetries(spec.activation, spec.units, self._max_pooling_after(layer))
        self.count_label.setText("Report §1.1: " + re.sub(r"\^(\d+)", r"<sup>\1</sup>", symmetries.text()))
        if spec.activation in _KNOWN_ACTIVATIONS:
            odd = spec.activation in ODD_ACTIVATIONS
            homogeneous = spec.activation in POSITIVELY_HOMOGENEOUS_ACTIVATIONS
            flips = ("are" if odd else "are, with the next layer's bias adjusted,"
                     if spec.activation == "sigmoid" else "are not")
            self.sign_flip_label.setText(f"<b>Sign flips {flips} a symmetry for {spec.activation}.</b> "
                                         f"{explain(spec.activation, 'sign_flip')}")
            self.rescale_label.setText(f"<b>Positive rescaling {'is' if homogeneous else 'is not'} a symmetry for "
                                       f"{spec.activation}.</b> {explain(spec.activation, 'rescale')}")
        else:
            self.sign_flip_label.setText(f"No rule is known for the {spec.activation} activation; the checks say "
                                         "what happens.")
            self.rescale_label.setText("")
        self._update_enabled()

    def _max_pooling_after(self, layer: str) -> bool:
        """Whether max pooling lies between ``layer`` and the next layer with weights."""
        names = self._layout.layer_names
        for name in names[names.index(layer) + 1:]:
            kind = self._layout.kind(name)
            if kind == "max_pooling2d":
                return True
            if kind in ("dense", "conv2d"):
                return False
        return False

    def _request(self, transform: str) -> None:
        layer = self.layer_combo.currentData()
        if layer is None:
            return
        self.sig_science_requested.emit("symmetry", {
            "layer": layer, "transform": transform, "samples": self.samples_spin.value(),
            "seed": self.seed_spin.value(),
        })

    def _on_permute_clicked(self) -> None:
        self._request("permutation")

    def _on_flip_clicked(self) -> None:
        self._request("sign_flip")

    def _on_rescale_clicked(self) -> None:
        self._request("rescale")

    def _on_selection_changed(self) -> None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        if len(rows) == 1:
            row = rows.pop()
            if row < len(self._results):
                self._show_explanation(self._results[row])
