"""The window's training against the command line's, alternating (``cnnviz bench app``; see
cnnviz/bench/app_training.py): run with
`python benchmarks/bench_app_training.py [--rounds 3] [--images 6000] [--batch-sizes 128 32] [--same-priority]`.

``--same-priority`` runs the window's worker at the command line's priority instead of its lower one: on a
machine busy with other processes the lowered priority starves the window's training by design, and only at
the same priority does the ratio show the window's own cost. ``--app-workers 1`` gives the window's service
the old one-thread setting, for comparison.
"""

import argparse
import os
import sys

from cnnviz.bench.app_training import app_vs_cli


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--images", type=int, default=6_000, help="training subset (a tenth is held out)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[128, 32])
    parser.add_argument("--same-priority", action="store_true")
    parser.add_argument("--app-workers", type=int, default=None, help="the window's engine threads (default: all)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.images < 10 or min(args.batch_sizes) < 1:
        parser.error("--rounds and --batch-sizes must be at least 1 and --images at least 10.")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    app_vs_cli(lambda line: print(line, flush=True), rounds=args.rounds, num_samples=args.images,
               batch_sizes=tuple(args.batch_sizes), engine_workers=args.app_workers,
               same_priority=args.same_priority)
    return 0


if __name__ == "__main__":
    sys.exit(main())
