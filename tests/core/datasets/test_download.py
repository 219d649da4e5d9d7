"""Keras's download of full MNIST: used only when allowed, kept only with the published checksum."""

from __future__ import annotations

import hashlib
import importlib.util
import io
from pathlib import Path

import pytest

from cnnviz.core.datasets import DatasetUnavailableError, download, load_dataset
from tests.core.datasets.helpers import write_keras_npz


def test_download_failure_is_reported(isolated, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no network")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    message = r"download: tried Keras's download, failed: ConnectionRefusedError: no network"
    with pytest.raises(DatasetUnavailableError, match=message):
        load_dataset("mnist", allow_download=True)
    # Nothing half-written is left in the Keras cache.
    assert not list((isolated / ".keras" / "datasets").glob("*"))


class FakeResponse(io.BytesIO):
    """What ``urllib.request.urlopen`` returns, serving ``data``."""


def serve(monkeypatch, data: bytes, requested: list) -> None:
    def urlopen(url, timeout=None):
        requested.append(url)
        return FakeResponse(data)

    monkeypatch.setattr("urllib.request.urlopen", urlopen)


def test_download_with_the_wrong_checksum_is_refused(isolated, monkeypatch, tmp_path):
    write_keras_npz(tmp_path / "elsewhere" / "mnist.npz")
    data = (tmp_path / "elsewhere" / "mnist.npz").read_bytes()
    requested = []
    serve(monkeypatch, data, requested)
    published = download.PUBLISHED_SHA256["mnist.npz"]
    message = (rf"DownloadChecksumError: The downloaded mnist.npz \({len(data):,} bytes from .*\) has SHA-256 "
               rf"{hashlib.sha256(data).hexdigest()}, not the {published} that Keras publishes")
    with pytest.raises(DatasetUnavailableError, match=message):
        load_dataset("mnist", allow_download=True)
    assert requested == [download.KERAS_DATA_URL + "mnist.npz"]
    # Neither the file nor a partial copy is kept.
    assert not list((isolated / ".keras" / "datasets").glob("*"))


def test_download_with_the_published_checksum_is_kept(isolated, monkeypatch, tmp_path):
    write_keras_npz(tmp_path / "elsewhere" / "mnist.npz")
    data = (tmp_path / "elsewhere" / "mnist.npz").read_bytes()
    serve(monkeypatch, data, [])
    monkeypatch.setitem(download.PUBLISHED_SHA256, "mnist.npz", hashlib.sha256(data).hexdigest())
    assert len(load_dataset("mnist", "test", allow_download=True)) == 4
    assert (isolated / ".keras" / "datasets" / "mnist.npz").read_bytes() == data


def test_the_published_checksum_is_keras_own():
    keras_source = importlib.util.find_spec("keras")
    if keras_source is None:
        pytest.skip("Keras is not installed")
    path = Path(keras_source.origin).parent / "src" / "datasets" / "mnist.py"
    if not path.is_file():
        pytest.skip(f"this Keras keeps its MNIST loader elsewhere than {path}")
    assert download.PUBLISHED_SHA256["mnist.npz"] in path.read_text(encoding="utf-8")


def test_download_is_used_only_when_allowed(isolated, monkeypatch):
    calls = []

    def fake_download(name):
        calls.append(name)
        write_keras_npz(isolated / ".keras" / "datasets" / "mnist.npz")

    monkeypatch.setattr(download, "download_like_keras", fake_download)
    with pytest.raises(DatasetUnavailableError):
        load_dataset("mnist")
    assert calls == []
    assert len(load_dataset("mnist", "test", allow_download=True)) == 4
    assert calls == ["mnist"]
