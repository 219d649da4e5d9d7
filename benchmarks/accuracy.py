"""Benchmark 'accuracy' (see cnnviz/bench/engines.py): run with `python benchmarks/accuracy.py [--quick]`."""

import sys

from cnnviz.bench import main

if __name__ == "__main__":
    sys.exit(main(["accuracy", *sys.argv[1:]]))
