"""``python -m cnnviz.cli``: the same as ``cnnviz``."""

import sys

from cnnviz.cli import main

sys.exit(main())
