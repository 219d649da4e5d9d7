"""Benchmark 'latency' (see cnnviz/bench/engines.py): run with `python benchmarks/latency.py [--quick]`."""

import sys

from cnnviz.bench import main

if __name__ == "__main__":
    sys.exit(main(["latency", *sys.argv[1:]]))
