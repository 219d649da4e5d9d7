"""Benchmark 'fashion' (see cnnviz/bench/engines.py): run with `python benchmarks/fashion.py [--quick]`."""

import sys

from cnnviz.bench import main

if __name__ == "__main__":
    sys.exit(main(["fashion", *sys.argv[1:]]))
