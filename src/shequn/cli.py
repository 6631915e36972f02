"""The ``shequn`` command line: the entry point above the three layers.

Every command imports what it needs lazily, inside the command: ``shequn font`` and
``shequn data``/``connectors`` import only the learner package, ``shequn book`` the site tooling
(``shequn.site``, the ``site`` extra), ``shequn grade``/``assignments`` the grader
(``shequn.grading``, the ``grading`` extra).  So ``shequn font`` works after a plain
``pip install shequn``, and no layer imports this module (``tests/test_layers.py`` checks both).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


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
        print(f"参数错误 (bad argument)：--format 只支持 chatlab（不是 {args.format}）。\n  only --format chatlab",
              file=sys.stderr)
        return 2
    try:
        path = export_chatlab(args.folder, args.out, args.group_id)
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{args.folder}：无法写出（{type(exc).__name__}：{exc}）。\n  could not write the export", file=sys.stderr)
        return 1
    print(f"已写入 (written): {path}（ChatLab 标准格式 / ChatLab Standard Format；名字与导入时相同，默认已假名化 "
          "names as imported, pseudonymised by default）")
    return 0


def _cmd_data_import(args: argparse.Namespace) -> int:
    from shequn.data.importers import PIPL_NOTE, import_exports
    from shequn.data import DataError

    if args.format == "list":
        _print_formats()
        return 0
    if not args.files or not args.out:
        print("参数错误 (bad arguments)：需要至少一个文件和 --out 文件夹。\n  need FILE... and --out DIR "
              "(or --format list)", file=sys.stderr)
        return 2
    if args.max_mb is not None and args.max_mb <= 0:
        print("参数错误 (bad argument)：--max-mb 必须 > 0", file=sys.stderr)
        return 2
    kwargs = {} if args.max_mb is None else {"max_bytes": int(args.max_mb * 1024**2)}
    try:
        result = import_exports(args.files, args.out, fmt=args.format, group=args.group, tz=args.tz,
                                keep_names=args.keep_names, keep_text=args.keep_text, group_id=args.group_id,
                                **kwargs)
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (OSError, MemoryError, RecursionError) as exc:  # unreadable file, out of memory: no traceback
        print(f"{args.files[0]}：无法读取或处理（{type(exc).__name__}：{exc}）。\n  could not read or process the file",
              file=sys.stderr)
        return 1
    s = result.summary
    print(f"格式 (format): {result.format}；聊天 (conversation): {result.conversation}")
    print(f"成员 (members) {s['members']}（潜水 lurkers {s['lurkers']}，退群 left {s['left_members']}）；"
          f"消息 (messages) {s['messages']} {s['messages_by_type']}；入群事件 (joins) {s['joins']}；"
          f"红包 (red packets) {s['red_packets']} / 红包消息 {s['red_packet_messages']}；事件 (events) {s['events_by_kind']}")
    print(f"未能对应到账号的昵称 (unresolved actors) {s['unresolved_actors']}（出现在 {s['unresolved_mentions_in_events']} "
          f"处事件中，没有为它们建成员 no members made for them）；合并的重复记录 (merged duplicates) {s['merged_duplicates']}")
    for warning in s["warnings"]:
        print(f"注意 (warning)：{warning}")
    print("此格式未知的字段 (unknown in this export): " + "; ".join(result.unknown))
    print(PIPL_NOTE)
    for path in result.written:
        print(f"已写入 (written): {path}")
    return 0


def _cmd_assignments_release(args: argparse.Namespace) -> int:
    from shequn.site.build import project_root
    from shequn.grading.authoring.release import release_all

    for path in release_all(project_root(Path(args.root))):
        print(f"已生成学生版 (released): {path}")
    return 0


def _cmd_assignments_rehash(args: argparse.Namespace) -> int:
    from shequn.grading.authoring.release import rehash

    for name in args.sources:
        changed = rehash(Path(name))
        print(f"{name}: {len(changed)} 个摘要已更新 (digests updated)")
    return 0


def _cmd_assignments_check(args: argparse.Namespace) -> int:
    from shequn.grading.authoring.assignment_check import check_assignment, format_table
    from shequn.grading.results.outcome import GradeError

    try:
        rows = check_assignment(Path(args.course).resolve(), args.name)
    except (GradeError, RuntimeError) as exc:
        print(f"无法检查作业 {args.name} (cannot check the assignment): {exc}", file=sys.stderr)
        return 2
    print(format_table(rows))
    differ = [r for r in rows if r.differs]
    if differ:
        print(f"\n{len(differ)} 个单元格与 nbgrader 不一致 ({len(differ)} cells differ from plain nbgrader)")
        return 1
    print("\n全部单元格与 nbgrader 一致 (every cell scores as plain nbgrader)")
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
            print(f"{path}：跳过，这是 `shequn data import` 写出的附加文件，不是四张表之一。"
                  f"\n  skipped: an extra file written by `shequn data import`, not one of the four tables")
            continue
        if table is None:
            print(f"{path}：无法从文件名判断是哪张表，请用 --table 指定。"
                  f"\n  cannot tell the table from the file name; pass --table", file=sys.stderr)
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


def _cmd_grade(args: argparse.Namespace) -> int:
    from shequn.grading.results.outcome import GradeError, summary_table
    from shequn.grading.running.submission import GradingOptions

    if args.assignment == "export":
        return _cmd_grade_export(args)
    if args.extra is not None:
        print(f"参数错误 (bad argument): 多余的参数 (unexpected) {args.extra!r}", file=sys.stderr)
        return 2
    for opt in ("workers", "timeout", "cell_timeout", "memory"):
        value = getattr(args, opt)
        if value is not None and value <= 0:
            print(f"参数错误 (bad argument): --{opt.replace('_', '-')} 必须 > 0", file=sys.stderr)
            return 2
    if args.cluster and args.workers is not None:
        print("参数错误 (bad argument): --workers 只用于本机评分，集群的规模由 dask worker 决定 "
              "(--workers is for local grading; size the cluster with `dask worker --nworkers`)", file=sys.stderr)
        return 2
    # the limits, in one object from here to the sandbox and the trusted runner's channel
    options = GradingOptions(timeout=args.timeout, cell_timeout=args.cell_timeout, memory_mb=args.memory)
    try:
        if args.cluster:  # the submissions are graded on a Dask cluster; this machine writes the gradebook
            from shequn.grading.running.dask_coordinator import grade_on_cluster

            results = grade_on_cluster(Path(args.course), args.assignment, args.cluster, options,
                                       progress=not args.quiet)
        else:
            from shequn.grading.running.local_pool import grade_assignment

            results = grade_assignment(Path(args.course), args.assignment, options, workers=args.workers,
                                       progress=not args.quiet)
    except GradeError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not results:
        print(f"没有找到已收取的提交 (no collected submissions of {args.assignment})", file=sys.stderr)
        return 0
    print(summary_table(results, args.assignment))
    if args.cluster:
        from shequn.grading.running.dask_coordinator import NOT_WRITTEN

        missing = [r for r in results if r.status in NOT_WRITTEN]
        if missing:
            print(f"{len(missing)} 份提交未写入成绩册，再次运行即可补评 "
                  f"({len(missing)} submissions not written; run again to grade them)", file=sys.stderr)
            return 1
    return 0


def _cmd_grade_export(args: argparse.Namespace) -> int:
    from shequn.grading.results.export import ExportError, export_grades

    if not args.extra or not args.format or not args.out:
        print("用法 (usage): shequn grade export ASSIGNMENT --format canvas|moodle --out FILE",
              file=sys.stderr)
        return 2
    try:
        n, held = export_grades(Path(args.course), args.extra, args.format, Path(args.out),
                                canvas_id=args.canvas_id, moodle_id=args.moodle_id)
    except ExportError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"已写入 (written): {args.out} ({n} 名学生 students, {args.format})")
    if held:
        from shequn.grading.nbgrader_plugins.sanitize import escape_for_log

        print(f"暂不导出成绩（需要教师在 formgrader 中评分）/ held back until graded in formgrader: "
              f"{', '.join(escape_for_log(h, 60) for h in held)}")
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
    n.add_argument("only", nargs="*", help="lesson .md files (default: all)")
    n.set_defaults(func=_cmd_book_notebooks)

    data = sub.add_parser("data", help="群聊数据 (group-chat data)")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    g = data_sub.add_parser("generate", help="生成合成数据 (generate synthetic data)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--groups", type=int, default=20)
    g.add_argument("--out", required=True, help="output folder")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=_cmd_data_generate)
    for cmd, fmt, text in (("import", None, "导入聊天记录导出文件 (import chat exports: QQ, WeChat, Telegram, Discord)"),
                           ("import-qq", "qq-text", "= import --format qq-text（旧命令 legacy alias）")):
        q = data_sub.add_parser(cmd, help=text)
        q.add_argument("files", nargs="*", metavar="FILE")
        q.add_argument("--out", help="output folder")
        q.add_argument("--format", default=fmt, help="a name from `--format list`, or list (default: detect from "
                                                     "content)")
        q.add_argument("--group", help="which conversation of a multi-chat export (name)")
        q.add_argument("--tz", default="Asia/Shanghai", help="time zone of times without one (default Asia/Shanghai)")
        q.add_argument("--keep-names", action="store_true", help="keep nicknames (default: pseudonymise)")
        q.add_argument("--keep-text", action="store_true", help="keep message text in message_texts.csv")
        q.add_argument("--group-id", default=None, help="group_id to write (default qq001/wx001/tg001/dc001)")
        q.add_argument("--max-mb", type=float, default=None, help="refuse files larger than this (default 512)")
        q.set_defaults(func=_cmd_data_import)
    e = data_sub.add_parser("export", help="导出为 ChatLab 标准格式 (export the tables as ChatLab Standard Format)")
    e.add_argument("folder", metavar="DIR", help="folder with the four tables (e.g. an import's --out)")
    e.add_argument("--format", default="chatlab", help="chatlab (the only one)")
    e.add_argument("--out", default=None, help="output file (default DIR/<group_id>.chatlab.json)")
    e.add_argument("--group-id", default=None, help="which group, when the folder holds several")
    e.set_defaults(func=_cmd_data_export)
    v = data_sub.add_parser("validate", help="检查 CSV 文件 (validate CSV files, streamed)")
    v.add_argument("files", nargs="+")
    v.add_argument("--table", choices=["groups", "members", "messages", "red_packets"])
    v.set_defaults(func=_cmd_data_validate)

    a = sub.add_parser("assignments", help="作业 (nbgrader assignments)")
    a_sub = a.add_subparsers(dest="assignments_command", required=True)
    r = a_sub.add_parser("release", help="用 nbgrader 从 solutions/ 生成学生版 (generate student versions)")
    r.add_argument("--root", default=".")
    r.set_defaults(func=_cmd_assignments_release)
    h = a_sub.add_parser("rehash", help="数据变化后重算公开测试的答案摘要 (recompute public-test digests)")
    h.add_argument("sources", nargs="+", help="solutions/<name>/<name>.md")
    h.set_defaults(func=_cmd_assignments_rehash)
    ck = a_sub.add_parser("check", help="发布前核对：shequn grade 与 nbgrader 的逐单元格得分是否一致 "
                                        "(grade the solution and the stub both ways; compare per cell)")
    ck.add_argument("name", help="solutions/ 下的作业名 (assignment name)")
    ck.add_argument("--course", default=".", help="课程文件夹 (course folder with nbgrader_config.py)")
    ck.set_defaults(func=_cmd_assignments_check)

    gr = sub.add_parser(
        "grade", help="并行、沙箱中自动评分 (autograde submissions in parallel, sandboxed)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="shequn grade ASSIGNMENT: 用 nbgrader autograde 评分所有已收取的提交，写入 nbgrader 成绩册。\n"
                    "  autograde every collected submission with nbgrader, in the sandbox kernel;\n"
                    "  resumable (journal in _grading/shequn-grade/).\n"
                    "shequn grade export ASSIGNMENT --format canvas|moodle --out FILE: 导出成绩 (CSV import).\n"
                    "nbgrader's own export (all assignments): `nbgrader export [--to grades.csv]`.")
    gr.add_argument("assignment", help="作业名，或 export (assignment id, or `export`)")
    gr.add_argument("extra", nargs="?", help="export: 作业名 (the assignment to export)")
    gr.add_argument("--course", default=".", help="course folder with nbgrader_config.py (default: .)")
    gr.add_argument("--workers", type=int, default=None, help="parallel workers (default: CPU count)")
    gr.add_argument("--timeout", type=float, default=600, help="per-notebook wall-clock seconds (default 600)")
    gr.add_argument("--cell-timeout", type=int, default=120, help="per-cell seconds (default 120)")
    gr.add_argument("--memory", type=int, default=2048, help="memory cap per kernel, MB (default 2048)")
    gr.add_argument("--quiet", action="store_true", help="no progress bar")
    gr.add_argument("--cluster", metavar="tcp://HOST:PORT", default=None,
                    help="在 Dask 集群上评分 (grade on a Dask distributed cluster: its scheduler's address; "
                         "needs the `cluster` extra)")
    gr.add_argument("--format", choices=["canvas", "moodle"], help="export: CSV flavour")
    gr.add_argument("--out", help="export: output CSV file")
    gr.add_argument("--canvas-id", default=None, help="export: the Canvas assignment id")
    gr.add_argument("--moodle-id", default="email", choices=["email", "idnumber"],
                    help="export: Moodle identifier column (default: email)")
    gr.set_defaults(func=_cmd_grade)

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
