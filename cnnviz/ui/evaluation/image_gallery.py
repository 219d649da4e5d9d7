"""The gallery of the Evaluation tab: test images as thumbnails, each captioned with its verdict.

It shows the images of a clicked confusion-matrix cell, or every mistake, most confident
first; its thumbnails keep the pixels the model sees visible (nearest-neighbour scaling).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

from cnnviz.core.evaluation import Evaluation
from cnnviz.ui.images import picture_qimage

__all__ = ["ImageGallery", "thumbnail", "THUMBNAIL_SCALE"]

THUMBNAIL_SCALE = 3
"""Gallery images are drawn at this many screen pixels per image pixel (nearest neighbour)."""

_MAX_CAPTION_NAME_LENGTH = 8   # "triangle" whole, "T-shirt/top" as "T-shirt…"


def _short_name(name: str) -> str:
    return name if len(name) <= _MAX_CAPTION_NAME_LENGTH else name[:_MAX_CAPTION_NAME_LENGTH - 1] + "…"


def thumbnail(image: np.ndarray, scale: int = THUMBNAIL_SCALE) -> QPixmap:
    """A pixmap of ``image`` (shape (h, w), (h, w, 1) grey or (h, w, 3) colour, values in [0, 1]) scaled
    by ``scale``, nearest neighbour so that the pixels the model sees stay visible; colour stays colour."""
    picture = picture_qimage(image)
    width, height = picture.width(), picture.height()
    return QPixmap.fromImage(picture.scaled(width * scale, height * scale, Qt.AspectRatioMode.IgnoreAspectRatio,
                                            Qt.TransformationMode.FastTransformation))


class ImageGallery(QListWidget):
    """Thumbnails of test images in a grid, each captioned "true … → predicted (confidence)".

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.set_image_size((28, 28))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        # Each caption sized on its own: a uniform size taken from one item cut longer captions.
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setToolTip("Test images, most confident prediction first. Click one to load it "
                        "into the canvas and every viewer.")

    def set_image_size(self, image_size: tuple[int, int]) -> None:
        """Thumbnails of the images' own size (times the scale); each cell has room for a caption of
        two lines, which the view wraps at about the thumbnail's width ("true circle →" /
        "triangle (99%)")."""
        height, width = image_size
        scale = max(1, min(THUMBNAIL_SCALE, 96 // max(height, width, 1)))
        self.setIconSize(QSize(width * scale, height * scale))
        self.setGridSize(QSize(width * scale + 28, height * scale + 2 * self.fontMetrics().lineSpacing() + 10))

    def show_images(self, evaluation: Evaluation, indices: np.ndarray) -> None:
        """Show ``evaluation``'s test images at ``indices`` (dataset indices), in that order."""
        names = evaluation.class_names
        self.clear()
        for index in indices:
            true_class, predicted = int(evaluation.labels[index]), int(evaluation.predictions[index])
            probabilities = np.asarray(evaluation.probabilities[index], dtype=float)
            caption = (f"true {_short_name(names[true_class])} → {_short_name(names[predicted])} "
                       f"({probabilities[predicted]:.0%})")
            item = QListWidgetItem(QIcon(thumbnail(evaluation.images[index])), caption)
            item.setData(Qt.ItemDataRole.UserRole, int(index))
            best = np.argsort(-probabilities)[:3]
            item.setToolTip(f"Test image {int(index)}: true class {names[true_class]}, predicted "
                            f"{names[predicted]}.\nTop classes: "
                            + ", ".join(f"{names[k]} {probabilities[k]:.1%}" for k in best)
                            + "\nClick to load it into the canvas.")
            self.addItem(item)

    def captions(self) -> list[str]:
        """The captions, in order."""
        return [self.item(row).text() for row in range(self.count())]
