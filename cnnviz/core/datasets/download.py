"""Download full MNIST or Fashion-MNIST the way ``keras.datasets`` does, without TensorFlow.

The files go into the folder Keras caches them in (``<keras home>/datasets``), where
:func:`~cnnviz.core.datasets.search.locate` finds them. A file with a published SHA-256 is kept
only when its hash matches.
"""

from __future__ import annotations

from cnnviz.core.datasets.search import keras_home

KERAS_DATA_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
IDX_FILE_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                  "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
PUBLISHED_SHA256 = {
    # The hash keras.datasets.mnist.load_data passes to get_file (keras/src/datasets/mnist.py).
    # Keras publishes none for the Fashion-MNIST files; those are checked by their IDX headers.
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
}


class DownloadChecksumError(ValueError):
    """A downloaded file's SHA-256 is not the published one; the file was discarded."""


def download_like_keras(name: str, timeout: float = 30.0) -> None:
    """Fetch the files ``keras.datasets`` would fetch, into the folder Keras caches them in.

    Uses only the standard library (no TensorFlow import); each file is written to a
    temporary name and renamed into place, so an interrupted download leaves nothing behind.

    Parameters
    ----------
    name : str
        ``"mnist"`` (one ``mnist.npz``) or ``"fashion-mnist"`` (four IDX files).
    timeout : float, default 30.0
        Seconds to wait for the server before giving up.

    Raises
    ------
    OSError
        When the download fails (offline, refused, disk full).
    DownloadChecksumError
        When a file with a published SHA-256 (:data:`PUBLISHED_SHA256`) arrives with another; it is
        discarded, never renamed into the cache.
    """
    import hashlib
    import urllib.request

    folder = keras_home()[0] / "datasets"
    if name == "mnist":
        files = [("mnist.npz", folder / "mnist.npz")]
    else:
        folder = folder / "fashion-mnist"
        files = [(file_name, folder / file_name) for file_name in IDX_FILE_NAMES]
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, target in files:
        if target.is_file():
            continue
        temporary = target.with_name(target.name + ".part")
        digest = hashlib.sha256()
        try:
            with urllib.request.urlopen(KERAS_DATA_URL + file_name, timeout=timeout) as response, \
                    open(temporary, "wb") as handle:
                while chunk := response.read(1 << 20):
                    handle.write(chunk)
                    digest.update(chunk)
            expected = PUBLISHED_SHA256.get(file_name)
            if expected is not None and digest.hexdigest() != expected:
                raise DownloadChecksumError(
                    f"The downloaded {file_name} ({temporary.stat().st_size:,} bytes from {KERAS_DATA_URL}) "
                    f"has SHA-256 {digest.hexdigest()}, not the {expected} that Keras publishes for it; "
                    f"it is corrupt or not the MNIST file, so it was discarded. Try the download again, "
                    f"or put a good copy of {file_name} in {folder}.")
            temporary.replace(target)
        finally:
            temporary.unlink(missing_ok=True)
