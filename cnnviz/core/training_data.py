"""The arrays a training run needs, prepared from a :class:`TrainingConfig`.

Images become NHWC float32 in [0, 1] (``(n, H, W, C)``, whatever the dataset's shape); labels become
int64 class indices. The training subset is the first ``train_subset`` training images; the
validation set is the last ``validation_split`` fraction of that subset (as Keras's
``validation_split`` takes it), so it never overlaps the images trained on. The test split is kept
apart for the final evaluation.

Given the model's input shape, a dataset made at any shape (image folders, colour shapes) is made at
it, and a dataset of one fixed shape (MNIST, CIFAR-10 ...) is fitted to it by :meth:`TrainingData.fitted`
(size kept in aspect, grey and colour converted, see :func:`cnnviz.core.preprocessing.fit_batch`), which
says what it converted. Only what cannot be fitted is refused: a number of classes that is not the
model's number of output units (:func:`check_dataset_fits`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from cnnviz.core.config import Dense, ModelConfig, TrainingConfig
from cnnviz.core.datasets import INPUT_SHAPES, Dataset, is_image_folder_name, load_dataset
from cnnviz.core.datasets.registry import RESHAPEABLE
from cnnviz.core.preprocessing import fit_batch
from cnnviz.core.preprocessing.model_input import conversion_between


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


def _shape_words(shape: tuple[int, int, int]) -> str:
    return f"{shape[0]}×{shape[1]} {'grey' if shape[2] == 1 else 'colour'}"


def fitting_note(dataset: str, input_shape: tuple[int, int, int]) -> str:
    """How ``dataset``'s images will reach a model of ``input_shape``, in a sentence; ``""`` when they
    already have that shape.

    Datasets made at any shape (image folders, colour shapes) are made at the input's shape; a dataset
    of one fixed shape is fitted to it (:meth:`TrainingData.fitted`), and the sentence names the input
    shape that would take its images unchanged.
    """
    height, width, channels = (int(size) for size in input_shape)
    shape = (height, width, channels)
    if is_image_folder_name(dataset) or dataset in RESHAPEABLE:
        kind = "The folder's pictures are" if is_image_folder_name(dataset) else f"{dataset} images are"
        return f"{kind} made at the input's shape ({_shape_words(shape)})."
    source = INPUT_SHAPES.get(dataset)
    if source is None or source == shape:
        return ""
    changes = []
    if source[:2] != shape[:2]:
        changes.append(f"fitted to {shape[0]}×{shape[1]} (scaled keeping their aspect, centred on black)")
    colour = conversion_between(source[2], shape[2])
    if colour:
        changes.append(colour)
    return (f"{dataset}'s {_shape_words(source)} images will be {' and '.join(changes)}; "
            f"an input of {source[0]}×{source[1]}×{source[2]} takes them unchanged.")


def output_units(config: ModelConfig) -> int | None:
    """The model's number of output units (its last dense layer's), None when it ends otherwise."""
    last = config.layers[-1] if config.layers else None
    return last.units if isinstance(last, Dense) else None


def check_classes_fit(name: str, class_names: Sequence[str], num_outputs: int | None) -> None:
    """Refuse dataset ``name`` of ``class_names`` for a model of ``num_outputs`` output units (None: any),
    saying what to set.

    Raises
    ------
    ValueError
        When the number of classes is not the number of output units.
    """
    if num_outputs is not None and num_outputs != len(class_names):
        raise ValueError(
            f"The model's output layer has {num_outputs} units but dataset {name!r} has {len(class_names)} "
            f"classes ({', '.join(class_names)}). Set the last dense layer's units to {len(class_names)}.")


def check_dataset_fits(dataset: Dataset, num_outputs: int | None = None) -> None:
    """Refuse a dataset whose classes do not fit the model, saying what to set.

    Images of any shape fit (they are made at or fitted to the model's input shape); the number of
    classes cannot be fitted.

    Raises
    ------
    ValueError
        When the dataset's number of classes is not the model's number of output units.
    """
    check_classes_fit(dataset.name, dataset.class_names, num_outputs)


def prepare_training_data(training: TrainingConfig, data_dir: str | None = None,
                          allow_download: bool = False, *, input_shape: tuple[int, int, int] | None = None,
                          num_outputs: int | None = None) -> TrainingData:
    """Load and split the dataset named in ``training``, at the model's input shape when given.

    Parameters
    ----------
    training : TrainingConfig
    data_dir : str, optional
        Where MNIST, Fashion-MNIST or CIFAR-10 files are (see :func:`cnnviz.core.datasets.load_dataset`).
    allow_download : bool, default False
    input_shape : (int, int, int), optional
        The model's input shape: datasets made at any shape (image folders, colour shapes) are made at
        it, any other is fitted to it (:meth:`TrainingData.fitted`, which reports the conversion).
        Without it the images keep the dataset's own shape.
    num_outputs : int, optional
        The model's output units, which must be the dataset's number of classes.

    Raises
    ------
    ValueError
        When the dataset is unavailable (the message says what was tried), its classes do not fit
        the model (:func:`check_dataset_fits`), ``input_shape`` is not ``(H, W, 1 or 3)``, or the
        subset and split leave no training image.
    """
    train = load_dataset(training.dataset, "train", data_dir=data_dir, seed=training.seed,
                         allow_download=allow_download, image_shape=input_shape)
    check_dataset_fits(train, num_outputs)
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
    data = TrainingData(
        dataset=training.dataset, source=train.source, class_names=train.class_names,
        train_images=images[:split], train_labels=labels[:split],
        val_images=images[split:], val_labels=labels[split:],
        test_images=test.inputs(), test_labels=test.labels.astype(np.int64),
    )
    return data if input_shape is None else data.fitted(input_shape)
