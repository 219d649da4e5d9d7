"""Hostile files, small on disk, that declare (and for the deflate bombs really expand to) gigabytes;
and the peak memory of a child process that reads one.

A deflate bomb is written by hand: runs of zeros compressed once with a full flush (which resets the
compressor, so every run compresses to the same bytes) and repeated, so a stream that inflates to
gigabytes is built in milliseconds. Checksums are left zero: a reader that checks them only does so
after inflating everything, which is the harm these files show.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 2**20
PEAK_LIMIT_MB = 500


def deflate_zeros(prefix: bytes, num_zeros: int) -> bytes:
    """A raw deflate stream of ``prefix`` followed by ``num_zeros`` zero bytes (about 1/1000 of that)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [compressor.compress(prefix), compressor.flush(zlib.Z_FULL_FLUSH)]
    block = compressor.compress(bytes(CHUNK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    full, rest = divmod(num_zeros, CHUNK)
    parts.append(block * full)
    parts.append(compressor.compress(bytes(rest)) + compressor.flush())
    return b"".join(parts)


def npy_header(shape: tuple[int, ...], dtype: str = "<f4") -> bytes:
    """A version 1.0 ``.npy`` header declaring ``shape`` of ``dtype``."""
    text = repr({"descr": dtype, "fortran_order": False, "shape": shape}).encode("latin1")
    padding = 64 - (10 + len(text) + 1) % 64
    text += b" " * padding + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def write_zip(path: Path, members: dict[str, tuple[bytes, int, int]]) -> Path:
    """A zip of deflated members ``name -> (deflate stream, declared size, crc)``, Zip64 sizes throughout."""
    local, central = bytearray(), bytearray()
    for name, (stream, size, crc) in members.items():
        encoded = name.encode()
        extra = struct.pack("<HHQQ", 1, 16, size, len(stream))
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                             len(encoded), len(extra)) + encoded + extra + stream
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0x21, crc, 0xFFFFFFFF,
                               0xFFFFFFFF, len(encoded), len(extra), 0, 0, 0, 0, offset) + encoded + extra
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0)
    path.write_bytes(bytes(local + central + end))
    return path


def npz_bomb(path: Path, arrays: dict[str, tuple[tuple[int, ...], str]], *, real: bool = True,
             extra: dict[str, np.ndarray] | None = None) -> Path:
    """An ``.npz`` whose members declare ``key -> (shape, dtype)``; with ``real`` their zeros are
    really there (deflated), else each member holds only its header."""
    members = {}
    for key, (shape, dtype) in arrays.items():
        header = npy_header(shape, dtype)
        size = int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize
        if real:
            members[f"{key}.npy"] = (deflate_zeros(header, size), len(header) + size, 0)
        else:
            members[f"{key}.npy"] = (deflate_zeros(header, 0), len(header), zlib.crc32(header))
    for key, value in (extra or {}).items():
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, value, allow_pickle=False)
        data = buffer.getvalue()
        members[f"{key}.npy"] = (deflate_zeros(data, 0), len(data), zlib.crc32(data))
    return write_zip(path, members)


def gzip_bomb(path: Path, prefix: bytes, num_zeros: int) -> Path:
    """A gzip file of ``prefix`` then ``num_zeros`` zero bytes; its trailer records the true size."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", 0, (len(prefix) + num_zeros) % 2**32)
    path.write_bytes(header + deflate_zeros(prefix, num_zeros) + trailer)
    return path


def idx_header(type_code: int, shape: tuple[int, ...]) -> bytes:
    return bytes([0, 0, type_code, len(shape)]) + b"".join(size.to_bytes(4, "big") for size in shape)


def png_header(width: int, height: int) -> bytes:
    """A PNG signature and an IHDR chunk declaring ``width`` x ``height`` grey pixels, and a tiny IDAT."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(1024)))
            + chunk(b"IEND", b""))


def sparse_file(path: Path, size: int, start: bytes = b"") -> Path:
    """A file of ``size`` bytes that takes no room on disk (a hole after ``start``)."""
    with open(path, "wb") as handle:
        handle.write(start)
        handle.truncate(size)
    return path


_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stdout.write(done.stdout); sys.stderr.write(done.stderr)\n"
    "print(f'PEAK_KB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def run_measured(args: list[str], env: dict[str, str] | None = None,
                 timeout: float = 300) -> tuple[int, str, str, float]:
    """Run ``args`` in a child of a fresh process; return (exit status, stdout, stderr, peak MiB of the child)."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), **(env or {}))
    done = subprocess.run([sys.executable, "-c", _MEASURE, *args], capture_output=True, text=True,
                          cwd=ROOT, env=environment, timeout=timeout)
    stderr, _, peak = done.stderr.rpartition("PEAK_KB=")
    return done.returncode, done.stdout, stderr, int(peak) / 1024


def python_measured(code: str, *arguments: str, env: dict[str, str] | None = None) -> tuple[int, str, str, float]:
    """Run Python ``code`` (``sys.argv[1:]`` = ``arguments``) in a measured child; see :func:`run_measured`."""
    return run_measured([sys.executable, "-c", code, *arguments], env=env)

