"""Pickles written as Python 2 wrote CIFAR-10's batches (protocol 2, every string a byte string)."""

from __future__ import annotations

import io
import pickle
import struct


class Python2Pickler(pickle._Pickler):
    """Protocol 2 with ``str`` and ``bytes`` both written as Python 2 strings (``BINSTRING``), which
    ``encoding="bytes"`` reads back as ``bytes``, exactly as the real batches read."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_bytes(self, obj):
        size = len(obj)
        self.write(pickle.SHORT_BINSTRING + bytes([size]) + obj if size < 256
                   else pickle.BINSTRING + struct.pack("<i", size) + obj)
        self.memoize(obj)

    def save_str(self, obj):
        self.save_bytes(obj.encode("latin-1"))

    dispatch[bytes] = save_bytes
    dispatch[str] = save_str


def python2_pickle(value) -> bytes:
    """``value`` pickled as Python 2 would have."""
    buffer = io.BytesIO()
    Python2Pickler(buffer, protocol=2).dump(value)
    return buffer.getvalue()
