"""Reading the python pickles CIFAR-10 ships in, refusing everything but plain NumPy arrays.

CIFAR-10's "python version" (what Keras caches) is a set of Python 2 pickles, each a dict of
bytes keys to a ``uint8`` array, lists of numbers and byte strings. Unpickling may call any
function the file names, so :class:`RestrictedUnpickler` resolves a name only from a fixed table:
NumPy's array reconstructor (``numpy.core.multiarray._reconstruct``, spelled ``numpy._core...`` by
NumPy 2), ``numpy.ndarray`` and ``numpy.dtype``. Any other name (``os.system``, ``builtins.eval``,
``subprocess.Popen`` …) is refused when the pickle names it, before anything can call it; dicts,
lists, byte strings and numbers need no name. The reconstructor and the dtype are wrapped so that
an array declaring more than :data:`MAX_ARRAY_BYTES`, or of Python objects, is refused too.
"""

from __future__ import annotations

import importlib
import io
import pickle

import numpy as np

MAX_ARRAY_BYTES = 64 * 2**20
"""The largest array a CIFAR pickle may declare (a batch holds 10,000 x 3,072 bytes, 30 MB)."""


class PickleRefusedError(pickle.UnpicklingError, ValueError):
    """A pickle asked for something other than a plain NumPy array; nothing it named was called."""


def _real_reconstruct():
    # NumPy 2 moved numpy.core to numpy._core (the old name is a deprecated alias); both are allowed in files.
    multiarray = importlib.import_module("numpy._core.multiarray" if hasattr(np, "_core") else "numpy.core.multiarray")
    return multiarray._reconstruct


def _reconstruct(subtype, shape, dtype):
    """NumPy's array reconstructor for plain ``ndarray`` of a bounded size only."""
    if subtype is not np.ndarray:
        raise PickleRefusedError(f"the pickle asks for an array of type {subtype!r}; only numpy.ndarray is read")
    dtype = _dtype(dtype)
    dims = shape if isinstance(shape, tuple) else (shape,)
    if not all(isinstance(dim, int) and dim >= 0 for dim in dims):
        raise PickleRefusedError(f"the pickle declares an array of shape {shape!r}")
    if int(np.prod(dims, dtype=np.float64)) * dtype.itemsize > MAX_ARRAY_BYTES:
        raise PickleRefusedError(f"the pickle declares an array of shape {shape!r}, more than "
                                 f"{MAX_ARRAY_BYTES // 2**20} MB")
    return _real_reconstruct()(np.ndarray, shape, dtype)


def _dtype(*args):
    """``numpy.dtype`` of plain numbers only (never Python objects)."""
    dtype = np.dtype(*args)
    if dtype.hasobject:
        raise PickleRefusedError(f"the pickle asks for an array of Python objects ({dtype}); only numbers are read")
    return dtype


ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _dtype,
}
"""The only names a pickle may use, and what each resolves to."""


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds plain NumPy arrays and refuses every other global name."""

    def find_class(self, module: str, name: str):  # noqa: D102 - pickle's hook
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise PickleRefusedError(
                f"it asks for {module}.{name}, which could run code; cnnviz reads only plain NumPy arrays "
                "from a pickle, so the file was refused before anything in it was called") from None

    def persistent_load(self, pid):  # noqa: D102 - pickle's hook
        raise PickleRefusedError("it refers to persistent objects, which a dataset never does")


def load_restricted(data: bytes) -> object:
    """Unpickle ``data`` (Python 2 byte strings stay ``bytes``) with :class:`RestrictedUnpickler`.

    Raises
    ------
    PickleRefusedError
        When the pickle names anything but the allowed NumPy names, or declares too large an array.
    pickle.UnpicklingError, EOFError, ValueError
        When it is not a well-formed pickle.
    """
    return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
