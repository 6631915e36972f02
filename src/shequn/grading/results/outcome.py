"""What a grading run reports: a :class:`Result` per submission, its flags, and the summary table.

Shared by the local run (:mod:`shequn.grading.running.local_pool`) and the Dask one
(:mod:`shequn.grading.running.dask_coordinator`).  Every flag in :data:`FLAG_TEXT` marks a submission for the
instructor; one in :data:`HOLD_BACK` also keeps its grades out of ``shequn grade export`` until
an instructor has graded it in formgrader.  :class:`GradeError` is the other outcome: the
grader itself cannot run (bad course, unknown assignment, no sandbox, a run already going).

How the flags are found: with the tests in the trusted grader, nothing in a notebook can change
how a test runs; what is left to check is the submission's shape and what the run reported.
:func:`classify_log` reads nbgrader's log (timeouts, dead kernels, sandbox refusals, nbgrader
errors); :func:`invalid_notebooks` checks every notebook is readable and valid (each one, so an
invalid extra notebook cannot hide anything); :func:`missing_test_cells` finds missing or
duplicated test cells; :func:`trusted_report_flags` reads what the trusted runner reported
(answer data the channel refused, tests that could not run, answer cells deleted or cells moved
against the source's order: :mod:`shequn.grading.results.layout`).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from shequn.grading.nbgrader_plugins.sanitize import escape_for_log

__all__ = [
    "GradeError",
    "GradingStopped",
    "Result",
    "summary_table",
    "FLAG_TEXT",
    "HOLD_BACK",
    "classify_log",
    "invalid_notebooks",
    "missing_test_cells",
    "trusted_report_flags",
    "progress_line",
]

FLAG_TEXT = {
    "timed out": "超时被终止 (notebook wall-clock timeout: killed)",
    "cell timed out": "有单元格超时 (a cell hit the per-cell timeout)",
    "kernel died": "内核崩溃 (kernel died: memory/process limit or crash)",
    "nbgrader error": "nbgrader 出错 (nbgrader error, see log)",
    "invalid notebook": "笔记本文件无效 (invalid notebook file)",
    "sandbox error": "沙箱无法启动 (sandbox could not start the kernel)",
    "invalid answer data": "答案数据不合规 (the kernel sent data the grader refused)",
    "test cell missing": "测试单元格缺失或重复 (a test cell is missing or duplicated)",
    "grader error": "评分程序出错 (a test or instructor cell failed in the grader)",
    "test not run faithfully": "测试无法在沙箱外如实运行，需人工评分 "
    "(a test cell could not be run faithfully: held for manual grading)",
    "answer refused": "答案过大、嵌套过深或无穷，未能检查 "
    "(an answer too big, too deep or endless was refused)",
    "test cell error": "测试单元格本身有错（出题人的错误） "
    "(a test cell itself is broken: the instructor's error)",
    "answer cell missing": "答案单元格被删除 (an answer cell was deleted: its tests scored as plain nbgrader "
    "scores them)",
    "cells reordered": "单元格顺序被改动 (cells were moved: each test scored where it stands, "
    "as plain nbgrader scores it)",
    "needs manual grading": "需要人工评分 (needs manual grading)",
}
# a submission with one of these flags is exported only after an instructor has graded it
# (a deleted answer or moved cells are graded faithfully, in the submission's order: shown, not held)
HOLD_BACK = frozenset(FLAG_TEXT) - {
    "needs manual grading",
    "cell timed out",
    "answer cell missing",
    "cells reordered",
}


class GradeError(RuntimeError):
    """The grader itself cannot run (bad course, unknown assignment...)."""

    exit_code = 1


class GradingStopped(GradeError):
    """SIGTERM or SIGINT stopped a run: what finished is journaled, the rest is graded by a rerun."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.exit_code = 128 + signum  # as a shell reports a process killed by that signal


@dataclass
class Result:
    student: str
    status: str  # "ok" or the main flag
    flags: list = field(default_factory=list)
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    detail: str = ""
    skipped: bool = False  # already in the journal with the same hash

    @property
    def needs_attention(self) -> bool:
        return bool(self.flags)


def progress_line(r: Result) -> str:
    """One line per graded submission, as the progress bar shows it (learner text escaped)."""
    mark = "✓" if r.status in ("ok", "needs manual grading") else "⚠"
    score = "-" if r.score is None else f"{r.score:g}/{r.max_score:g}"
    return f"{mark} {escape_for_log(r.student, 80)}: {score}  {r.status}  ({r.seconds:.1f}s)"


def classify_log(log: str, rc: int | None, timed_out: bool, autograded: Path) -> tuple[list[str], str]:
    """(flags, detail) from one submission's nbgrader log, exit code and autograded notebooks."""
    flags, detail = [], ""
    if timed_out:
        flags.append("timed out")
    if "[shequn-sandbox] refusing" in log:
        flags.append("sandbox error")
        detail = next(line for line in log.splitlines() if "[shequn-sandbox] refusing" in line)
    if "DeadKernelError" in log or "Kernel died" in log or "kernel died" in log:
        flags.append("kernel died")
        detail = detail or "内核在执行中死亡 (kernel died while executing: memory/process limit, or killed)"
    if not timed_out and (rc != 0 or "[ERROR]" in log.replace("| ERROR]", "[ERROR]")):
        if "kernel died" not in flags and "sandbox error" not in flags:
            flags.append("nbgrader error")
        if not detail:
            errors = [line for line in log.splitlines() if "ERROR" in line]
            detail = errors[-1].strip() if errors else f"exit code {rc}"
    if not timed_out:
        for nb in autograded.glob("*.ipynb"):
            with contextlib.suppress(OSError):
                if '"CellTimeoutError"' in nb.read_text(encoding="utf-8", errors="replace"):
                    flags.append("cell timed out")
                    break
    return flags, detail


