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
import io
import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PathLike = str | os.PathLike

GZIP_MAGIC = b"\x1f\x8b"
MAX_DIMENSIONS = 4
MAX_IDX_DATA_BYTES = 256 * 2**20
"""The most data bytes cnnviz reads from one IDX file: 256 MiB, over five times MNIST's 47 MB
training images. A header declaring more is refused before any data is read."""
_CHUNK_BYTES = 2**20

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
        """Number of data bytes the header promises (a Python integer: never overflows)."""
        return math.prod(self.shape) * self.dtype.itemsize


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as stream:
        return stream.read(2) == GZIP_MAGIC


def _damaged_gzip(path: Path, error: BaseException) -> IdxFormatError:
    return IdxFormatError(
        f"{path.name}: the gzip stream is damaged or cut short ({error}); "
        "download the file again or decompress it with gunzip to see what is wrong"
    )


def _open_stream(path: Path) -> tuple[io.BufferedIOBase, bool]:
    """The file's (decompressed) byte stream, and whether it is gzip-compressed."""
    compressed = _is_gzip(path)
    return (gzip.open(path, "rb") if compressed else open(path, "rb")), compressed


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


def _read_header_from(stream: io.BufferedIOBase, path: Path, compressed: bool) -> IdxHeader:
    """Read exactly the header from ``stream`` (magic number, then one size per dimension)."""
    magic = stream.read(4)
    data = magic
    if len(magic) == 4 and magic[:2] == b"\0\0" and 1 <= magic[3] <= MAX_DIMENSIONS:
        data += stream.read(4 * magic[3])
    return _parse_header(data, path, compressed)


def _describe(header: IdxHeader) -> str:
    """What a header declares, in words: ``"60,000 images of 28×28"``, ``"60,000 labels"`` ..."""
    if len(header.shape) == 3 and header.dtype == np.uint8:
        count, height, width = header.shape
        return f"{count:,} images of {height}×{width}"
    if len(header.shape) == 1 and header.dtype == np.uint8:
        return f"{header.shape[0]:,} labels"
    return f"an array of shape {header.shape} of {header.dtype.name}"


def _check_declared_size(header: IdxHeader, path: Path, max_bytes: int) -> None:
    if header.data_size > max_bytes:
        raise IdxFormatError(
            f"{path.name}: the header declares {_describe(header)} = {header.data_size:,} bytes, more than the "
            f"limit of {max_bytes:,} bytes (MAX_IDX_DATA_BYTES, {max_bytes // 2**20} MiB) that cnnviz reads from "
            "one IDX file. The file is damaged or is not a dataset of small images."
        )


def _size_mismatch(header: IdxHeader, path: Path, shorter: bool, received: str) -> IdxFormatError:
    which = "shorter" if shorter else "longer"
    return IdxFormatError(
        f"{path.name}: the file is {which} than its header declares: the header declares "
        f"{_describe(header)} = {header.data_size:,} data bytes, {received}. The file is damaged or is "
        "not the file its header describes; fetch it again."
    )


def read_idx_header(path: PathLike, max_bytes: int | None = None) -> IdxHeader:
    """Read only the header of an IDX file (cheap, even for a large gzip file).

    Parameters
    ----------
    path : str or os.PathLike
        Plain or gzip-compressed IDX file.
    max_bytes : int, optional
        Refuse a header that declares more data bytes than this (default
        :data:`MAX_IDX_DATA_BYTES`).

    Returns
    -------
    IdxHeader
        Declared dtype and shape. The data length is not checked; :func:`check_idx_file` and
        :func:`read_idx` do.

    Raises
    ------
    IdxFormatError
        If the magic number or the dimension sizes are malformed, or declare too much data.
    """
    path = Path(path)
    stream, compressed = _open_stream(path)
    try:
        with stream:
            header = _read_header_from(stream, path, compressed)
    except (EOFError, OSError, zlib.error) as error:
        raise _damaged_gzip(path, error) from error
    _check_declared_size(header, path, MAX_IDX_DATA_BYTES if max_bytes is None else max_bytes)
    return header


def check_idx_file(path: PathLike, max_bytes: int | None = None) -> IdxHeader:
    """Check an IDX file's header and length without reading its data.

    A plain file's size must be the header's plus the declared data; a gzip file's trailer
    (the uncompressed size modulo 2**32, as gzip records it) must match the same sum.

    Raises
    ------
    IdxFormatError
        If the header is malformed or declares too much, or the length does not match it.
    """
    path = Path(path)
    header = read_idx_header(path, max_bytes)
    expected = header.header_size + header.data_size
    if not header.compressed:
        size = path.stat().st_size
        if size != expected:
            raise _size_mismatch(header, path, size < expected,
                                 f"but it holds {size - header.header_size:,} after the header")
        return header
    with open(path, "rb") as stream:
        stream.seek(0, os.SEEK_END)
        if stream.tell() < 18:
            raise _damaged_gzip(path, EOFError("no gzip trailer"))
        stream.seek(-4, os.SEEK_END)
        recorded = int.from_bytes(stream.read(4), "little")
    if recorded != expected % 2**32:
        raise IdxFormatError(
            f"{path.name}: its gzip trailer records {recorded:,} uncompressed bytes (modulo 2**32), but the "
            f"header declares {_describe(header)}, {expected:,} bytes with the header: the file is truncated, "
            "damaged or holds more than its header declares; fetch it again."
        )
    return header


def _read_exactly(stream: io.BufferedIOBase, size: int) -> tuple[np.ndarray, int]:
    """Read up to ``size`` bytes into a new array; return it and how many bytes came."""
    buffer = np.empty(size, dtype=np.uint8)
    view = buffer.data
    received = 0
    while received < size:
        count = stream.readinto(view[received:received + _CHUNK_BYTES])
        if not count:
            break
        received += count
    return buffer, received


def read_idx(path: PathLike, max_bytes: int | None = None) -> np.ndarray:
    """Read a whole IDX file into an array, reading no more than its header declares.

    Parameters
    ----------
    path : str or os.PathLike
        Plain or gzip-compressed IDX file (detected by content, not by name).
    max_bytes : int, optional
        Refuse a header that declares more data bytes than this (default
        :data:`MAX_IDX_DATA_BYTES`).

    Returns
    -------
    numpy.ndarray
        Array of the declared shape, e.g. ``(60000, 28, 28)`` ``uint8`` for MNIST training
        images or ``(60000,)`` ``uint8`` for their labels, in native byte order.

    Raises
    ------
    IdxFormatError
        If the file is empty, has a bad magic number or type code, declares more than
        ``max_bytes``, or holds fewer or more data bytes than its header declares.
    FileNotFoundError
        If ``path`` does not exist.
    """
    path = Path(path)
    stream, compressed = _open_stream(path)
    try:
        with stream:
            header = _read_header_from(stream, path, compressed)
            _check_declared_size(header, path, MAX_IDX_DATA_BYTES if max_bytes is None else max_bytes)
            data, received = _read_exactly(stream, header.data_size)
            if received < header.data_size:
                raise _size_mismatch(header, path, True, f"but it holds only {received:,}")
            if stream.read(1):
                raise _size_mismatch(header, path, False, "but more data follows them")
    except (EOFError, OSError, zlib.error) as error:
        raise _damaged_gzip(path, error) from error
    on_disk = header.dtype.newbyteorder(">") if header.dtype.itemsize > 1 else header.dtype
    values = data.view(on_disk)
    if header.dtype.itemsize > 1:
        values = values.astype(header.dtype)  # native byte order
    return values.reshape(header.shape)


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
