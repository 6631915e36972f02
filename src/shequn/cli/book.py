"""`shequn book`: build the course site, execute the lessons' paired notebooks (site tooling).

The site layer (``shequn.site``, the ``site`` extra) is imported inside each command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cmd_book_build(args: argparse.Namespace) -> int:
    from shequn.site.build import BookBuildError, build, project_root

    try:
        html = build(project_root(Path(args.root)))
    except BookBuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"网站已生成 (site built): {html / 'index.html'}")
    return 0


def _cmd_book_notebooks(args: argparse.Namespace) -> int:
    from shequn.site.build import project_root, write_notebooks

    for path in write_notebooks(project_root(Path(args.root)), [Path(p) for p in args.only]):
        print(f"已执行并写入 (executed): {path}")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``book build`` and ``book notebooks``."""
    book = sub.add_parser("book", help="课程网站 (the course book)")
    book_sub = book.add_subparsers(dest="book_command", required=True)
    b = book_sub.add_parser("build", help="严格构建网站到 _build/html (strict site build)")
    b.add_argument("--root", default=".", help="project folder (default: search upwards from here)")
    b.set_defaults(func=_cmd_book_build)
    n = book_sub.add_parser("notebooks", help="执行课程笔记本并写入 .ipynb (execute paired notebooks)")
    n.add_argument("--root", default=".")
    n.add_argument("only", nargs="*", help="lesson .md files (default: all)")
    n.set_defaults(func=_cmd_book_notebooks)
