"""Pictures decoded by Qt's image reader, for every part of cnnviz that reads picture files.

This package uses only ``PySide6.QtGui`` (no widgets, no application object, no window), which is
what lets the command line and the model service read pictures too. :mod:`.reading` holds the
bounded reader; :func:`install_image_decoder` makes it the decoder :mod:`cnnviz.core.datasets`
reads image folders with (``core`` itself imports no Qt). Importing this package loads no Qt:
the reader is imported when the first picture is decoded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def decode_picture(path: Path, fit_within: tuple[int, int]) -> np.ndarray:
    """A picture file as ``(h, w)`` grey, ``(h, w, 3)`` RGB or ``(h, w, 4)`` RGBA uint8, shrunk to
    fit ``fit_within`` (height, width) while decoding when larger.

    Raises
    ------
    ValueError
        Saying in a few words why the file could not be read (the caller names the file).
    """
    from cnnviz.imaging.reading import ImageFileError, read_image_file

    try:
        return read_image_file(path, fit_within)
    except ImageFileError as error:
        raise ValueError(error.reason) from None


def install_image_decoder() -> None:
    """Make Qt's bounded reader the decoder of image-folder datasets (cheap: loads no Qt yet)."""
    from cnnviz.core.datasets.image_decoding import register_image_decoder

    register_image_decoder(decode_picture)


__all__ = ["decode_picture", "install_image_decoder"]
