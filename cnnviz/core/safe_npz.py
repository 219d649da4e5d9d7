"""The one way cnnviz reads ``.npz`` files (models, checkpoints, kernel snapshots, datasets): bounded.

An ``.npz`` is a zip of ``.npy`` members; each member starts with a small header declaring its
dtype and shape. :class:`SafeNpz` checks, before any array is read, the zip's member count and
declared uncompressed sizes (:mod:`cnnviz.core.safe_zip`), and every member's ``.npy`` header: no
object (pickled) dtype, a declared size that fits the member and the caller's byte limit, and,
where the caller knows them, the expected shape and dtype. Only then is a member read, never with
pickle. A file of a few megabytes that declares gigabytes is refused with a message, having cost
nothing.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

from cnnviz.core.safe_zip import MIB, ArchiveError, check_zip_directory, format_bytes, open_zip

PathLike = str | os.PathLike

MAX_NPZ_MEMBERS = 4096
"""The most arrays an ``.npz`` may hold (a 100-layer model has about 200)."""
DEFAULT_MAX_NPZ_BYTES = 512 * MIB
"""The most bytes the arrays of an ``.npz`` may declare together unless the caller says otherwise."""
_MAX_HEADER_SIZE = 10_000


class NpzFileError(ArchiveError):
    """An ``.npz`` is unreadable, hostile, or does not hold the arrays expected of it."""


@dataclass(frozen=True)
class ArrayHeader:
    """What a member's ``.npy`` header declares.

    Attributes
    ----------
    shape : tuple of int
        The array's shape.
    dtype : numpy.dtype
        Its dtype.
    data_bytes : int
        ``prod(shape) * itemsize``, computed in Python integers (never overflows).
    """

    shape: tuple[int, ...]
    dtype: np.dtype
    data_bytes: int


def _read_header(member, name: str, key: str, member_size: int) -> ArrayHeader:
    try:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member, max_header_size=_MAX_HEADER_SIZE)
        elif version in ((2, 0), (3, 0)):
            shape, _, dtype = np.lib.format.read_array_header_2_0(member, max_header_size=_MAX_HEADER_SIZE)
        else:
            raise ValueError(f"unknown .npy format version {version}")
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        detail = "" if "pickle" in str(error) else f" ({error})"
        raise NpzFileError(f"{name}: array {key!r} has an unreadable .npy header{detail}.") from None
    if dtype.hasobject:
        raise NpzFileError(f"{name}: array {key!r} holds Python objects, which cnnviz never unpickles.")
    if not all(isinstance(size, int) and size >= 0 for size in shape):
        raise NpzFileError(f"{name}: array {key!r} declares the impossible shape {shape!r}.")
    data_bytes = math.prod(shape) * dtype.itemsize
    if data_bytes + member.tell() > member_size:
        raise NpzFileError(
            f"{name}: array {key!r} declares shape {shape} of {dtype} = {format_bytes(data_bytes)}, but its "
            f"member holds only {format_bytes(member_size)}: the file is shorter than its headers declare "
            "(truncated or damaged).")
    return ArrayHeader(tuple(shape), dtype, data_bytes)


class SafeNpz:
    """An ``.npz`` opened for bounded reading: every member's header is checked on opening.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    what : str, default "npz file"
        What the file should be, for messages (``"model file"``, ``"checkpoint"``).
    max_bytes : int
        The most bytes the arrays may declare together (and each one alone).
    max_members : int
        The most arrays the file may hold.

    Raises
    ------
    NpzFileError
        For a missing, unreadable or hostile file.

    Examples
    --------
    >>> with SafeNpz(path, max_bytes=64 * MIB) as archive:          # doctest: +SKIP
    ...     images = archive.read("x_test", shape=(None, 28, 28), dtype=np.uint8)
    """

    def __init__(self, path: PathLike, what: str = "npz file", *, max_bytes: int = DEFAULT_MAX_NPZ_BYTES,
                 max_members: int = MAX_NPZ_MEMBERS):
        self.path = Path(path)
        self.name = self.path.name
        try:
            self._archive = open_zip(self.path, what)
        except ArchiveError as error:
            raise NpzFileError(str(error)) from None
        try:
            self.headers = self._check(max_bytes, max_members)
        except BaseException:
            self._archive.close()
            raise

    def _check(self, max_bytes: int, max_members: int) -> dict[str, ArrayHeader]:
        try:
            members = check_zip_directory(self._archive, self.name, max_members=max_members, max_total_bytes=max_bytes)
        except ArchiveError as error:
            raise NpzFileError(str(error)) from None
        headers: dict[str, ArrayHeader] = {}
        for info in members:
            if not info.filename.endswith(".npy"):
                raise NpzFileError(f"{self.name} holds {info.filename!r}, which is not a .npy array; it is not "
                                   "an .npz file written by NumPy.")
            key = info.filename[:-len(".npy")]
            with self._archive.open(info) as member:
                headers[key] = _read_header(member, self.name, key, info.file_size)
        total = sum(header.data_bytes for header in headers.values())
        if total > max_bytes:
            raise NpzFileError(f"{self.name}: its arrays declare {format_bytes(total)}, more than the limit of "
                               f"{format_bytes(max_bytes)} for this kind of file; cnnviz does not read it.")
        return headers

    @property
    def files(self) -> list[str]:
        """The array names, in the archive's order."""
        return list(self.headers)

    def check(self, key: str, shape: Iterable[int | None] | None = None, dtype: np.dtype | type | None = None) -> None:
        """Check array ``key``'s declared shape (None: any size on that axis) and dtype, reading nothing.

        Raises
        ------
        NpzFileError
            If the array is missing or its header declares another shape or dtype.
        """
        if key not in self.headers:
            raise NpzFileError(f"{self.name} holds no array {key!r} (it holds {', '.join(self.files) or 'none'}).")
        header = self.headers[key]
        if shape is not None:
            wanted = tuple(shape)
            if len(wanted) != len(header.shape) or any(
                    size is not None and size != actual for size, actual in zip(wanted, header.shape)):
                shown = "(" + ", ".join("n" if size is None else str(size) for size in wanted) + ")"
                raise NpzFileError(f"{self.name}: array {key!r} declares shape {header.shape}, expected {shown}.")
        if dtype is not None and header.dtype != np.dtype(dtype):
            raise NpzFileError(f"{self.name}: array {key!r} is {header.dtype}, expected {np.dtype(dtype)}.")

    def read(self, key: str, shape: Iterable[int | None] | None = None,
             dtype: np.dtype | type | None = None) -> np.ndarray:
        """Read array ``key`` after :meth:`check` (never unpickling).

        Raises
        ------
        NpzFileError
            If the array is missing, not as expected, or its data is damaged.
        """
        self.check(key, shape, dtype)
        try:
            with self._archive.open(f"{key}.npy") as member:
                return np.lib.format.read_array(member, allow_pickle=False)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
            detail = "" if "pickle" in str(error) else f" ({error})"
            raise NpzFileError(f"{self.name}: array {key!r} cannot be read{detail}; the file is damaged.") from None

    def read_all(self, expected: Mapping[str, tuple[Iterable[int | None] | None, np.dtype | type | None]]
                 | None = None) -> dict[str, np.ndarray]:
        """Every array, each checked against ``expected[key] = (shape, dtype)`` where given.

        All headers are checked before the first array is read.
        """
        expected = expected or {}
        for key in self.headers:
            self.check(key, *expected.get(key, (None, None)))
        return {key: self.read(key) for key in self.headers}

    def close(self) -> None:
        """Close the file."""
        self._archive.close()

    def __enter__(self) -> SafeNpz:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def read_npz(path: PathLike, what: str = "npz file", *, max_bytes: int = DEFAULT_MAX_NPZ_BYTES,
             expected: Mapping[str, tuple[Iterable[int | None] | None, np.dtype | type | None]] | None = None,
             ) -> dict[str, np.ndarray]:
    """Every array of a small ``.npz``, read through :class:`SafeNpz`.

    Raises
    ------
    NpzFileError
        For a missing, unreadable, hostile or unexpected file.
    """
    with SafeNpz(path, what, max_bytes=max_bytes) as archive:
        return archive.read_all(expected)
