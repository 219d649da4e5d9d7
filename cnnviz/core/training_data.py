"""The arrays a training run needs, prepared from a :class:`TrainingConfig`.

Images become NHWC float32 in [0, 1] (``(n, H, W, C)``, whatever the dataset's shape); labels
become int64 class indices. Given the model's input shape and output units, the dataset is made at
that shape where it can be (image folders, colour shapes) and a dataset that does not fit the
model is refused with a message saying what to set. The
training subset is the first ``train_subset`` training images; the validation set
is the last ``validation_split`` fraction of that subset (as Keras's
``validation_split`` takes it), so it never overlaps the images trained on. The
test split is kept apart for the final evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnviz.core.config import Dense, ModelConfig, TrainingConfig
from cnnviz.core.datasets import Dataset, load_dataset


@dataclass(frozen=True, eq=False)
class TrainingData:
    """Prepared arrays: images ``(n, H, W, C)`` float32, labels ``(n,)`` int64."""

    dataset: str
    source: str
    class_names: tuple[str, ...]
    train_images: np.ndarray
    train_labels: np.ndarray
    val_images: np.ndarray
    val_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    @property
    def validation(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(images, labels)`` of the validation set, or None when it is empty."""
        return (self.val_images, self.val_labels) if len(self.val_labels) else None


def output_units(config: ModelConfig) -> int | None:
    """The model's number of output units (its last dense layer's), None when it ends otherwise."""
    last = config.layers[-1] if config.layers else None
    return last.units if isinstance(last, Dense) else None


def check_dataset_fits(dataset: Dataset, input_shape: tuple[int, ...] | None = None,
                       num_outputs: int | None = None) -> None:
    """Refuse a dataset whose images or classes do not fit the model, saying what to set.

    Raises
    ------
    ValueError
        When the dataset's ``(H, W, C)`` is not the model's input shape, or its number of classes
        is not the model's number of output units.
    """
    name = dataset.name
    if input_shape is not None and tuple(input_shape) != dataset.image_shape:
        wanted = list(dataset.image_shape)
        raise ValueError(
            f"The model takes inputs of shape {list(input_shape)} but dataset {name!r} has images of shape "
            f"{wanted} (height, width, channels). Set \"input_shape\": {wanted} in the model's configuration "
            "(and check its layers still fit), or choose a dataset of that shape.")
    if num_outputs is not None and num_outputs != dataset.num_classes:
        raise ValueError(
            f"The model's output layer has {num_outputs} units but dataset {name!r} has {dataset.num_classes} "
            f"classes ({', '.join(dataset.class_names)}). Set the last dense layer's units to "
            f"{dataset.num_classes}.")


def prepare_training_data(training: TrainingConfig, data_dir: str | None = None,
                          allow_download: bool = False, *, input_shape: tuple[int, int, int] | None = None,
                          num_outputs: int | None = None) -> TrainingData:
    """Load and split the dataset named in ``training``.

    Parameters
    ----------
    training : TrainingConfig
    data_dir : str, optional
        Where MNIST, Fashion-MNIST or CIFAR-10 files are (see :func:`cnnviz.core.datasets.load_dataset`).
    allow_download : bool, default False
    input_shape : (int, int, int), optional
        The model's input shape: datasets made at any shape (image folders, colour shapes) are made at
        it, and any other dataset must have it.
    num_outputs : int, optional
        The model's output units, which must be the dataset's number of classes.

    Raises
    ------
    ValueError
        When the dataset is unavailable (the message says what was tried), does not fit the model
        (:func:`check_dataset_fits`), or when the subset and split leave no training image.
    """
    train = load_dataset(training.dataset, "train", data_dir=data_dir, seed=training.seed,
                         allow_download=allow_download, image_shape=input_shape)
    check_dataset_fits(train, input_shape, num_outputs)
    test = load_dataset(training.dataset, "test", data_dir=data_dir, seed=training.seed,
                        allow_download=allow_download, image_shape=input_shape)
    count = len(train) if training.train_subset is None else min(training.train_subset, len(train))
    images = train.inputs(0, count)
    labels = train.labels[:count].astype(np.int64)
    num_validation = int(round(count * training.validation_split))
    if count - num_validation <= 0:
        raise ValueError(f"A training subset of {count} images with validation_split "
                         f"{training.validation_split} leaves nothing to train on; use more images "
                         "or a smaller validation split.")
    split = count - num_validation
    return TrainingData(
        dataset=training.dataset, source=train.source, class_names=train.class_names,
        train_images=images[:split], train_labels=labels[:split],
        val_images=images[split:], val_labels=labels[split:],
        test_images=test.inputs(), test_labels=test.labels.astype(np.int64),
    )
