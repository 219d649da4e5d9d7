"""Tests of the image gallery: thumbnails of the images' own size and colour, captions that say the verdict."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize

from cnnviz.science.evaluation import evaluate
from cnnviz.ui.evaluation.image_gallery import THUMBNAIL_SCALE, ImageGallery, thumbnail
from tests.ui.evaluation.helpers import FixedEngine


def colour_evaluation():
    """Four 20×12 colour images of three shapes; the last two predicted wrongly."""
    images = np.zeros((4, 20, 12, 3), np.float32)
    images[:, 5:15, 3:9, 0] = 1.0  # red ink
    probabilities = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.3, 0.6, 0.1], [0.05, 0.05, 0.9]], np.float32)
    labels = np.array([0, 1, 2, 1])
    return evaluate(FixedEngine(probabilities), images, labels, "shapes", ("square", "triangle", "circle"))


def test_thumbnails_keep_the_images_size_and_their_colour(qtbot):
    evaluation = colour_evaluation()
    gallery = ImageGallery()
    qtbot.addWidget(gallery)
    gallery.set_image_size((20, 12))
    assert gallery.iconSize() == QSize(12 * THUMBNAIL_SCALE, 20 * THUMBNAIL_SCALE)
    pixmap = thumbnail(evaluation.images[0])
    assert (pixmap.width(), pixmap.height()) == (12 * THUMBNAIL_SCALE, 20 * THUMBNAIL_SCALE)
    ink = pixmap.toImage().pixelColor(6 * THUMBNAIL_SCALE, 10 * THUMBNAIL_SCALE)
    assert (ink.red(), ink.green(), ink.blue()) == (255, 0, 0)
    background = pixmap.toImage().pixelColor(0, 0)
    assert (background.red(), background.green(), background.blue()) == (0, 0, 0)


def test_captions_and_tooltips_give_the_verdict(qtbot):
    evaluation = colour_evaluation()
    gallery = ImageGallery()
    qtbot.addWidget(gallery)
    gallery.show_images(evaluation, evaluation.misclassified())  # the most confident mistake first
    assert gallery.captions() == ["true triangle → circle (90%)", "true circle → triangle (60%)"]
    assert gallery.item(0).toolTip().startswith("Test image 3: true class triangle, predicted circle.")
