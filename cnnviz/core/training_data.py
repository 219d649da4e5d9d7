"""The arrays a training run needs, prepared from a :class:`TrainingConfig`.

Images become NHWC float32 in [0, 1]; labels become int64 class indices. The
training subset is the first ``train_subset`` training images; the validation set
is the last ``validation_split`` fraction of that subset (as Keras's
``validation_split`` takes it), so it never overlaps the images trained on. The
test split is kept apart for the final evaluation. The images keep the dataset's own shape until
:meth:`TrainingData.fitted` fits them to a model's input shape (size and colours, see
:func:`cnnviz.core.preprocessing.fit_batch`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from cnnviz.core.config import TrainingConfig
from cnnviz.core.datasets import load_dataset
from cnnviz.core.preprocessing import fit_batch, preprocess_batch


@dataclass(frozen=True, eq=False)
class TrainingData:
    """Prepared arrays: images ``(n, H, W, C)`` float32 in ``[0, 1]``, labels ``(n,)`` int64.

    ``conversion`` says how the dataset's images were fitted to a model's input (``""`` when they
    were not, see :meth:`fitted`).
    """

    dataset: str
    source: str
    class_names: tuple[str, ...]
    train_images: np.ndarray
    train_labels: np.ndarray
    val_images: np.ndarray
    val_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    conversion: str = ""

    @property
    def input_shape(self) -> tuple[int, ...]:
        """``(H, W, C)`` of the images."""
        return tuple(self.train_images.shape[1:])

    def fitted(self, input_shape: tuple[int, ...]) -> TrainingData:
        """These arrays with every image fitted to ``input_shape`` (this object when they already are):
        scaled keeping the aspect ratio, centred on black, grey repeated for colour models, colour
        turned to luminance for grey ones; :attr:`conversion` says what was done.

        Raises
        ------
        ValueError
            If ``input_shape`` is not ``(height, width, 1 or 3)``.
        """
        if self.input_shape == tuple(input_shape):
            return self
        train_images, conversion = fit_batch(self.train_images, input_shape)
        val_images, _ = fit_batch(self.val_images, input_shape)
        test_images, _ = fit_batch(self.test_images, input_shape)
        return replace(self, train_images=train_images, val_images=val_images, test_images=test_images,
                       conversion=conversion)

    @property
    def validation(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(images, labels)`` of the validation set, or None when it is empty."""
        return (self.val_images, self.val_labels) if len(self.val_labels) else None


def prepare_training_data(training: TrainingConfig, data_dir: str | None = None,
                          allow_download: bool = False) -> TrainingData:
    """Load and split the dataset named in ``training``.

    Raises
    ------
    ValueError
        When the dataset is unavailable (the message says what was tried), or when the
        subset and split leave no training image.
    """
    train = load_dataset(training.dataset, "train", data_dir=data_dir, seed=training.seed,
                         allow_download=allow_download)
    test = load_dataset(training.dataset, "test", data_dir=data_dir, seed=training.seed,
                        allow_download=allow_download)
    count = len(train) if training.train_subset is None else min(training.train_subset, len(train))
    images = preprocess_batch(train.images[:count])
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
        test_images=preprocess_batch(test.images), test_labels=test.labels.astype(np.int64),
    )
