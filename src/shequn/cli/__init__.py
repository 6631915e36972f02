"""The ``shequn`` command line: the entry point above the three layers.

Every command imports what it needs lazily, inside the command: ``shequn font`` and
``shequn data``/``connectors`` import only the learner package, ``shequn book`` the site tooling
(``shequn.site``, the ``site`` extra), ``shequn grade``/``assignments`` the grader
(``shequn.grading``, the ``grading`` extra).  So ``shequn font`` works after a plain
``pip install shequn``, and no layer imports this package (``tests/test_layers.py`` checks both).
One module per command group: ``book`` (site), ``data`` (group-chat tables), ``grading``
(assignments and ``grade``), ``learner`` (``font``, ``connectors``).
"""

from __future__ import annotations

import argparse

from shequn.cli import book, data, grading, learner

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shequn", description="社群运营课程工具 (community-operations course kit)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (book, data, grading, learner):  # the order `shequn --help` lists them in
        group.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