def summary_table(results: list[Result], assignment: str) -> str:
    """Plain-text summary: counts, then every submission that needs attention and why.

    Learner-controlled text (student ids from folder names, details) is escaped: no control
    character reaches the instructor's terminal or forges a line.
    """
    lines = []
    graded = sum(not r.skipped for r in results)
    lines.append(
        f"作业 {assignment}: {len(results)} 份提交，本次评分 {graded} 份，"
        f"{len(results) - graded} 份已在日志中 (submissions: {len(results)}, graded now: {graded}, "
        f"already journaled: {len(results) - graded})"
    )
    attention = [r for r in results if r.needs_attention]
    if not attention:
        lines.append("全部正常，无需处理 (nothing needs attention)")
        return "\n".join(lines)
    rows = [("学生 student", "得分 score", "原因 why", "说明 detail")]
    for r in attention:
        score = "-" if r.score is None else f"{r.score:g}/{r.max_score:g}"
        rows.append((escape_for_log(r.student, 60), score, "; ".join(r.flags), escape_for_log(r.detail, 300)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines.append(f"需要处理的提交 (submissions needing attention): {len(attention)}")
    for row in rows:
        lines.append("  " + "  ".join(row[i].ljust(widths[i]) for i in range(3)) + "  " + row[3])
    held = [r for r in attention if any(f in HOLD_BACK for f in r.flags)]
    if held:
        lines.append(
            f"以上 {len(held)} 份在教师于 formgrader 中评分前不会导出成绩 "
            f"({len(held)} held back from export until graded in formgrader)"
        )
    return "\n".join(lines)


def invalid_notebooks(folder: Path) -> list[str]:
    """``name: error`` for every notebook in *folder* that nbformat cannot read or validate."""
    import nbformat

    found = []
    for nb in sorted(Path(folder).rglob("*.ipynb")):
        if ".ipynb_checkpoints" in nb.parts:
            continue
        try:
            nbformat.validate(nbformat.read(nb, as_version=4))
        except Exception as exc:  # noqa: BLE001 - any parse/validation error
            first = str(exc).splitlines()[0] if str(exc) else ""
            found.append(f"{nb.relative_to(folder)}: {type(exc).__name__}: {first[:120]}")
    return found


def missing_test_cells(autograded: Path, expected: dict[str, set[str]]) -> list[str]:
    """Test cells (grade_id per notebook) that are not exactly once in the autograded notebooks."""
    import nbformat

    problems = []
    for name, ids in expected.items():
        path = Path(autograded) / f"{name}.ipynb"
        if not path.exists():
            problems.append(f"{name}.ipynb: 没有提交 / not submitted")
            continue
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001
            problems.append(f"{name}.ipynb: 无法读取 / unreadable")
            continue
        seen: dict[str, int] = {}
        for cell in nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in ids:
                seen[gid] = seen.get(gid, 0) + 1
        for gid in sorted(ids):
            if seen.get(gid, 0) != 1:
                problems.append(
                    f"{name}.ipynb: 测试单元格 {gid} 缺失或重复 / test cell missing or duplicated"
                )
    return problems


def trusted_report_flags(report_dir: Path) -> tuple[list[str], list[str]]:
    """(flags, details) from the trusted runner's per-notebook reports."""
    flags, details = [], []
    for path in sorted(Path(report_dir).glob("*.json")):
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if report.get("violations"):
            flags.append("invalid answer data")
            details += [f"{path.stem}: {v}" for v in report["violations"][:3]]
        if report.get("instructor_errors"):
            flags.append("grader error")
            details += [f"{path.stem}: instructor cell {e}" for e in report["instructor_errors"][:3]]
        if report.get("kernel_gone"):
            flags.append("kernel died")
            details.append(
                f"{path.stem}: 内核在测试中停止响应 / the kernel stopped answering during the tests"
            )
        if report.get("refused"):
            flags.append("answer refused")
            details += [f"{path.stem}: {r}" for r in report["refused"][:3]]
        if report.get("missing_cells"):
            flags.append("test cell missing")
            details.append(
                f"{path.stem}: 只读单元格缺失 / read-only cells missing: "
                + ", ".join(map(str, report["missing_cells"][:5]))
            )
        if report.get("missing_answers"):
            flags.append("answer cell missing")
            details.append(
                f"{path.stem}: 答案单元格被删除，其测试按原样评分 / answer cells deleted (their tests "
                "graded as they ran): " + ", ".join(map(str, report["missing_answers"][:5]))
            )
        if report.get("reordered"):
            flags.append("cells reordered")
            details.append(
                f"{path.stem}: 单元格顺序被改动，按提交的顺序评分 / cells moved, graded in the "
                "submitted order: " + "; ".join(map(str, report["reordered"][:5]))
            )
        for item in report.get("unfaithful", [])[:5]:
            flags.append("test not run faithfully")
            details.append(
                f"{path.stem}: 测试单元格 {item.get('cell')}: {item.get('construct')} "
                f"({item.get('reason')}) / test cell {item.get('cell')} held for manual grading"
            )
        for item in report.get("test_errors", [])[:5]:
            flags.append("test cell error")
            details.append(f"{path.stem}: {item.get('reason')}")
        if any(v == "missing" for v in report.get("tests", {}).values()):
            flags.append("grader error")
            details.append(f"{path.stem}: a test cell is not in the gradebook")
    return sorted(set(flags)), details
