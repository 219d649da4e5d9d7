"""Where the spectra comparison's input B comes from: the model's test split, read once; and thumbnails.

:class:`DatasetTestSplits` reads a dataset's test images (preprocessed as the model sees them) the first
time they are asked for, and keeps them, or the reason they cannot be read, for every later ask.
:func:`thumbnail` draws an input as the small grey picture beside A and B, and :func:`input_row` lays
out A and B: each thumbnail beside its description, B's class and sample number above its own.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from cnnviz.core.results import frozen

THUMBNAIL_SIZE = 40


def thumbnail(image: np.ndarray | None) -> QPixmap:
    """A grey pixmap of an ``(h, w, c)`` image in [0, 1], scaled to :data:`THUMBNAIL_SIZE`."""
    if image is None:
        pixmap = QPixmap(THUMBNAIL_SIZE, THUMBNAIL_SIZE)
        pixmap.fill(Qt.GlobalColor.lightGray)
        return pixmap
    grey = np.asarray(image, dtype=np.float32)
    grey = grey.mean(axis=-1) if grey.ndim == 3 else grey
    grey = np.ascontiguousarray(np.clip(np.nan_to_num(grey) * 255 + 0.5, 0, 255).astype(np.uint8))
    height, width = grey.shape
    picture = QImage(grey.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(picture.scaled(THUMBNAIL_SIZE, THUMBNAIL_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.FastTransformation))


class DatasetTestSplits:
    """The test splits read so far, by dataset, seed (the ``shapes`` dataset generates its test
    split from it) and data folder."""

    def __init__(self):
        self._found: dict[tuple, tuple[np.ndarray, np.ndarray, tuple[str, ...]] | str] = {}

    def read(self, dataset: str, seed: int, data_dir: str | None,
             input_shape: tuple[int, ...] | None = None
             ) -> tuple[tuple[np.ndarray, np.ndarray, tuple[str, ...]] | str, bool]:
        """The test split ``(images (n, h, w, c), labels (n,), class names)``, fitted to the model's
        ``input_shape`` as training fits them (the dataset's own shape when None), or why it cannot be
        read; and whether it was read just now (False when it comes from an earlier ask)."""
        key = (dataset, seed, data_dir, None if input_shape is None else tuple(input_shape))
        if key in self._found:
            return self._found[key], False
        from cnnviz.core.datasets import load_dataset
        from cnnviz.core.preprocessing import fit_batch

        try:
            # A dataset made at any shape is made at the model's; any other is fitted to it.
            split = load_dataset(dataset, "test", data_dir=data_dir, seed=seed,
                                 image_shape=None if input_shape is None else key[3])
            images = frozen(split.inputs() if input_shape is None else fit_batch(split.images, input_shape)[0])
            self._found[key] = (images, frozen(np.asarray(split.labels, dtype=np.int64)),
                                tuple(split.class_names))
        except (ValueError, OSError) as error:
            self._found[key] = f"The test images of {dataset} cannot be read: {error}"
        return self._found[key], True


def input_row(a_thumbnail: QLabel, a_label: QWidget, b_thumbnail: QLabel, b_label: QWidget,
              class_combo: QComboBox, sample_spin: QSpinBox) -> QHBoxLayout:
    """A's thumbnail and description, then B's thumbnail beside its class, sample number and description."""
    b_choice = QHBoxLayout()
    for text, control in (("B: class", class_combo), ("sample #", sample_spin)):
        label = QLabel(text)
        label.setBuddy(control)
        b_choice.addWidget(label)
        b_choice.addWidget(control)
    b_choice.addStretch(1)
    b_column = QVBoxLayout()
    b_column.setSpacing(2)
    b_column.addLayout(b_choice)
    b_column.addWidget(b_label)
    row = QHBoxLayout()
    row.addWidget(a_thumbnail)
    row.addWidget(a_label, 2)
    row.addSpacing(12)
    row.addWidget(b_thumbnail)
    row.addLayout(b_column, 3)
    return row
