"""``cnnviz export tensorboard RUN --out LOGDIR``: a run folder as TensorBoard event files."""

from __future__ import annotations

import argparse
from pathlib import Path

from cnnviz.cli.common import CommandError


def _command_export_tensorboard(args: argparse.Namespace) -> int:
    run = Path(args.run)
    if not run.is_dir():
        raise CommandError(f"There is no run folder {run}. Give the folder of a run; cnnviz runs lists them.")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} is a file; give a folder for the TensorBoard logs.")
    from cnnviz.keras.tensorboard import export_tensorboard

    summary = export_tensorboard(run, out)
    print(f"wrote {summary.scalars} scalars, {summary.histograms} histograms and {summary.images} images to {out}")
    for note in summary.notes:
        print(note)
    print(f"open them with: tensorboard --logdir {out}")
    return 0


def add_export_command(commands: argparse._SubParsersAction) -> None:
    """Add the command to the main parser's sub-commands."""
    export = commands.add_parser("export", help="write a run in another tool's format (TensorBoard)",
                                 description="Write a training run in another tool's format.")
    formats = export.add_subparsers(dest="format", metavar="FORMAT", required=True)
    tensorboard = formats.add_parser(
        "tensorboard", help="TensorBoard event files: scalars, histograms, kernels and feature maps",
        description="Write a run's history (per batch and per epoch), its histograms of parameters and "
                    "activations, its kernels and the feature maps of one fixed input after each checkpointed "
                    "epoch as TensorBoard event files (train/ and validation/ under LOGDIR).")
    tensorboard.add_argument("run", metavar="RUN", help="the run folder")
    tensorboard.add_argument("--out", metavar="LOGDIR", required=True, help="the TensorBoard log folder to write")
    tensorboard.set_defaults(handler=_command_export_tensorboard)
