"""Launch cnnviz from a source checkout: ``python main.py [command] [options]``."""

import sys

from cnnviz.cli import main

if __name__ == "__main__":
    sys.exit(main())
