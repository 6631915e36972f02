"""The ``shequn`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _cmd_book_build(args: argparse.Namespace) -> int:
    from shequn.book import BookBuildError, build, project_root

    try:
        html = build(project_root(Path(args.root)))
    except BookBuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"网站已生成 (site built): {html / 'index.html'}")
    return 0


def _cmd_book_notebooks(args: argparse.Namespace) -> int:
    from shequn.book import project_root, write_notebooks

    for path in write_notebooks(project_root(Path(args.root))):
        print(f"已执行并写入 (executed): {path}")
    return 0


def _cmd_font(args: argparse.Namespace) -> int:
    from shequn.plotting import FontNotFoundError, find_cjk_font, use_chinese_font

    try:
        found = find_cjk_font()
        family = use_chinese_font()
    except FontNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"中文字体 (CJK font): {family} ({found})")
    return 0


def _cmd_connectors(args: argparse.Namespace) -> int:
    import pandas as pd

    from shequn import connectors

    try:
        table = connectors.era_reach(args.era, args.weeks, args.content_quality, args.platform_decline)
    except (KeyError, ValueError) as exc:
        print(f"参数错误 (bad argument): {exc}", file=sys.stderr)
        return 2
    with pd.option_context("display.width", 160, "display.unicode.east_asian_width", True):
        print(table.round(3).to_string())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shequn", description="社群运营课程工具 (community-operations course kit)")
    sub = parser.add_subparsers(dest="command", required=True)

    book = sub.add_parser("book", help="课程网站 (the course book)")
    book_sub = book.add_subparsers(dest="book_command", required=True)
    b = book_sub.add_parser("build", help="严格构建网站到 _build/html (strict site build)")
    b.add_argument("--root", default=".", help="project folder (default: search upwards from here)")
    b.set_defaults(func=_cmd_book_build)
    n = book_sub.add_parser("notebooks", help="执行课程笔记本并写入 .ipynb (execute paired notebooks)")
    n.add_argument("--root", default=".")
    n.set_defaults(func=_cmd_book_notebooks)

    f = sub.add_parser("font", help="检查绘图用的中文字体 (check the CJK plotting font)")
    f.set_defaults(func=_cmd_font)

    c = sub.add_parser("connectors", help="第 1 课的连接器模型 (lesson 1 connector model)")
    c.add_argument("--era", default="community_commerce",
                   help="mass_sales | deep_distribution | community_commerce")
    c.add_argument("--weeks", type=int, default=12)
    c.add_argument("--content-quality", type=float, default=0.6)
    c.add_argument("--platform-decline", type=float, default=0.0)
    c.set_defaults(func=_cmd_connectors)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
