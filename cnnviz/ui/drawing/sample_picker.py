"""Picking a test image of the mode's dataset for the input panel: at random or by its index.

:class:`SamplePicker` is the row under the canvas (*Random sample*, *Sample #*, *Load*). It loads
each mode's test split once, when first asked, and turns a chosen image into a
:class:`Sample` of the model input's height and width. It never raises for a dataset that
cannot be loaded: it says why with :attr:`SamplePicker.sig_error`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from cnnviz.core.checks import is_int
from cnnviz.core.datasets import Dataset, load_dataset
from cnnviz.core.preprocessing import fit_batch
from cnnviz.ui.drawing.modes import MODE_DATASETS, SAMPLE_SPLIT
from cnnviz.ui.reflow_row import ReflowRow, row

__all__ = ["NO_SAMPLE", "Sample", "SamplePicker"]

#: The spin box's limit until the mode's dataset is loaded and tells its size.
_UNKNOWN_MAXIMUM = 9999
#: The spin box's value (shown as :data:`NO_SAMPLE`) while no test image of the mode is shown.
_NONE = -1
#: What the *Sample #* box reads while no test image of the mode's dataset is shown.
NO_SAMPLE = "–"


@dataclass(frozen=True)
class Sample:
    """A test image ready for the canvas.

    Attributes
    ----------
    image : numpy.ndarray
        ``(H, W)`` or ``(H, W, C)`` with the model input's height and width: uint8 as stored,
        or float in ``[0, 1]`` when it had to be scaled to another size.
    label : int
        Its true class.
    index : int
        Its index in the test split.
    message : str
        The caption that says where it came from.
    """

    image: np.ndarray
    label: int
    index: int
    message: str


class SamplePicker(QWidget):
    """*Random sample*, *Sample #* and *Load*: which test image of the mode's dataset to show.

    Parameters
    ----------
    parent : QWidget, optional
    """

    sig_sample_requested = Signal(object)
    """The user asked for a sample: its index (int), or None for a random one."""
    sig_error = Signal(str)
    """A sample could not be had: why, and what to do, in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._mode = "digits"
        self._datasets: dict[str, Dataset] = {}
        self._rng = np.random.default_rng()

        self._random_button = QPushButton("Random sample", self)
        self._random_button.setToolTip(
            "Show a random test image of the current mode's dataset and use its label as "
            "the gradient target."
        )
        self._sample_label = QLabel("Sample #", self)
        self._sample_spin = QSpinBox(self)
        # Below 0 it reads "–": no test image of this mode is shown (Load then takes the first).
        self._sample_spin.setRange(_NONE, _UNKNOWN_MAXIMUM)
        self._sample_spin.setSpecialValueText(NO_SAMPLE)
        self._sample_spin.setValue(_NONE)
        self._sample_spin.setToolTip("Index of the test image to load.")
        self._sample_label.setBuddy(self._sample_spin)
        self._load_button = QPushButton("Load", self)
        self._load_button.setToolTip("Show the test image with the index on the left.")
        # The style's 80 px minimum would make the panel wider than a narrow dock.
        self._load_button.setMinimumWidth(self.fontMetrics().horizontalAdvance("Load") + 20)

        # In a narrow panel the index and Load go under Random sample instead of widening it.
        self._row = ReflowRow([row(self._random_button, stretch_after=0),
                               row(self._sample_label, self._sample_spin, self._load_button, spacing=4)], parent=self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._row)

        self._random_button.clicked.connect(self._on_random_clicked)
        self._load_button.clicked.connect(self._on_load_clicked)

    # --- public -------------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        """Take samples from ``mode``'s dataset from now on (loaded when first asked for)."""
        self._mode = mode
        dataset = self._datasets.get(mode)
        self._sample_spin.setMaximum(len(dataset) - 1 if dataset is not None else _UNKNOWN_MAXIMUM)
        # The number shown was of the other mode's dataset: none of this one's is shown yet.
        self._sample_spin.setValue(_NONE)

    def sample(self, index: int | None, input_shape: tuple[int, int, int]) -> Sample | None:
        """Test image ``index`` of the mode's dataset, fitted to ``input_shape``'s height and width.

        Parameters
        ----------
        index : int or None
            Index into the test split; None picks one at random.
        input_shape : tuple of int
            ``(height, width, channels)`` of the model input; an image of another size is
            scaled to it.

        Returns
        -------
        Sample or None
            None when the dataset cannot be loaded (:attr:`sig_error` has said why).

        Raises
        ------
        ValueError
            If ``index`` is not a whole number inside the split.
        """
        dataset = self.dataset()
        if dataset is None:
            return None
        if index is None:
            index = int(self._rng.integers(len(dataset)))
        if not is_int(index) or not 0 <= index < len(dataset):
            raise ValueError(
                f"Sample index must be a whole number from 0 to {len(dataset) - 1} (the "
                f"{SAMPLE_SPLIT} split of {dataset.name!r} has {len(dataset)} images); "
                f"received {index!r}."
            )
        index = int(index)
        label = int(dataset.labels[index])
        image = dataset.images[index]
        height, width, _ = input_shape
        resized = ""
        if image.shape[:2] != (height, width):
            # A model with another input size still gets the sample, fitted to its input as training
            # fits the dataset (aspect kept, centred on black).
            resized = f", fitted from {image.shape[0]}×{image.shape[1]} to {height}×{width}"
            image = fit_batch(image[np.newaxis], (height, width, 1))[0][0, :, :, 0]
        message = (f"Test sample #{index} of {dataset.name}{resized}: true class "
                   f"{dataset.class_names[label]!r}. Draw over it to change it.")
        return Sample(image=image, label=label, index=index, message=message)

    def show_index(self, index: int) -> None:
        """Put ``index`` in the *Sample #* box (the sample shown now)."""
        self._sample_spin.setValue(index)

    def dataset(self) -> Dataset | None:
        """The current mode's test split, loaded once; None (and :attr:`sig_error`) on failure."""
        dataset = self._datasets.get(self._mode)
        if dataset is not None:
            return dataset
        name = MODE_DATASETS[self._mode]
        try:
            dataset = load_dataset(name, SAMPLE_SPLIT)
        except (ValueError, OSError) as error:
            self.sig_error.emit(f"Could not load the {name} dataset: {error}")
            return None
        self._datasets[self._mode] = dataset
        self._sample_spin.setMaximum(len(dataset) - 1)
        self._sample_spin.setToolTip(
            f"Index of the {SAMPLE_SPLIT} image to load, 0 to {len(dataset) - 1} "
            f"({dataset.name})."
        )
        return dataset

    # The controls, for tests and scripts that drive the row as a person does.

    @property
    def random_button(self) -> QPushButton:
        """The *Random sample* button."""
        return self._random_button

    @property
    def sample_spin(self) -> QSpinBox:
        """The *Sample #* box: the index of the test image to load."""
        return self._sample_spin

    @property
    def load_button(self) -> QPushButton:
        """The *Load* button, which shows the test image with the index in :attr:`sample_spin`."""
        return self._load_button

    # --- slots ----------------------------------------------------------------------------

    def _on_random_clicked(self) -> None:
        self.sig_sample_requested.emit(None)

    def _on_load_clicked(self) -> None:
        requested = max(self._sample_spin.value(), 0)
        dataset = self.dataset()
        if dataset is None:
            return
        if requested >= len(dataset):
            self.sig_error.emit(
                f"Sample #{requested} does not exist: the {SAMPLE_SPLIT} split of "
                f"{dataset.name} has {len(dataset)} images (0 to {len(dataset) - 1})."
            )
            return
        self.sig_sample_requested.emit(requested)
