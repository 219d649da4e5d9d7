"""Dataset ▸ Image folder…: a folder of the person's own pictures becomes the training dataset.

The folder (one sub-folder of pictures per class) is read on a thread of its own, never on the
interface thread, at the Model panel's input shape (:func:`cnnviz.core.datasets.read_image_folder`:
pictures scaled to fit preserving aspect ratio, then centred on black padding; decoded images are
cached, so training reads them back at once). When it has been read it becomes the Model panel's
dataset, and its class names (the sub-folders' names) name the classes in the canvas, the viewers,
evaluation and the gallery. A folder that cannot be used (fewer than two classes, a class without a
readable picture) is refused with the reason; files that cannot be read are listed and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QFileDialog

from cnnviz.core.training_data import output_units

if TYPE_CHECKING:
    from cnnviz.ui.main_window import MainWindow


@dataclass(frozen=True)
class FolderSummary:
    """What a read image folder holds, handed from the reading thread to the window."""

    path: str
    class_names: tuple[str, ...]
    counts: tuple[int, ...]
    unreadable: tuple[tuple[str, str], ...]
    image_shape: tuple[int, int, int]
    from_cache: bool


class FolderReader(QThread):
    """Reads one image folder off the interface thread; says what it found or why it could not."""

    sig_folder_read = Signal(object)
    """A :class:`FolderSummary`."""
    sig_folder_failed = Signal(str, str)
    """The folder and the reason it cannot be a dataset."""

    def __init__(self, path: str, image_shape: tuple[int, int, int], parent: QObject | None = None):
        super().__init__(parent)
        self._path, self._image_shape = path, image_shape

    def run(self) -> None:  # noqa: D102 - QThread's entry point
        from cnnviz.core.datasets import read_image_folder

        try:
            folder = read_image_folder(self._path, self._image_shape)
        except (ValueError, OSError) as error:
            self.sig_folder_failed.emit(self._path, str(error))
            return
        self.sig_folder_read.emit(FolderSummary(
            self._path, folder.class_names, tuple(folder.class_counts()), folder.unreadable, folder.image_shape,
            folder.from_cache))


def describe(summary: FolderSummary) -> str:
    """One paragraph about a read folder: classes, pictures, the shape and rule, what was skipped."""
    from cnnviz.core.datasets import RESIZE_RULE

    height, width, channels = summary.image_shape
    classes = ", ".join(f"{name} ({count})" for name, count in zip(summary.class_names, summary.counts))
    text = (f"{len(summary.class_names)} classes, {sum(summary.counts):,} pictures: {classes}. Read at "
            f"{height}x{width} {'grey' if channels == 1 else 'RGB'} (the model's input shape), {RESIZE_RULE}.")
    if summary.unreadable:
        text += f" {len(summary.unreadable)} file(s) could not be read and are skipped."
    return text


class ImageFolderChooser(QObject):
    """The window's image folders: choosing one, reading it, and the class names of those read."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        self._reader: FolderReader | None = None
        self._class_names: dict[str, tuple[str, ...]] = {}
        self.last_summary: FolderSummary | None = None

    def choose(self) -> None:
        """Ask for a folder, then read it."""
        path = QFileDialog.getExistingDirectory(
            self._window, "Choose an image folder (one sub-folder of pictures per class)")
        if path:
            self.read(path)

    def read(self, path: str) -> None:
        """Read ``path`` at the Model panel's input shape on a thread of its own."""
        from cnnviz.imaging import install_image_decoder

        if self.busy():
            self._window.statusBar().showMessage("An image folder is still being read; wait for it first.", 5000)
            return
        install_image_decoder()
        shape = tuple(self._window.config_panel.config().input_shape)
        reader = FolderReader(path, (int(shape[0]), int(shape[1]), int(shape[2])), self)
        reader.sig_folder_read.connect(self._on_folder_read)
        reader.sig_folder_failed.connect(self._on_folder_failed)
        self._reader = reader  # kept until it has finished
        self._window.statusBar().showMessage(f"Reading image folder {path} …")
        reader.start()

    def busy(self) -> bool:
        """Whether a folder is being read."""
        return self._reader is not None and self._reader.isRunning()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Wait for a folder being read (the window waits before it closes)."""
        return self._reader.wait(timeout_ms) if self._reader is not None else True

    def class_names(self, dataset: str) -> tuple[str, ...] | None:
        """The class names of the image folder ``dataset``, when it was read here."""
        return self._class_names.get(dataset)

    def _on_folder_read(self, summary: FolderSummary) -> None:
        self.last_summary = summary
        self._class_names[summary.path] = summary.class_names
        panel = self._window.config_panel
        config = panel.config()
        panel.set_config(replace(config, training=replace(config.training, dataset=summary.path)))
        combo = panel.dataset_combo
        index = combo.findData(summary.path)
        if index >= 0:
            combo.setItemText(index, f"folder: {summary.path}")
            combo.setItemData(index, describe(summary), Qt.ToolTipRole)
        message = f"Image folder {summary.path}: {describe(summary)}"
        units = output_units(config)
        if units is not None and units != len(summary.class_names):
            message += (f" The output layer has {units} units: set it to {len(summary.class_names)} "
                        "to train on this folder.")
        self._window.statusBar().showMessage(message, 30_000)

    def _on_folder_failed(self, path: str, message: str) -> None:
        self._window.show_error("Cannot use this image folder", message)
