"""``cnnviz export tensorboard RUN --out LOGDIR``: a run folder as TensorBoard event files; and
``cnnviz import tensorboard LOGDIR``: a TensorBoard log folder's scalars as a run folder History lists."""

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


def _command_import_tensorboard(args: argparse.Namespace) -> int:
    from cnnviz.core.runs import RunDirectory
    from cnnviz.core.tensorboard_scalars import read_tensorboard_scalars, tensorboard_history

    logdir = Path(args.logdir)
    steps, epochs = tensorboard_history(read_tensorboard_scalars(logdir))
    if not steps and not epochs:
        raise CommandError(f"{logdir} holds no loss curve (no epoch_loss or batch_loss scalars, as Keras's "
                           "TensorBoard callback writes them); there is nothing to compare.")
    name = logdir.resolve().name or "tensorboard"
    command = "cnnviz import tensorboard"
    run = (RunDirectory(args.out, mode="overwrite" if args.overwrite else "new", command=command) if args.out
           else RunDirectory.create(None, "tensorboard", name, command=command))
    try:
        run.steps, run.epochs = steps, epochs
        run.flush()
        run.update_info(engine="tensorboard", dataset=name, source=str(logdir.resolve()), status="finished",
                        epochs_completed=len(epochs), epochs_planned=len(epochs))
    finally:
        run.close()
    print(f"wrote {len(epochs)} epoch(s) and {len(steps)} batch(es) from {logdir} to {run.path}")
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

    importing = commands.add_parser("import", help="read another tool's runs (TensorBoard) for History",
                                    description="Read another tool's runs into a cnnviz run folder.")
    sources = importing.add_subparsers(dest="format", metavar="FORMAT", required=True)
    logs = sources.add_parser(
        "tensorboard", help="a TensorBoard log folder's loss and accuracy curves",
        description="Read the scalars of a TensorBoard log folder (Keras's layout: train/ and validation/ with "
                    "epoch_loss, epoch_accuracy, batch_loss ...) into a run folder, which History lists beside "
                    "cnnviz's own runs so their curves can be compared.")
    logs.add_argument("logdir", metavar="LOGDIR", help="the folder given to tensorboard --logdir")
    logs.add_argument("--out", metavar="DIR", help="the run folder to write (default: a new one where History looks)")
    logs.add_argument("--overwrite", action="store_true", help="replace what --out holds")
    logs.set_defaults(handler=_command_import_tensorboard)
