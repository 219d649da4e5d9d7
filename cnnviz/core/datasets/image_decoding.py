"""Which function turns a picture file into pixels for image-folder datasets.

``core`` imports no Qt, so it cannot decode PNG, JPEG, WebP … itself. The program's start-up
(the command line, the window) registers a decoder, :func:`cnnviz.imaging.install_image_decoder`
registers Qt's bounded reader, and :mod:`.image_folder` asks for it here. A decoder is a function
``decode(path, fit_within) -> pixels``:

path : pathlib.Path
    The picture file.
fit_within : (int, int)
    A ``(height, width)`` the decoder may shrink the picture to fit inside (aspect ratio kept)
    while decoding, to save time and memory; it never enlarges. The exact resize is done here,
    by :func:`~cnnviz.core.datasets.image_fitting.fit_picture`.
pixels : numpy.ndarray
    ``(h, w)`` grey, ``(h, w, 3)`` RGB or ``(h, w, 4)`` RGBA ``uint8``.

It raises ``ValueError`` or ``OSError`` (with a message naming the reason) for a file it cannot
read; the folder reader lists that file as unreadable and goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from cnnviz.core.datasets.dataset import DatasetUnavailableError

ImageDecoder = Callable[[Path, tuple[int, int]], np.ndarray]

_decoder: list[ImageDecoder] = []


def register_image_decoder(decoder: ImageDecoder | None) -> None:
    """Make ``decoder`` the one image folders are read with (None: none)."""
    _decoder.clear()
    if decoder is not None:
        _decoder.append(decoder)


def image_decoder() -> ImageDecoder:
    """The registered decoder.

    Raises
    ------
    DatasetUnavailableError
        When none is registered (a program that reads image folders registers one at start-up).
    """
    if not _decoder:
        raise DatasetUnavailableError(
            "No image decoder is installed, so image folders cannot be read here. Image files are decoded with "
            "Qt: call cnnviz.imaging.install_image_decoder() first (the cnnviz command and window do).")
    return _decoder[0]
