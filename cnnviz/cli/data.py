"""``cnnviz data``: every dataset, its size and where it was found, or how to get it; or, given a
folder, what that folder holds as an image-folder dataset."""

from __future__ import annotations

import argparse
import json
import sys

from cnnviz.cli.common import CommandError


def parse_image_shape(size: str, grey: bool) -> tuple[int, int, int]:
    """``"HxW"`` (or one number for a square) and the colour choice as ``(height, width, channels)``."""
    parts = size.lower().replace("×", "x").split("x")
    try:
        height, width = (int(parts[0]), int(parts[0])) if len(parts) == 1 else (int(parts[0]), int(parts[1]))
    except ValueError:
        height = width = 0
    if len(parts) > 2 or height <= 0 or width <= 0:
        raise CommandError(f"--image-size takes HEIGHTxWIDTH in pixels, e.g. 32x32 or 64x48; received {size!r}.")
    return height, width, 1 if grey else 3


def _describe_folder(args: argparse.Namespace) -> int:
    from cnnviz.core.datasets import RESIZE_RULE, read_image_folder
    from cnnviz.core.datasets.image_folder import DEFAULT_TEST_FRACTION, SPLIT_SEED, check_classes, split_indices

    image_shape = parse_image_shape(args.image_size, args.grey)
    folder = read_image_folder(args.folder, image_shape, require_classes=False)
    counts = folder.class_counts()
    complete = all(counts)
    if complete:
        train, test = split_indices(folder.labels, len(folder.class_names))
        train_counts = [int((folder.labels[train] == index).sum()) for index in range(len(counts))]
    else:
        train_counts = [0] * len(counts)
    height, width, channels = image_shape
    if args.json:
        print(json.dumps({
            "folder": str(folder.root), "image_shape": list(image_shape), "resize_rule": RESIZE_RULE,
            "classes": [{"name": name, "pictures": count, "train": train_count, "test": count - train_count}
                        for name, count, train_count in zip(folder.class_names, counts, train_counts)],
            "unreadable": [{"file": path, "reason": reason} for path, reason in folder.unreadable],
            "test_fraction": DEFAULT_TEST_FRACTION, "usable": complete, "from_cache": folder.from_cache}, indent=2))
    else:
        print(f"Image folder {folder.root}: {len(folder.class_names)} classes, {len(folder.labels):,} pictures")
        print(f"  read at {height}x{width} {'grey' if channels == 1 else 'RGB'}: {RESIZE_RULE}"
              f"{' (from the cache)' if folder.from_cache else ''}")
        width_of_names = max(len(name) for name in folder.class_names)
        for name, count, train_count in zip(folder.class_names, counts, train_counts):
            split = f"{train_count:,} train / {count - train_count:,} test" if complete else ""
            empty = "   no readable picture" if count == 0 else ""
            print(f"  {name:<{width_of_names}}  {count:>7,} pictures  {split}{empty}")
        print(f"  split: {1 - DEFAULT_TEST_FRACTION:.0%} train / {DEFAULT_TEST_FRACTION:.0%} test of each class, "
              f"fixed seed {SPLIT_SEED}")
        if folder.unreadable:
            print(f"  {len(folder.unreadable)} file(s) could not be read and are skipped:")
            for path, reason in folder.unreadable:
                print(f"    {path}: {reason}")
    if not complete:
        check_classes(folder)  # raises, naming the empty classes
    return 0


def _command_data(args: argparse.Namespace) -> int:
    if args.folder is not None:
        return _describe_folder(args)
    from cnnviz.core.datasets import DatasetUnavailableError, list_datasets, load_dataset

    if args.download:
        for info in list_datasets(data_dir=args.data_dir):
            if info.name in ("mnist", "fashion-mnist", "cifar10") and not info.available:
                try:
                    load_dataset(info.name, "test", data_dir=args.data_dir, allow_download=True)
                except DatasetUnavailableError as error:
                    print(f"{info.name}: download failed. {error}", file=sys.stderr)
    infos = list_datasets(data_dir=args.data_dir)
    if args.json:
        print(json.dumps([info.__dict__ for info in infos], indent=2))
        return 0
    for info in infos:
        if info.available:
            sizes = f"{info.num_train:,} train / {info.num_test:,} test"
            print(f"{info.name:<14} available    {sizes:<26} {info.source}")
        else:
            reason = info.source.replace("\n", "\n" + " " * 15)
            print(f"{info.name:<14} unavailable  {reason}")
        print(f"{'':<14} {info.description}")
    return 0


def add_data_command(commands: argparse._SubParsersAction) -> None:
    """Add the command to the main parser's sub-commands."""
    data = commands.add_parser(
        "data", help="list the datasets and where each was found, or describe an image folder",
        description="List every dataset, its size and where it was found, or what was tried and "
                    "how to get it. Given a FOLDER (one sub-folder of pictures per class), read it as "
                    "a dataset and show its classes, pictures per class, the train/test split and every "
                    "file that cannot be read.")
    data.add_argument("folder", nargs="?", metavar="FOLDER", help="an image folder to describe")
    data.add_argument("--image-size", default="32x32", metavar="HxW",
                      help="with FOLDER: the size pictures are fitted to (default 32x32; training uses the "
                           "model's input_shape)")
    data.add_argument("--grey", action="store_true", help="with FOLDER: read the pictures as grey (default RGB)")
    data.add_argument("--data-dir", metavar="DIR",
                      help="a folder holding MNIST or Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz] ...) "
                           "or CIFAR-10 batches")
    data.add_argument("--download", action="store_true",
                      help="download full MNIST, Fashion-MNIST and CIFAR-10 into the Keras cache when missing "
                           "(needs a network connection)")
    data.add_argument("--json", action="store_true", help="print the list as JSON")
    data.set_defaults(handler=_command_data)
