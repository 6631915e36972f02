"""`shequn font` and `shequn connectors`: quick checks with the learner package alone."""

from __future__ import annotations

import argparse
import sys


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

    from shequn.models import connectors

    try:
        table = connectors.era_reach(args.era, args.weeks, args.content_quality, args.platform_decline)
    except (KeyError, ValueError) as exc:
        print(f"参数错误 (bad argument): {exc}", file=sys.stderr)
        return 2
    with pd.option_context("display.width", 160, "display.unicode.east_asian_width", True):
        print(table.round(3).to_string())
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``font`` and ``connectors``."""
    f = sub.add_parser("font", help="检查绘图用的中文字体 (check the CJK plotting font)")
    f.set_defaults(func=_cmd_font)

    c = sub.add_parser("connectors", help="第 1 课的连接器模型 (lesson 1 connector model)")
    c.add_argument(
        "--era", default="community_commerce", help="mass_sales | deep_distribution | community_commerce"
    )
    c.add_argument("--weeks", type=int, default=12)
    c.add_argument("--content-quality", type=float, default=0.6)
    c.add_argument("--platform-decline", type=float, default=0.0)
    c.set_defaults(func=_cmd_connectors)
