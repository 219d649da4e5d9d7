"""The ``cnnviz`` command line: the desktop application without a command, and ``summary``,
``data``, ``train``, ``runs``, ``inspect``, ``explain``, ``embed``, ``experiment``, ``bench`` and the
science commands (:mod:`cnnviz.cli.science`); every command has ``--help``.

One module per command (:mod:`~cnnviz.cli.summary`, :mod:`~cnnviz.cli.data`,
:mod:`~cnnviz.cli.train`, :mod:`~cnnviz.cli.runs`, :mod:`~cnnviz.cli.inspection`, :mod:`~cnnviz.cli.explain`,
:mod:`~cnnviz.cli.embed`, :mod:`~cnnviz.cli.experiment`,
:mod:`~cnnviz.cli.benchmarks`, :mod:`~cnnviz.cli.science`), each adding its sub-parser and handler;
:mod:`cnnviz.cli.parser` puts them together and :func:`main` runs one. Commands import what
they need when they run, so ``cnnviz --help`` stays fast and never loads Qt or TensorFlow.
"""

from cnnviz.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
