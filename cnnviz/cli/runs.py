"""``cnnviz runs``: the training runs in a folder, with their true status and whether they can resume."""

from __future__ import annotations

import argparse
import json

from cnnviz.cli.common import CommandError


def run_record(run) -> dict:
    """What ``cnnviz runs`` says about one :class:`~cnnviz.core.runs.RunInfo`."""
    return {"path": str(run.path), "name": run.name, "engine": run.engine, "dataset": run.dataset,
            "status": run.status, "epochs_completed": run.num_epochs, "best_accuracy": run.best_accuracy,
            "test_accuracy": run.test_accuracy, "resumable": run.resumable}


def _command_runs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cnnviz.core.runs import list_runs, user_data_dir

    root = Path(args.folder) if args.folder else user_data_dir() / "runs"
    if args.folder and not root.is_dir():
        raise CommandError(f"There is no folder {root}. Give a folder that holds run folders (default: "
                           f"{user_data_dir() / 'runs'}).")
    records = [run_record(run) for run in list_runs(root)]
    if args.json:
        print(json.dumps(records, indent=2))
        return 0
    if not records:
        print(f"no runs in {root}")
        return 0
    print(f"{len(records)} run(s) in {root}")
    header = f"{'status':<12} {'epochs':>6} {'best acc.':>9}  {'resume':<6}  path"
    print(header)
    for record in records:
        best = f"{record['best_accuracy']:.4f}" if record["best_accuracy"] is not None else "-"
        print(f"{record['status']:<12} {record['epochs_completed']:>6} {best:>9}  "
              f"{'yes' if record['resumable'] else 'no':<6}  {record['path']}")
    if any(record["resumable"] for record in records):
        print("continue a run with: cnnviz train --resume PATH [--epochs N]")
    return 0


def add_runs_command(commands: argparse._SubParsersAction) -> None:
    """Add the command to the main parser's sub-commands."""
    runs = commands.add_parser(
        "runs", help="list training runs with their status and whether they can be resumed",
        description="List the run folders in FOLDER (default: the user data folder's runs/), newest "
                    "first: path, status (a run whose process died shows as interrupted), epochs "
                    "completed, best accuracy and whether cnnviz train --resume can continue it.")
    runs.add_argument("folder", nargs="?", metavar="FOLDER", help="a folder holding run folders")
    runs.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    runs.set_defaults(handler=_command_runs)
