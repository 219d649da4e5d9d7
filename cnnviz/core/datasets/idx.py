"""Read and write IDX files, the container format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number, one big-endian ``uint32`` per dimension, then the
values in row-major order, big-endian::

    byte 0-1   0x00 0x00
    byte 2     type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
               0x0D float32, 0x0E float64
    byte 3     number of dimensions
    then       ndim x uint32 sizes, then prod(sizes) values

Files may be gzip-compressed (as distributed: ``train-images-idx3-ubyte.gz``); compression
is recognised by the gzip magic bytes ``1f 8b``, never by the file name. Every reader here
checks the header and the exact data length, and raises :class:`IdxFormatError` (a
``ValueError``) naming the file and the problem.
"""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PathLike = str | os.PathLike

GZIP_MAGIC = b"\x1f\x8b"
MAX_DIMENSIONS = 4

# IDX type code -> big-endian dtype of the values on disk.
IDX_TYPE_CODES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_KNOWN_CODES_TEXT = ", ".join(
    f"0x{code:02X} {dtype.name}" for code, dtype in IDX_TYPE_CODES.items()
)


class IdxFormatError(ValueError):
    """A file is not a well-formed IDX file (or IDX pair) of the expected kind."""


@dataclass(frozen=True)
class IdxHeader:
    """What an IDX header declares.

    Attributes
    ----------
    dtype : numpy.dtype
        Native-byte-order dtype of the values (``uint8`` for MNIST).
    shape : tuple of int
        Array shape, e.g. ``(60000, 28, 28)`` for MNIST training images.
    compressed : bool
        Whether the file is gzip-compressed.
    """

    dtype: np.dtype
    shape: tuple[int, ...]
    compressed: bool

    @property
    def header_size(self) -> int:
        """Number of header bytes: 4 for the magic number plus 4 per dimension."""
        return 4 + 4 * len(self.shape)

    @property
    def data_size(self) -> int:
        """Number of data bytes the header promises."""
        return int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as stream:
        return stream.read(2) == GZIP_MAGIC


def _read_bytes(path: Path, limit: int | None = None) -> tuple[bytes, bool]:
    """Return (decompressed bytes, compressed?), at most ``limit`` bytes if given."""
    compressed = _is_gzip(path)
    if not compressed:
        with open(path, "rb") as stream:
            return (stream.read() if limit is None else stream.read(limit)), False
    try:
        with gzip.open(path, "rb") as stream:
            return (stream.read() if limit is None else stream.read(limit)), True
    except (EOFError, OSError, zlib.error) as error:
        raise IdxFormatError(
            f"{path.name}: the gzip stream is damaged or cut short ({error}); "
            "download the file again or decompress it with gunzip to see what is wrong"
        ) from error


