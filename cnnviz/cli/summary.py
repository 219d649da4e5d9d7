"""``cnnviz summary``: the layer table of a model configuration, as text or JSON."""

from __future__ import annotations

import argparse
import json

from cnnviz.cli.common import load_config


def _command_summary(args: argparse.Namespace) -> int:
    from cnnviz.core.summary import summarize

    summary = summarize(load_config(args.config))
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        title = args.config or "the default model (the report's reference CNN)"
        print(f"Model: {title}")
        print(summary.to_text())
    return 0


def add_summary_command(commands: argparse._SubParsersAction) -> None:
    """Add the command to the main parser's sub-commands."""
    summary = commands.add_parser(
        "summary", help="print the layer table of a model configuration",
        description="Print each layer's name, output shape and parameter count, with totals, "
                    "computed from the configuration alone (Keras's numbers).")
    summary.add_argument("--config", metavar="FILE",
                         help="a model configuration in JSON (default: the report's reference model)")
    summary.add_argument("--json", action="store_true", help="print the summary as JSON")
    summary.set_defaults(handler=_command_summary)
