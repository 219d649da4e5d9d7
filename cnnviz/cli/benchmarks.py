"""``cnnviz bench``: the engines' speed, accuracy and inspection latency, and the interface's."""

from __future__ import annotations

import argparse
import json


def _command_bench(args: argparse.Namespace) -> int:
    from cnnviz.bench import run

    results = run(args.benchmarks or ["speed", "accuracy", "fashion", "latency", "ui", "app"], quick=args.quick,
                  out=lambda line: print(line, flush=True))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)
    return 0


def add_bench_command(commands: argparse._SubParsersAction) -> None:
    """Add the command to the main parser's sub-commands."""
    bench = commands.add_parser(
        "bench", help="compare the engines' speed, accuracy and inspection latency",
        description="Run benchmarks side by side in one process and print ratios: training speed "
                    "(one epoch of 60,000 images at batch 128 and at batch 32, NumPy engine vs Keras, alternating), "
                    "accuracy on the bundled sample, accuracy on Fashion-MNIST, inspection latency, the interface's "
                    "responsiveness, and the window's training time against the command line's.")
    bench.add_argument("benchmarks", nargs="*", choices=["speed", "accuracy", "fashion", "latency", "ui", "app", []],
                       metavar="NAME", help="speed, accuracy, fashion, latency, ui, app (default: all)")
    bench.add_argument("--quick", action="store_true", help="a short smoke run with small sizes")
    bench.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    bench.set_defaults(handler=_command_bench)
