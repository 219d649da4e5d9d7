"""The ``cnnviz`` command line: ``summary`` and ``data``; every command has ``--help``.

Commands import what they need when they run, so ``cnnviz --help`` stays fast
and never loads Qt or TensorFlow.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from cnnviz import __version__


class CommandError(Exception):
    """A user-facing failure: printed as one readable line, exit status 2."""


def _load_config(path: str | None):
    from cnnviz.core.config import ModelConfig, reference_config
    from cnnviz.core.validation import validate

    config = reference_config() if path is None else ModelConfig.load(path)
    return validate(config)


def _command_summary(args: argparse.Namespace) -> int:
    from cnnviz.core.summary import summarize

    summary = summarize(_load_config(args.config))
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        title = args.config or "the default model (the report's reference CNN)"
        print(f"Model: {title}")
        print(summary.to_text())
    return 0


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="cnnviz",
        description="Build, train and look inside small convolutional networks. "
                    "Without a command, prints the summary of the default model.",
    )
    parser.add_argument("--version", action="version", version=f"cnnviz {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    summary = commands.add_parser(
        "summary", help="print the layer table of a model configuration",
        description="Print each layer's name, output shape and parameter count, with totals, "
                    "computed from the configuration alone (Keras's numbers).")
    summary.add_argument("--config", metavar="FILE",
                         help="a model configuration in JSON (default: the report's reference model)")
    summary.add_argument("--json", action="store_true", help="print the summary as JSON")
    summary.set_defaults(handler=_command_summary)

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["summary"])
    try:
        return args.handler(args)
    except (ValueError, OSError, CommandError) as error:
        # ConfigError, dataset and file errors carry a message written for the user.
        print(f"cnnviz {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cnnviz {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
