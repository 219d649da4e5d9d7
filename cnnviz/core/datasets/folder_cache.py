"""The cache of decoded image folders: one ``.npz`` per folder and image shape, in cnnviz's cache folder.

Decoding and resizing hundreds of photos takes a while; the result is kept in
``<cache folder>/image-folders/<key>.npz``, where the key is the SHA-256 of the folder's absolute
path, every file's relative path, size and modification time, the image shape and the resize
rule. Changing, adding, removing or renaming a file changes the key, so a stale cache is never
read; it is simply not found. The cache folder is ``$CNNVIZ_HOME/cache`` when that is set, else
the per-user cache folder :mod:`platformdirs` names (``~/.cache/cnnviz`` on Linux).

Cache files are read back only through :class:`~cnnviz.core.safe_npz.SafeNpz` (no pickle, sizes
checked against what the folder can hold); a cache file that is damaged or not as expected is
ignored and rebuilt. Writing goes through a temporary file renamed into place; a cache that
cannot be written (read-only or full disk) costs only the time to decode again next time.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from cnnviz.core.safe_npz import NpzFileError, SafeNpz

CACHE_VERSION = 2
CACHE_SUBFOLDER = "image-folders"
_HEADROOM_BYTES = 16 * 2**20


def cache_folder() -> Path:
    """Where decoded image folders are kept (created when first written)."""
    home = os.environ.get("CNNVIZ_HOME")
    if home:
        return Path(home) / "cache" / CACHE_SUBFOLDER
    import platformdirs

    return Path(platformdirs.user_cache_dir("cnnviz", appauthor=False)) / CACHE_SUBFOLDER


def cache_key(root: Path, files: list[tuple[str, int, int]], image_shape: tuple[int, int, int], rule: str) -> str:
    """The SHA-256 naming one folder's decoded images: its path, files (path, size, mtime), shape and rule."""
    identity = {"version": CACHE_VERSION, "root": str(root.resolve()), "shape": list(image_shape), "rule": rule,
                "files": [list(entry) for entry in files]}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def cache_path(key: str) -> Path:
    """The cache file for ``key``."""
    return cache_folder() / f"{key}.npz"


def read_cache(key: str, num_files: int, image_shape: tuple[int, int, int]) -> dict[str, np.ndarray] | None:
    """The cached arrays for ``key``, or None when there is no usable cache file.

    Returns
    -------
    dict or None
        ``images`` ``(n, H, W)`` or ``(n, H, W, 3)`` uint8, ``labels`` ``(n,)`` uint8, ``kept`` ``(n,)``
        int64 indices of the files the images came from, ``unreadable`` ``(m,)`` int64 indices of the
        files that could not be read and ``reasons`` ``(m,)`` their reasons.
    """
    path = cache_path(key)
    if not path.is_file():
        return None
    height, width, channels = image_shape
    image_axes: tuple[int | None, ...] = (None, height, width) if channels == 1 else (None, height, width, channels)
    limit = num_files * (height * width * channels + 16) + _HEADROOM_BYTES
    try:
        with SafeNpz(path, "image folder cache", max_bytes=limit) as archive:
            arrays = {"images": archive.read("images", image_axes, np.uint8),
                      "labels": archive.read("labels", (None,), np.uint8),
                      "kept": archive.read("kept", (None,), np.int64),
                      "unreadable": archive.read("unreadable", (None,), np.int64),
                      "reasons": archive.read("reasons", (None,))}
    except NpzFileError:
        return None
    consistent = (len(arrays["images"]) == len(arrays["labels"]) == len(arrays["kept"])
                  and len(arrays["unreadable"]) == len(arrays["reasons"])
                  and arrays["reasons"].dtype.kind == "U"
                  and all(np.all((index >= 0) & (index < num_files))
                          for index in (arrays["kept"], arrays["unreadable"])))
    return arrays if consistent else None


def write_cache(key: str, arrays: dict[str, np.ndarray]) -> bool:
    """Keep ``arrays`` (as :func:`read_cache` returns them) for ``key``; False when it could not be written."""
    path = cache_path(key)
    temporary = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            np.savez(handle, images=arrays["images"], labels=arrays["labels"], kept=arrays["kept"],
                     unreadable=arrays["unreadable"], reasons=arrays["reasons"])
        temporary.replace(path)
        return True
    except OSError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
