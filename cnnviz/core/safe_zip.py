"""Checking a zip archive (``.npz``, ``.keras``) from its directory before anything is decompressed.

A zip's central directory declares, for every member, its name and its uncompressed size. Python's
:mod:`zipfile` never hands out more bytes of a member than that declared size, so checking the
declared sizes against a limit bounds what reading the archive can cost: a few megabytes of deflated
zeros that would expand to gigabytes are refused here, from the directory alone.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from pathlib import Path

PathLike = str | os.PathLike

MIB = 2**20


class ArchiveError(ValueError):
    """A zip archive is unreadable, or declares more members or bytes than cnnviz reads."""


def format_bytes(size: int) -> str:
    """A byte count for a person: ``"4.0 GiB"``, ``"512 MiB"``, ``"318 KiB"`` or ``"12 bytes"``."""
    for unit, scale in (("GiB", 2**30), ("MiB", MIB), ("KiB", 2**10)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{size} bytes"


def open_zip(path: PathLike, what: str) -> zipfile.ZipFile:
    """Open ``path`` as a zip archive; ``what`` names it in the error (``"model file"``).

    Raises
    ------
    ArchiveError
        If there is no such file or it is not a zip archive.
    """
    path = Path(path)
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ArchiveError(f"There is no {what} at {path}.") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ArchiveError(f"{path.name} is not a readable {what} (not a zip archive, truncated or "
                           f"corrupt: {error}).") from None


def check_zip_directory(
    archive: zipfile.ZipFile,
    name: str,
    *,
    max_members: int,
    max_total_bytes: int,
    member_limits: Mapping[str, int] | None = None,
) -> list[zipfile.ZipInfo]:
    """Check an open archive's declared member count and uncompressed sizes; return its members.

    Parameters
    ----------
    archive : zipfile.ZipFile
        The open archive.
    name : str
        The file's name, for messages.
    max_members : int
        The most members an archive of this kind may hold.
    max_total_bytes : int
        The most bytes all members may declare together, uncompressed.
    member_limits : mapping of str to int, optional
        A tighter limit for named members (e.g. ``{"config.json": 4 MiB}``).

    Raises
    ------
    ArchiveError
        Naming the member and its declared size, or the member count, and the limit.
    """
    members = archive.infolist()
    if len(members) > max_members:
        raise ArchiveError(f"{name} holds {len(members):,} members, more than the {max_members:,} a file of "
                           "this kind may hold; it was not written by cnnviz, or it is damaged.")
    total = 0
    for info in members:
        limit = (member_limits or {}).get(info.filename, max_total_bytes)
        if info.file_size > limit:
            raise ArchiveError(
                f"{name}: member {info.filename!r} declares {format_bytes(info.file_size)} uncompressed, more "
                f"than the limit of {format_bytes(limit)} for it; cnnviz does not open it (a file this large "
                "is damaged or hostile, not a small CNN).")
        total += info.file_size
    if total > max_total_bytes:
        raise ArchiveError(
            f"{name}: its members declare {format_bytes(total)} uncompressed, more than the limit of "
            f"{format_bytes(max_total_bytes)}; cnnviz does not open it.")
    return members


def check_zip_file(
    path: PathLike,
    what: str,
    *,
    max_members: int,
    max_total_bytes: int,
    member_limits: Mapping[str, int] | None = None,
) -> None:
    """Open ``path`` and run :func:`check_zip_directory` on it (for archives another library reads).

    Raises
    ------
    ArchiveError
        For a missing or unreadable file, or one that declares too many members or bytes.
    """
    with open_zip(path, what) as archive:
        check_zip_directory(archive, Path(path).name, max_members=max_members,
                            max_total_bytes=max_total_bytes, member_limits=member_limits)


MAX_KERAS_MEMBERS = 64
"""The most members a ``.keras`` archive may hold (Keras writes three: config, metadata, weights)."""
MAX_KERAS_ARCHIVE_BYTES = 768 * MIB
"""The most a ``.keras`` archive may declare uncompressed: weights and Adam's two moments of the largest
model cnnviz trains (50 million parameters, float32), with room to spare."""
MAX_KERAS_JSON_BYTES = 4 * MIB
"""The most its ``config.json`` or ``metadata.json`` may declare."""


def check_keras_archive(path: PathLike) -> None:
    """Check a ``.keras`` file's member count and declared sizes before Keras reads any of it.

    Raises
    ------
    ArchiveError
        For an unreadable archive, more than :data:`MAX_KERAS_MEMBERS` members, a JSON member
        over :data:`MAX_KERAS_JSON_BYTES` or a total over :data:`MAX_KERAS_ARCHIVE_BYTES`.
    """
    check_zip_file(path, "Keras model archive", max_members=MAX_KERAS_MEMBERS,
                   max_total_bytes=MAX_KERAS_ARCHIVE_BYTES,
                   member_limits={"config.json": MAX_KERAS_JSON_BYTES, "metadata.json": MAX_KERAS_JSON_BYTES})