def _parse_header(data: bytes, path: Path, compressed: bool) -> IdxHeader:
    name = path.name
    if len(data) == 0:
        raise IdxFormatError(
            f"{name}: the file is empty (0 bytes); expected an IDX file starting with the "
            "magic number 00 00 <type> <ndim>. Download or copy the file again."
        )
    if len(data) < 4:
        raise IdxFormatError(
            f"{name}: only {len(data)} bytes, too short for the 4-byte IDX magic number; "
            "the file is truncated."
        )
    magic = data[:4]
    if magic[0] != 0 or magic[1] != 0:
        raise IdxFormatError(
            f"{name}: bad magic number {magic.hex(' ')}: an IDX file starts with two zero "
            "bytes (00 00 <type> <ndim>). This is not an IDX file; expected MNIST-style files "
            "such as train-images-idx3-ubyte or train-images-idx3-ubyte.gz."
        )
    type_code, ndim = magic[2], magic[3]
    if type_code not in IDX_TYPE_CODES:
        raise IdxFormatError(
            f"{name}: unknown IDX type code 0x{type_code:02X} in magic number {magic.hex(' ')}; "
            f"expected one of {_KNOWN_CODES_TEXT}."
        )
    if not 1 <= ndim <= MAX_DIMENSIONS:
        raise IdxFormatError(
            f"{name}: the header declares {ndim} dimensions; expected 1 to {MAX_DIMENSIONS} "
            "(1 for labels, 3 for images)."
        )
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise IdxFormatError(
            f"{name}: truncated header: expected {header_size} bytes for {ndim} dimension "
            f"sizes, got {len(data)}."
        )
    shape = tuple(int(size) for size in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    return IdxHeader(IDX_TYPE_CODES[type_code].newbyteorder("="), shape, compressed)


def read_idx_header(path: PathLike) -> IdxHeader:
    """Read only the header of an IDX file (cheap, even for a large gzip file).

    Parameters
    ----------
    path : str or os.PathLike
        Plain or gzip-compressed IDX file.

    Returns
    -------
    IdxHeader
        Declared dtype and shape. The data length is not checked; :func:`read_idx` does.

    Raises
    ------
    IdxFormatError
        If the magic number or the dimension sizes are malformed.
    """
    path = Path(path)
    data, compressed = _read_bytes(path, limit=4 + 4 * MAX_DIMENSIONS)
    return _parse_header(data, path, compressed)


def read_idx(path: PathLike) -> np.ndarray:
    """Read a whole IDX file into an array.

    Parameters
    ----------
    path : str or os.PathLike
        Plain or gzip-compressed IDX file (detected by content, not by name).

    Returns
    -------
    numpy.ndarray
        Array of the declared shape, e.g. ``(60000, 28, 28)`` ``uint8`` for MNIST training
        images or ``(60000,)`` ``uint8`` for their labels, in native byte order.

    Raises
    ------
    IdxFormatError
        If the file is empty, has a bad magic number or type code, or holds fewer or more
        data bytes than its header declares.
    FileNotFoundError
        If ``path`` does not exist.
    """
    path = Path(path)
    data, compressed = _read_bytes(path)
    header = _parse_header(data, path, compressed)
    expected = header.data_size
    received = len(data) - header.header_size
    if received != expected:
        problem = "truncated" if received < expected else "trailing bytes after the data"
        raise IdxFormatError(
            f"{path.name}: {problem}: the header declares shape {header.shape} of "
            f"{header.dtype.name}, so expected {expected} data bytes, got {received}. "
            "The file is damaged or is not the file its header describes; fetch it again."
        )
    on_disk = header.dtype.newbyteorder(">") if header.dtype.itemsize > 1 else header.dtype
    values = np.frombuffer(data, dtype=on_disk, offset=header.header_size)
    # astype copies into a writable, native-byte-order array.
    return values.astype(header.dtype).reshape(header.shape)


def read_idx_pair(images_path: PathLike, labels_path: PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read matching image and label IDX files, e.g. MNIST's training pair.

    Parameters
    ----------
    images_path : str or os.PathLike
        IDX file of ``uint8`` images, shape ``(n, height, width)``.
    labels_path : str or os.PathLike
        IDX file of ``uint8`` labels, shape ``(n,)``.

    Returns
    -------
    images : numpy.ndarray
        ``(n, height, width)`` ``uint8``.
    labels : numpy.ndarray
        ``(n,)`` ``uint8``.

    Raises
    ------
    IdxFormatError
        If either file is malformed, has the wrong rank or dtype, or the counts differ.
    """
    images_path, labels_path = Path(images_path), Path(labels_path)
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise IdxFormatError(
            f"{images_path.name}: expected 3-D uint8 images (n, height, width), got shape "
            f"{images.shape} of {images.dtype}; is this a labels file passed as images?"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise IdxFormatError(
            f"{labels_path.name}: expected 1-D uint8 labels (n,), got shape {labels.shape} "
            f"of {labels.dtype}; is this an images file passed as labels?"
        )
    if len(images) != len(labels):
        raise IdxFormatError(
            f"image/label count mismatch: {images_path.name} holds {len(images)} images but "
            f"{labels_path.name} holds {len(labels)} labels; use the images and labels files "
            "of the same split (train-* with train-*, t10k-* with t10k-*)."
        )
    return images, labels


def write_idx(path: PathLike, array: np.ndarray, *, compress: bool | None = None) -> None:
    """Write an array as an IDX file.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    array : numpy.ndarray
        1- to 4-dimensional array of uint8, int8, int16, int32, float32 or float64.
    compress : bool, optional
        Gzip the file. By default, compress when ``path`` ends in ``.gz``.

    Raises
    ------
    ValueError
        If the array's dtype or rank cannot be stored in IDX.
    """
    path = Path(path)
    array = np.asarray(array)
    code = next(
        (code for code, dtype in IDX_TYPE_CODES.items()
         if dtype.newbyteorder("=") == array.dtype.newbyteorder("=")),
        None,
    )
    if code is None:
        raise ValueError(
            f"write_idx: cannot store dtype {array.dtype} in IDX; expected one of "
            f"{_KNOWN_CODES_TEXT}. Convert first, e.g. array.astype(np.uint8)."
        )
    if not 1 <= array.ndim <= MAX_DIMENSIONS:
        raise ValueError(
            f"write_idx: got a {array.ndim}-D array of shape {array.shape}; expected 1 to "
            f"{MAX_DIMENSIONS} dimensions."
        )
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + np.ascontiguousarray(array, dtype=IDX_TYPE_CODES[code]).tobytes()
    if compress is None:
        compress = path.suffix == ".gz"
    if compress:
        payload = gzip.compress(payload, mtime=0)
    path.write_bytes(payload)
