"""Opening a picture file for the input panel: the file dialog, and reading with a clear error."""

from __future__ import annotations

import os

from PySide6.QtGui import QImage, QImageReader
from PySide6.QtWidgets import QFileDialog, QWidget

__all__ = ["ask_for_image_file", "read_image", "ImageFileError"]


class ImageFileError(ValueError):
    """A picture file could not be read; the message names the file and says why."""


def ask_for_image_file(parent: QWidget, directory: str) -> str:
    """Ask for a picture file in a file dialog opened at ``directory``; "" when cancelled."""
    patterns = " ".join(sorted(f"*.{bytes(item).decode()}"
                               for item in QImageReader.supportedImageFormats()))
    path, _ = QFileDialog.getOpenFileName(
        parent, "Open image", directory,
        f"Images ({patterns});;All files (*)",
    )
    return path


def read_image(path: str) -> QImage:
    """Read a picture in any format Qt reads, turned upright as its EXIF orientation says.

    Raises
    ------
    ImageFileError
        If there is no such file or it is not a picture Qt can read; the message names the
        file, says why and lists the formats that can be read.
    """
    name = os.path.basename(str(path)) or str(path)
    if not os.path.isfile(path):
        raise ImageFileError(f"Could not open {name}: no such file ({path}).")
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # photos: honour the EXIF orientation
    image = reader.read()
    if image.isNull():
        formats = ", ".join(sorted({bytes(item).decode().upper()
                                    for item in QImageReader.supportedImageFormats()}))
        raise ImageFileError(
            f"Could not open {name}: {reader.errorString()}. Expected a picture in one "
            f"of these formats: {formats}."
        )
    return image
