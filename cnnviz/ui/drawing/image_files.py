"""Opening a picture file for the input panel: the file dialog, and reading with a clear error."""

from __future__ import annotations

from PySide6.QtGui import QImage, QImageReader
from PySide6.QtWidgets import QFileDialog, QWidget

from cnnviz.ui.images import ImageFileError, read_qimage

__all__ = ["ask_for_image_file", "read_image", "ImageFileError"]


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

    Its declared size is checked before it is decoded (see :func:`cnnviz.ui.images.read_qimage`).

    Raises
    ------
    ImageFileError
        If there is no such file, it declares an absurdly large picture, or it is not a picture
        Qt can read; the message names the file, says why and lists the formats that can be read.
    """
    return read_qimage(path)
