"""Benchmark 'speed' (see cnnviz/bench/engines.py): run with `python benchmarks/speed.py [--quick]`."""

import sys

from cnnviz.bench import main

if __name__ == "__main__":
    sys.exit(main(["speed", *sys.argv[1:]]))
