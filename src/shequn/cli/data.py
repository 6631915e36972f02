"""`shequn data`: generate, import, export and validate group-chat tables (learner package).

Each command imports ``shequn.data`` when it runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _cmd_data_generate(args: argparse.Namespace) -> int:
    from shequn.data.generate import generate, write_dataset

    if args.groups < 1:
        print("参数错误 (bad argument): --groups 必须 ≥ 1", file=sys.stderr)
        return 2
    tables = generate(seed=args.seed, groups=args.groups, progress=not args.quiet)
    for path in write_dataset(tables, Path(args.out), seed=args.seed, groups=args.groups):
        print(f"已写入 (written): {path}")
    return 0


def _print_formats() -> None:
    from shequn.data.importers.formats import text_listing

    print(text_listing())


def _cmd_data_export(args: argparse.Namespace) -> int:
    from shequn.data import DataError
    from shequn.data.importers.chatlab_export import export_chatlab

    if args.format != "chatlab":
        print(
            f"参数错误 (bad argument)：--format 只支持 chatlab（不是 {args.format}）。"
            "\n  only --format chatlab",
            file=sys.stderr,
        )
        return 2
    try:
        path = export_chatlab(args.folder, args.out, args.group_id)
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"{args.folder}：无法写出（{type(exc).__name__}：{exc}）。\n  could not write the export",
            file=sys.stderr,
        )
        return 1
    print(
        f"已写入 (written): {path}（ChatLab 标准格式 / ChatLab Standard Format；"
        "名字与导入时相同，默认已假名化 "
        "names as imported, pseudonymised by default）"
    )
    return 0


def _cmd_data_import(args: argparse.Namespace) -> int:
    from shequn.data import DataError
    from shequn.data.importers import PIPL_NOTE, import_exports

    if args.format == "list":
        _print_formats()
        return 0
    if not args.files or not args.out:
        print(
            "参数错误 (bad arguments)：需要至少一个文件和 --out 文件夹。\n  need FILE... and --out DIR "
            "(or --format list)",
            file=sys.stderr,
        )
        return 2
    if args.max_mb is not None and args.max_mb <= 0:
        print("参数错误 (bad argument)：--max-mb 必须 > 0", file=sys.stderr)
        return 2
    kwargs: dict[str, Any] = {} if args.max_mb is None else {"max_bytes": int(args.max_mb * 1024**2)}
    try:
        result = import_exports(
            args.files,
            args.out,
            fmt=args.format,
            group=args.group,
            tz=args.tz,
            keep_names=args.keep_names,
            keep_text=args.keep_text,
            group_id=args.group_id,
            **kwargs,
        )
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (OSError, MemoryError, RecursionError) as exc:  # unreadable file, out of memory: no traceback
        print(
            f"{args.files[0]}：无法读取或处理（{type(exc).__name__}：{exc}）。"
            "\n  could not read or process the file",
            file=sys.stderr,
        )
        return 1
    s = result.summary
    print(f"格式 (format): {result.format}；聊天 (conversation): {result.conversation}")
    print(
        f"成员 (members) {s['members']}（潜水 lurkers {s['lurkers']}，退群 left {s['left_members']}）；"
        f"消息 (messages) {s['messages']} {s['messages_by_type']}；入群事件 (joins) {s['joins']}；"
        f"红包 (red packets) {s['red_packets']} / 红包消息 {s['red_packet_messages']}；"
        f"事件 (events) {s['events_by_kind']}"
    )
    print(
        f"未能对应到账号的昵称 (unresolved actors) {s['unresolved_actors']}"
        f"（出现在 {s['unresolved_mentions_in_events']} 处事件中，"
        "没有为它们建成员 no members made for them）；"
        f"合并的重复记录 (merged duplicates) {s['merged_duplicates']}"
    )
    for warning in s["warnings"]:
        print(f"注意 (warning)：{warning}")
    print("此格式未知的字段 (unknown in this export): " + "; ".join(result.unknown))
    print(PIPL_NOTE)
    for path in result.written:
        print(f"已写入 (written): {path}")
    return 0


def _table_for(path: Path, explicit: str | None) -> str | None:
    from shequn.data.schema import TABLES

    if explicit:
        return explicit
    for name, spec in TABLES.items():
        if path.name == spec.file or path.stem == name:
            return name
    return None


def _cmd_data_validate(args: argparse.Namespace) -> int:
    from shequn.data import DataError, validate_file

    failures = 0
    for name in args.files:
        path = Path(name)
        table = _table_for(path, args.table)
        if table is None and path.name in ("events.csv", "message_texts.csv"):
            print(
                f"{path}：跳过，这是 `shequn data import` 写出的附加文件，不是四张表之一。"
                f"\n  skipped: an extra file written by `shequn data import`, not one of the four tables"
            )
            continue
        if table is None:
            print(
                f"{path}：无法从文件名判断是哪张表，请用 --table 指定。"
                f"\n  cannot tell the table from the file name; pass --table",
                file=sys.stderr,
            )
            failures += 1
            continue
        try:
            rows = validate_file(path, table)
        except DataError as exc:
            print(exc, file=sys.stderr)
            failures += 1
        else:
            print(f"{path}：通过，{rows} 行 (valid, {rows} rows, table {table})")
    return 1 if failures else 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``data generate``, ``import`` (and ``import-qq``), ``export``, ``validate``."""
    data = sub.add_parser("data", help="群聊数据 (group-chat data)")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    g = data_sub.add_parser("generate", help="生成合成数据 (generate synthetic data)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--groups", type=int, default=20)
    g.add_argument("--out", required=True, help="output folder")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=_cmd_data_generate)
    for cmd, fmt, text in (
        ("import", None, "导入聊天记录导出文件 (import chat exports: QQ, WeChat, Telegram, Discord)"),
        ("import-qq", "qq-text", "= import --format qq-text（旧命令 legacy alias）"),
    ):
        q = data_sub.add_parser(cmd, help=text)
        q.add_argument("files", nargs="*", metavar="FILE")
        q.add_argument("--out", help="output folder")
        q.add_argument(
            "--format",
            default=fmt,
            help="a name from `--format list`, or list (default: detect from content)",
        )
        q.add_argument("--group", help="which conversation of a multi-chat export (name)")
        q.add_argument(
            "--tz", default="Asia/Shanghai", help="time zone of times without one (default Asia/Shanghai)"
        )
        q.add_argument("--keep-names", action="store_true", help="keep nicknames (default: pseudonymise)")
        q.add_argument("--keep-text", action="store_true", help="keep message text in message_texts.csv")
        q.add_argument("--group-id", default=None, help="group_id to write (default qq001/wx001/tg001/dc001)")
        q.add_argument(
            "--max-mb", type=float, default=None, help="refuse files larger than this (default 512)"
        )
        q.set_defaults(func=_cmd_data_import)
    e = data_sub.add_parser(
        "export", help="导出为 ChatLab 标准格式 (export the tables as ChatLab Standard Format)"
    )
    e.add_argument("folder", metavar="DIR", help="folder with the four tables (e.g. an import's --out)")
    e.add_argument("--format", default="chatlab", help="chatlab (the only one)")
    e.add_argument("--out", default=None, help="output file (default DIR/<group_id>.chatlab.json)")
    e.add_argument("--group-id", default=None, help="which group, when the folder holds several")
    e.set_defaults(func=_cmd_data_export)
    v = data_sub.add_parser("validate", help="检查 CSV 文件 (validate CSV files, streamed)")
    v.add_argument("files", nargs="+")
    v.add_argument("--table", choices=["groups", "members", "messages", "red_packets"])
    v.set_defaults(func=_cmd_data_validate)
