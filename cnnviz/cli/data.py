"""``cnnviz data``: every dataset, its size and where it was found, or how to get it."""

from __future__ import annotations

import argparse
import json
import sys


def _command_data(args: argparse.Namespace) -> int:
    from cnnviz.core.datasets import DatasetUnavailableError, list_datasets, load_dataset

    if args.download:
        for info in list_datasets(data_dir=args.data_dir):
            if info.name in ("mnist", "fashion-mnist") and not info.available:
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
        "data", help="list the datasets and where each was found",
        description="List every dataset, its size and where it was found, or what was tried and "
                    "how to get it.")
    data.add_argument("--data-dir", metavar="DIR",
                      help="a folder holding MNIST or Fashion-MNIST IDX files "
                           "(train-images-idx3-ubyte[.gz] ...)")
    data.add_argument("--download", action="store_true",
                      help="download full MNIST and Fashion-MNIST into the Keras cache when missing "
                           "(needs a network connection)")
    data.add_argument("--json", action="store_true", help="print the list as JSON")
    data.set_defaults(handler=_command_data)
