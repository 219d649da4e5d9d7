"""The datasets cnnviz knows: their names, splits, image size, class names and descriptions.

Every dataset is 28 x 28 ``uint8`` grey images (light on dark) with ``uint8`` labels that index
the dataset's class names.
"""

from __future__ import annotations

from cnnviz.core.datasets.shapes import SHAPE_CLASSES

DATASET_NAMES: tuple[str, ...] = ("mnist-sample", "mnist", "fashion-mnist", "shapes")
SPLITS: tuple[str, ...] = ("train", "test")
IMAGE_SHAPE = (28, 28)

MNIST_CLASSES: tuple[str, ...] = tuple(str(digit) for digit in range(10))
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "mnist-sample": MNIST_CLASSES,
    "mnist": MNIST_CLASSES,
    "fashion-mnist": FASHION_MNIST_CLASSES,
    "shapes": SHAPE_CLASSES,
}
DESCRIPTIONS: dict[str, str] = {
    "mnist-sample": "10,000 real MNIST digits bundled with cnnviz (8,000 train / 2,000 test)",
    "mnist": "full MNIST handwritten digits (60,000 train / 10,000 test)",
    "fashion-mnist": "Zalando's Fashion-MNIST clothing, 10 classes (60,000 train / 10,000 test)",
    "shapes": "generated squares, triangles and circles (8,000 train / 2,000 test by default)",
}
