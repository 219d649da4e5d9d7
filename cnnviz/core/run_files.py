"""Writing a run folder's files so that a failure loses nothing and says what failed.

Every file goes to a temporary name beside its place, is flushed to the disk and renamed into
place; a failed write removes its temporary file and leaves the previous version as it was.
Failures become :class:`RunWriteError`, whose message names the file and the cause ("No space
left on device", "Read-only file system" ...).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

TEMPORARY_MARKERS = (".tmp", ".write-test")
"""Parts of the names of files a writer leaves only while it writes."""


class RunWriteError(OSError):
    """A file the run promised could not be written; the message names it and the cause."""

    def __str__(self) -> str:
        # The message already names the file and the cause: not OSError's "[Errno 28] ...: 'path'".
        return self.strerror or super().__str__()


def describe_os_error(error: OSError) -> str:
    """The cause of ``error`` in words (its strerror, or the system's text for its errno)."""
    if error.strerror:
        return error.strerror
    if error.errno:
        return os.strerror(error.errno)
    return str(error) or type(error).__name__


def write_failure(path: Path, error: OSError) -> RunWriteError:
    """A :class:`RunWriteError` saying that ``path`` could not be written because of ``error``."""
    if isinstance(error, RunWriteError):
        return error
    cause = describe_os_error(error)
    advice = "Free some space on that disk" if error.errno == errno.ENOSPC else (
        "Make the folder writable" if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM) else
        "Check the disk and the folder")
    failure = RunWriteError(error.errno or 0, f"Could not write {path}: {cause}. {advice}, then resume "
                            "the run or start it again; the files written before are intact.")
    failure.filename = str(path)
    return failure


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn any OSError raised inside into a :class:`RunWriteError` naming ``path``."""
    try:
        yield
    except OSError as error:
        raise write_failure(path, error) from None


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place.

    Raises
    ------
    RunWriteError
        Naming ``path`` and the cause; the temporary file is removed and ``path`` is unchanged.
    """
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        raise write_failure(path, error) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def remove_temporaries(folder: Path) -> list[Path]:
    """Delete the temporary files a writer left in ``folder`` and its sub-folders (after a crash or a
    failed write); returns those it deleted."""
    removed = []
    for path in Path(folder).rglob("*"):
        if path.is_file() and any(marker in path.name for marker in TEMPORARY_MARKERS):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed
