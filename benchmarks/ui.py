"""Benchmark 'ui' (see cnnviz/bench/ui.py): run with `python benchmarks/ui.py [--quick]`."""

import sys

from cnnviz.bench import main

if __name__ == "__main__":
    sys.exit(main(["ui", *sys.argv[1:]]))
