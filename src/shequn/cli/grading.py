"""`shequn assignments` and `shequn grade`: release, check and grade nbgrader assignments (grading).

The grader (``shequn.grading``, the ``grading`` extra) is imported inside each command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cmd_assignments_release(args: argparse.Namespace) -> int:
    from shequn.grading.authoring.release import release_all
    from shequn.site.build import project_root

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
        print(
            "参数错误 (bad argument): --workers 只用于本机评分，集群的规模由 dask worker 决定 "
            "(--workers is for local grading; size the cluster with `dask worker --nworkers`)",
            file=sys.stderr,
        )
        return 2
    # the limits, in one object from here to the sandbox and the trusted runner's channel
    options = GradingOptions(timeout=args.timeout, cell_timeout=args.cell_timeout, memory_mb=args.memory)
    try:
        if args.cluster:  # the submissions are graded on a Dask cluster; this machine writes the gradebook
            from shequn.grading.running.dask_coordinator import grade_on_cluster

            results = grade_on_cluster(
                Path(args.course), args.assignment, args.cluster, options, progress=not args.quiet
            )
        else:
            from shequn.grading.running.local_pool import grade_assignment

            results = grade_assignment(
                Path(args.course), args.assignment, options, workers=args.workers, progress=not args.quiet
            )
    except GradeError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    if not results:
        print(f"没有找到已收取的提交 (no collected submissions of {args.assignment})", file=sys.stderr)
        return 0
    print(summary_table(results, args.assignment))
    if args.cluster:
        from shequn.grading.running.dask_coordinator import NOT_WRITTEN

        missing = [r for r in results if r.status in NOT_WRITTEN]
        if missing:
            print(
                f"{len(missing)} 份提交未写入成绩册，再次运行即可补评 "
                f"({len(missing)} submissions not written; run again to grade them)",
                file=sys.stderr,
            )
            return 1
    return 0


def _cmd_grade_export(args: argparse.Namespace) -> int:
    from shequn.grading.results.export import ExportError, export_grades

    if not args.extra or not args.format or not args.out:
        print(
            "用法 (usage): shequn grade export ASSIGNMENT --format canvas|moodle --out FILE", file=sys.stderr
        )
        return 2
    try:
        n, held = export_grades(
            Path(args.course),
            args.extra,
            args.format,
            Path(args.out),
            canvas_id=args.canvas_id,
            moodle_id=args.moodle_id,
        )
    except ExportError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"已写入 (written): {args.out} ({n} 名学生 students, {args.format})")
    if held:
        from shequn.grading.nbgrader_plugins.sanitize import escape_for_log

        print(
            f"暂不导出成绩（需要教师在 formgrader 中评分）/ held back until graded in formgrader: "
            f"{', '.join(escape_for_log(h, 60) for h in held)}"
        )
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``assignments release|rehash|check`` and ``grade`` (with ``grade export``)."""
    a = sub.add_parser("assignments", help="作业 (nbgrader assignments)")
    a_sub = a.add_subparsers(dest="assignments_command", required=True)
    r = a_sub.add_parser("release", help="用 nbgrader 从 solutions/ 生成学生版 (generate student versions)")
    r.add_argument("--root", default=".")
    r.set_defaults(func=_cmd_assignments_release)
    h = a_sub.add_parser("rehash", help="数据变化后重算公开测试的答案摘要 (recompute public-test digests)")
    h.add_argument("sources", nargs="+", help="solutions/<name>/<name>.md")
    h.set_defaults(func=_cmd_assignments_rehash)
    ck = a_sub.add_parser(
        "check",
        help="发布前核对：shequn grade 与 nbgrader 的逐单元格得分是否一致 "
        "(grade the solution and the stub both ways; compare per cell)",
    )
    ck.add_argument("name", help="solutions/ 下的作业名 (assignment name)")
    ck.add_argument("--course", default=".", help="课程文件夹 (course folder with nbgrader_config.py)")
    ck.set_defaults(func=_cmd_assignments_check)

    gr = sub.add_parser(
        "grade",
        help="并行、沙箱中自动评分 (autograde submissions in parallel, sandboxed)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="shequn grade ASSIGNMENT: "
        "用 nbgrader autograde 评分所有已收取的提交，写入 nbgrader 成绩册。\n"
        "  autograde every collected submission with nbgrader, in the sandbox kernel;\n"
        "  resumable (journal in _grading/shequn-grade/).\n"
        "shequn grade export ASSIGNMENT --format canvas|moodle --out FILE: 导出成绩 (CSV import).\n"
        "nbgrader's own export (all assignments): `nbgrader export [--to grades.csv]`.",
    )
    gr.add_argument("assignment", help="作业名，或 export (assignment id, or `export`)")
    gr.add_argument("extra", nargs="?", help="export: 作业名 (the assignment to export)")
    gr.add_argument("--course", default=".", help="course folder with nbgrader_config.py (default: .)")
    gr.add_argument("--workers", type=int, default=None, help="parallel workers (default: CPU count)")
    gr.add_argument(
        "--timeout", type=float, default=600, help="per-notebook wall-clock seconds (default 600)"
    )
    gr.add_argument("--cell-timeout", type=int, default=120, help="per-cell seconds (default 120)")
    gr.add_argument("--memory", type=int, default=2048, help="memory cap per kernel, MB (default 2048)")
    gr.add_argument("--quiet", action="store_true", help="no progress bar")
    gr.add_argument(
        "--cluster",
        metavar="tcp://HOST:PORT",
        default=None,
        help="在 Dask 集群上评分 (grade on a Dask distributed cluster: its scheduler's address; "
        "needs the `cluster` extra)",
    )
    gr.add_argument("--format", choices=["canvas", "moodle"], help="export: CSV flavour")
    gr.add_argument("--out", help="export: output CSV file")
    gr.add_argument("--canvas-id", default=None, help="export: the Canvas assignment id")
    gr.add_argument(
        "--moodle-id",
        default="email",
        choices=["email", "idnumber"],
        help="export: Moodle identifier column (default: email)",
    )
    gr.set_defaults(func=_cmd_grade)
