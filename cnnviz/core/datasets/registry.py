"""The datasets cnnviz knows: their names, splits, image shapes, class names and descriptions.

Built-in datasets are named here; any other name is read as the path of an image folder (one
sub-folder per class, :mod:`.image_folder`), whose shape is the one asked for and whose class
names are its sub-folders' names.

Images are ``uint8`` (grey ``(n, H, W)``, colour ``(n, H, W, 3)``) with ``uint8`` labels that
index the dataset's class names; :data:`INPUT_SHAPES` gives each built-in dataset's
``(height, width, channels)`` as a model takes it.
"""

from __future__ import annotations

from cnnviz.core.datasets.shapes import SHAPE_CLASSES

DATASET_NAMES: tuple[str, ...] = ("mnist-sample", "mnist", "fashion-mnist", "shapes", "shapes-colour", "cifar10")
SPLITS: tuple[str, ...] = ("train", "test")
MNIST_IMAGE_SHAPE = (28, 28)
"""Height and width of the MNIST-like datasets (the four grey ones)."""

MNIST_CLASSES: tuple[str, ...] = tuple(str(digit) for digit in range(10))
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
CIFAR10_CLASSES: tuple[str, ...] = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "mnist-sample": MNIST_CLASSES,
    "mnist": MNIST_CLASSES,
    "fashion-mnist": FASHION_MNIST_CLASSES,
    "shapes": SHAPE_CLASSES,
    "shapes-colour": SHAPE_CLASSES,
    "cifar10": CIFAR10_CLASSES,
}
INPUT_SHAPES: dict[str, tuple[int, int, int]] = {
    "mnist-sample": (28, 28, 1),
    "mnist": (28, 28, 1),
    "fashion-mnist": (28, 28, 1),
    "shapes": (28, 28, 1),
    "shapes-colour": (32, 32, 3),
    "cifar10": (32, 32, 3),
}
"""``(height, width, channels)`` of each built-in dataset's images as a model takes them."""
RESHAPEABLE: frozenset[str] = frozenset({"shapes-colour"})
"""Built-in datasets made at whatever shape is asked for (image folders are, too)."""
DESCRIPTIONS: dict[str, str] = {
    "mnist-sample": "10,000 real MNIST digits bundled with cnnviz (8,000 train / 2,000 test)",
    "mnist": "full MNIST handwritten digits (60,000 train / 10,000 test)",
    "fashion-mnist": "Zalando's Fashion-MNIST clothing, 10 classes (60,000 train / 10,000 test)",
    "shapes": "generated squares, triangles and circles (8,000 train / 2,000 test by default)",
    "shapes-colour": "generated coloured squares, triangles and circles on coloured, striped, graded or "
                     "noisy backgrounds, 32x32 RGB unless asked otherwise (8,000 train / 2,000 test)",
    "cifar10": "CIFAR-10 colour photos, 32x32 RGB, 10 classes (50,000 train / 10,000 test)",
}


def is_image_folder_name(name: str) -> bool:
    """Whether ``name`` names an image folder (any name that is not a built-in dataset's)."""
    return name not in DATASET_NAMES


def dataset_label(name: str) -> str:
    """A short name for ``name`` fit for a file name: a built-in name as it is, an image folder as
    ``folder-<its last path part>`` with only letters, digits, ``-`` and ``_`` kept."""
    if not is_image_folder_name(name):
        return name
    last = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    kept = "".join(character if character.isalnum() or character in "-_" else "-" for character in last).strip("-")
    return f"folder-{kept[:40] or 'images'}"
