"""Pictures in and out of Qt: QImage to NumPy arrays, and reading image files with a clear error.

The reader and the conversions live in :mod:`cnnviz.imaging.reading` (Qt's GUI module only), so that
the command line and the model service read pictures the same bounded way; they are the
interface's names for them.
"""

from __future__ import annotations

from cnnviz.imaging.reading import (
    IMAGE_ALLOCATION_LIMIT_MB,
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    ImageFileError,
    gray_array,
    qimage_to_array,
    read_image_file,
    read_qimage,
)

__all__ = ["IMAGE_ALLOCATION_LIMIT_MB", "MAX_IMAGE_PIXELS", "MAX_IMAGE_SIDE", "ImageFileError", "gray_array",
           "qimage_to_array", "read_image_file", "read_qimage"]
