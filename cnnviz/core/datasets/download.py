"""Download full MNIST, Fashion-MNIST or CIFAR-10 the way ``keras.datasets`` does, without TensorFlow.

The files go into the folder Keras caches them in (``<keras home>/datasets``), where
:func:`~cnnviz.core.datasets.search.locate` and :func:`~cnnviz.core.datasets.cifar.locate_cifar`
find them. A file with a published SHA-256 is kept only when its hash matches. CIFAR-10's archive
is unpacked member by member: only the seven batch files it should hold, each no larger than a
batch, are written (into ``cifar-10-batches-py``, where older Keras versions unpack it).
"""

from __future__ import annotations

import hashlib
import tarfile
import urllib.request
from pathlib import Path

from cnnviz.core.datasets.cifar import MAX_PICKLE_BYTES, PYTHON_FILES, PYTHON_FOLDER
from cnnviz.core.datasets.search import keras_home

KERAS_DATA_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
IDX_FILE_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                  "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
PUBLISHED_SHA256 = {
    # The hash keras.datasets.mnist.load_data passes to get_file (keras/src/datasets/mnist.py).
    # Keras publishes none for the Fashion-MNIST files; those are checked by their IDX headers.
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    # keras.datasets.cifar10.load_data's file_hash (keras/src/datasets/cifar10.py).
    "cifar-10-python.tar.gz": "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
}
CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
MAX_ARCHIVE_MEMBERS = 64
"""Members of CIFAR-10's archive looked at before giving up (it holds nine)."""


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
    folder = keras_home()[0] / "datasets"
    if name == "mnist":
        files = [("mnist.npz", folder / "mnist.npz")]
    else:
        folder = folder / "fashion-mnist"
        files = [(file_name, folder / file_name) for file_name in IDX_FILE_NAMES]
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, target in files:
        if not target.is_file():
            fetch_checked(KERAS_DATA_URL + file_name, target, PUBLISHED_SHA256.get(file_name), timeout)


def fetch_checked(url: str, target: Path, expected_sha256: str | None, timeout: float) -> None:
    """Download ``url`` to ``target`` through a temporary file, kept only when its SHA-256 is the expected one.

    Raises
    ------
    OSError
        When the download fails.
    DownloadChecksumError
        When the hash differs; the file is discarded.
    """
    temporary = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(temporary, "wb") as handle:
            while chunk := response.read(1 << 20):
                handle.write(chunk)
                digest.update(chunk)
        if expected_sha256 is not None and digest.hexdigest() != expected_sha256:
            raise DownloadChecksumError(
                f"The downloaded {target.name} ({temporary.stat().st_size:,} bytes from {url}) has SHA-256 "
                f"{digest.hexdigest()}, not the {expected_sha256} that Keras publishes for it; it is corrupt or not "
                f"the file Keras means, so it was discarded. Try the download again, or put a good copy of "
                f"{target.name} in {target.parent}.")
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def unpack_cifar(archive: Path, folder: Path) -> None:
    """Write CIFAR-10's seven python batches from ``archive`` into ``folder``, nothing else.

    Each member is checked by name, type and declared size before a byte of it is written; a member
    is written to a temporary name and renamed into place.

    Raises
    ------
    DownloadChecksumError
        When the archive does not hold the seven batches within bounds.
    tarfile.TarError, OSError
        When it cannot be read or written.
    """
    wanted = {f"{PYTHON_FOLDER}/{name}" for names in PYTHON_FILES.values() for name in names}
    written: set[str] = set()
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        for count, member in enumerate(tar):
            if count >= MAX_ARCHIVE_MEMBERS:
                break
            if member.name not in wanted:
                continue
            if not member.isfile() or member.size > MAX_PICKLE_BYTES:
                raise DownloadChecksumError(f"{archive}: {member.name} is not a CIFAR-10 batch of at most "
                                            f"{MAX_PICKLE_BYTES:,} bytes; the archive was not unpacked.")
            source = tar.extractfile(member)
            if source is None:
                continue
            target = folder / Path(member.name).name
            temporary = target.with_name(target.name + ".part")
            try:
                with source, open(temporary, "wb") as handle:
                    handle.write(source.read(MAX_PICKLE_BYTES))
                temporary.replace(target)
            finally:
                temporary.unlink(missing_ok=True)
            written.add(member.name)
    if written != wanted:
        raise DownloadChecksumError(f"{archive} lacks {', '.join(sorted(wanted - written))}; it is not CIFAR-10's "
                                    "python release.")


def download_cifar10(timeout: float = 30.0) -> None:
    """Fetch Keras's ``cifar-10-python.tar.gz`` (SHA-256 checked) and unpack its batches into the Keras cache.

    Raises
    ------
    OSError, DownloadChecksumError, tarfile.TarError
        As :func:`fetch_checked` and :func:`unpack_cifar`.
    """
    folder = keras_home()[0] / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "cifar-10-python.tar.gz"
    if not archive.is_file():
        fetch_checked(CIFAR_URL, archive, PUBLISHED_SHA256[archive.name], timeout)
    unpack_cifar(archive, folder / PYTHON_FOLDER)
