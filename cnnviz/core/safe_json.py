"""Reading the small text files cnnviz keeps (``config.json``, ``run.json``, sessions, history) with a size limit.

Each of these files is a few kilobytes when cnnviz wrote it. A file far larger is damaged or was put
there by someone else; reading it whole (and parsing it) could take gigabytes, so its size is checked
before the first byte is read, and no more than the limit is ever read even if it grows meanwhile.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cnnviz.core.safe_zip import MIB, format_bytes

PathLike = str | os.PathLike

MAX_JSON_BYTES = 4 * MIB
"""The largest JSON file cnnviz reads: a configuration of the most layers allowed is about 100 KiB."""
MAX_HISTORY_BYTES = 256 * MIB
"""The largest training-history CSV cnnviz reads (a million batches is about 100 MiB)."""


class FileTooLargeError(ValueError):
    """A file is larger than cnnviz reads for its kind."""


def read_text_limited(path: PathLike, max_bytes: int, what: str = "file") -> str:
    """The UTF-8 text of ``path``, refused without reading it when larger than ``max_bytes``.

    Raises
    ------
    FileTooLargeError
        If the file is larger than ``max_bytes``; the message gives both sizes.
    OSError, UnicodeDecodeError
        If it cannot be read or is not UTF-8 text.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise FileTooLargeError(
                f"{path.name} is {format_bytes(size)}, more than the {format_bytes(max_bytes)} cnnviz reads for a "
                f"{what}; it is damaged or not a cnnviz file.")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileTooLargeError(f"{path.name} grew past {format_bytes(max_bytes)} while being read; it is not a "
                                f"cnnviz {what}.")
    return data.decode("utf-8")


def read_json_file(path: PathLike, max_bytes: int = MAX_JSON_BYTES, what: str = "JSON file") -> Any:
    """The parsed content of a JSON file no larger than ``max_bytes``.

    Raises
    ------
    FileTooLargeError
        If the file is larger than ``max_bytes``.
    OSError, ValueError
        If it cannot be read, is not UTF-8 or is not valid JSON (``json.JSONDecodeError``).
    """
    return json.loads(read_text_limited(path, max_bytes, what))
