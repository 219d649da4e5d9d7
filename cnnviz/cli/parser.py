"""The ``cnnviz`` argument parser with every sub-command, and :func:`main`, which runs one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cnnviz import __version__
from cnnviz.cli.benchmarks import add_bench_command
from cnnviz.cli.common import CommandError
from cnnviz.cli.data import add_data_command
from cnnviz.cli.desktop import add_desktop_command
from cnnviz.cli.embed import add_embed_command
from cnnviz.cli.experiment import add_experiment_command
from cnnviz.cli.explain import add_explain_command
from cnnviz.cli.export import add_export_command
from cnnviz.cli.feature_vis import add_feature_vis_commands
from cnnviz.cli.inspection import add_inspect_command
from cnnviz.cli.runs import add_runs_command
from cnnviz.cli.science import add_science_commands
from cnnviz.cli.summary import add_summary_command
from cnnviz.cli.train import add_train_command


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="cnnviz",
        description="Build, train and look inside small convolutional networks. "
                    "Without a command, opens the desktop application.",
    )
    parser.add_argument("--version", action="version", version=f"cnnviz {__version__}")
    parser.add_argument("--screenshot", metavar="FILE",
                        help="open the application with the bundled model and a sample digit, write a PNG "
                             "of the window and exit (works without a display); with --all, FILE is a "
                             "folder that gets one PNG per tab and sub-tab")
    parser.add_argument("--all", action="store_true",
                        help="with --screenshot DIR: train briefly, run every analysis and write every page")
    parser.add_argument("--size", metavar="WxH", help="the window's size for --screenshot, e.g. 1366x768")
    parser.add_argument("--settings", metavar="FILE", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_summary_command(commands)
    add_data_command(commands)
    add_train_command(commands)
    add_runs_command(commands)
    add_inspect_command(commands)
    add_explain_command(commands)
    add_feature_vis_commands(commands)
    add_embed_command(commands)
    add_experiment_command(commands)
    add_science_commands(commands)
    add_bench_command(commands)
    add_desktop_command(commands)
    add_export_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    from cnnviz.imaging import install_image_decoder

    parser = build_parser()
    args = parser.parse_args(argv)
    install_image_decoder()  # image-folder datasets are decoded with Qt (loaded only when a picture is read)
    if args.command is None:
        from cnnviz.ui.app import parse_size, run_app

        if (args.all or args.size) and not args.screenshot:
            parser.error("--all and --size go with --screenshot: cnnviz --screenshot DIR --all --size 1366x768")
        try:
            size = parse_size(args.size) if args.size else None
        except ValueError as error:
            parser.error(str(error))
        return run_app(screenshot=args.screenshot, settings_file=args.settings, all_pages=args.all, size=size)
    try:
        return args.handler(args)
    except (ValueError, OSError, RuntimeError, CommandError) as error:
        # ConfigError, dataset and file errors carry a message written for the user.
        print(f"cnnviz {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cnnviz {args.command}: interrupted", file=sys.stderr)
        return 130
