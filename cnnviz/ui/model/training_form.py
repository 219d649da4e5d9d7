"""The Model panel's training settings: initializer, optimizer, learning rate, batches, epochs, data, seed.

:class:`TrainingForm` shows a configuration's training settings and reads them back. A number
counts when typing ends (Enter, Tab, leaving the field) or an arrow steps it, never half-typed;
each committed edit is announced with :attr:`TrainingForm.sig_edited`.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QSpinBox

from cnnviz.core import config as cfg

INITIALIZER_LABELS = {"glorot_uniform": "Glorot uniform (Keras default)", "he_normal": "He normal",
                      "normal": "Normal (chosen scale)", "ones": "All ones"}
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}


def select_data(combo: QComboBox, value) -> None:
    """Choose the item of ``combo`` whose data is ``value`` (nothing changes when there is none)."""
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


class TrainingForm(QGroupBox):
    """The "Training" group of the Model panel.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_edited = Signal()
    """A setting was committed (typed and confirmed, stepped, or chosen)."""

    def __init__(self, parent=None):
        super().__init__("Training", parent)
        form = QFormLayout(self)
        self.initializer_combo = QComboBox()
        for name, label in INITIALIZER_LABELS.items():
            self.initializer_combo.addItem(label, name)
        self.initializer_combo.setToolTip("How the weights start (the report compares all ones, heavy "
                                          "normal weights and sensible defaults).")
        self.scale_spin = QDoubleSpinBox(decimals=4, minimum=0.0001, maximum=100.0, singleStep=0.01)
        self.scale_spin.setToolTip("Standard deviation of the normal initializer")
        self.optimizer_combo = QComboBox()
        for name, label in OPTIMIZER_LABELS.items():
            self.optimizer_combo.addItem(label, name)
        self.optimizer_combo.setToolTip("The optimizer, with Keras's update rules")
        self.learning_rate_spin = QDoubleSpinBox(decimals=5, minimum=0.00001, maximum=10.0, singleStep=0.0005)
        self.learning_rate_spin.setToolTip("Step size. Adam: about 0.001; SGD: about 0.01–0.1. Too high "
                                           "and training diverges (the report's 0.7).")
        self.batch_spin = QSpinBox(minimum=1, maximum=4096)
        self.batch_spin.setToolTip("Images per optimizer step")
        self.epochs_spin = QSpinBox(minimum=1, maximum=1000)
        self.epochs_spin.setToolTip("Passes over the training images")
        self.subset_spin = QSpinBox(minimum=0, maximum=1_000_000, singleStep=1000)
        self.subset_spin.setSpecialValueText("all")
        self.subset_spin.setToolTip("Train on the first N images only (0 = all)")
        self.validation_spin = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=0.9, singleStep=0.05)
        self.validation_spin.setToolTip("Fraction of the training images held out for validation")
        self.seed_spin = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.seed_spin.setToolTip("Seeds initial weights, shuffling and dropout: the same seed gives the "
                                  "same run")
        form.addRow("Initializer", self.initializer_combo)
        form.addRow("Scale", self.scale_spin)
        form.addRow("Optimizer", self.optimizer_combo)
        form.addRow("Learning rate", self.learning_rate_spin)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Training subset", self.subset_spin)
        form.addRow("Validation split", self.validation_spin)
        form.addRow("Seed", self.seed_spin)
        for spin in (self.scale_spin, self.learning_rate_spin, self.validation_spin, self.batch_spin,
                     self.epochs_spin, self.subset_spin, self.seed_spin):
            # A value counts when typing ends (Enter, Tab, leaving the field) or an arrow steps it.
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self.sig_edited)
        for combo in (self.initializer_combo, self.optimizer_combo):
            combo.currentIndexChanged.connect(self.sig_edited)

    def show_config(self, config: cfg.ModelConfig) -> None:
        """Show ``config``'s initializer and training settings (each change is announced)."""
        training = config.training
        select_data(self.initializer_combo, config.initializer.name)
        self.scale_spin.setValue(config.initializer.scale)
        select_data(self.optimizer_combo, training.optimizer)
        self.learning_rate_spin.setValue(training.learning_rate)
        self.batch_spin.setValue(training.batch_size)
        self.epochs_spin.setValue(training.epochs)
        self.subset_spin.setValue(training.train_subset or 0)
        self.validation_spin.setValue(training.validation_split)
        self.seed_spin.setValue(training.seed)

    def training(self, base: cfg.TrainingConfig, dataset: str) -> cfg.TrainingConfig:
        """``base`` with the settings shown here and ``dataset``."""
        return replace(base, dataset=dataset, optimizer=self.optimizer_combo.currentData(),
                       learning_rate=self.learning_rate_spin.value(), batch_size=self.batch_spin.value(),
                       epochs=self.epochs_spin.value(), train_subset=self.subset_spin.value() or None,
                       validation_split=self.validation_spin.value(), seed=self.seed_spin.value())

    def initializer(self) -> cfg.Initializer:
        """The initializer shown here."""
        return cfg.Initializer(self.initializer_combo.currentData(), self.scale_spin.value())

    def follow_initializer(self, name: str) -> None:
        """Enable the scale only for the initializer that uses it (``"normal"``)."""
        self.scale_spin.setEnabled(name == "normal")
