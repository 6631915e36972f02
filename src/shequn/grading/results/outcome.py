"""What a grading run reports: a :class:`Result` per submission, its flags, and the summary table.

Shared by the local run (:mod:`shequn.grading.scheduler`) and the Dask one
(:mod:`shequn.grading.cluster`).  Every flag in :data:`FLAG_TEXT` marks a submission for the
instructor; one in :data:`HOLD_BACK` also keeps its grades out of ``shequn grade export`` until
an instructor has graded it in formgrader.  :class:`GradeError` is the other outcome: the
grader itself cannot run (bad course, unknown assignment, no sandbox, a run already going).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shequn.grading.sanitize import escape_for_log

__all__ = ["GradeError", "Result", "summary_table", "FLAG_TEXT", "HOLD_BACK"]

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
    "test not run faithfully": "测试无法在沙箱外如实运行，需人工评分 (a test cell could not be run faithfully: "
                               "held for manual grading)",
    "answer refused": "答案过大、嵌套过深或无穷，未能检查 (an answer too big, too deep or endless was refused)",
    "test cell error": "测试单元格本身有错（出题人的错误） (a test cell itself is broken: the instructor's error)",
    "needs manual grading": "需要人工评分 (needs manual grading)",
}
# a submission with one of these flags is exported only after an instructor has graded it
HOLD_BACK = frozenset(FLAG_TEXT) - {"needs manual grading", "cell timed out"}


class GradeError(RuntimeError):
    """The grader itself cannot run (bad course, unknown assignment...)."""


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


def summary_table(results: list[Result], assignment: str) -> str:
    """Plain-text summary: counts, then every submission that needs attention and why.

    Learner-controlled text (student ids from folder names, details) is escaped: no control
    character reaches the instructor's terminal or forges a line.
    """
    lines = []
    graded = sum(not r.skipped for r in results)
    lines.append(f"作业 {assignment}: {len(results)} 份提交，本次评分 {graded} 份，"
                 f"{len(results) - graded} 份已在日志中 (submissions: {len(results)}, graded now: {graded}, "
                 f"already journaled: {len(results) - graded})")
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
        lines.append(f"以上 {len(held)} 份在教师于 formgrader 中评分前不会导出成绩 "
                     f"({len(held)} held back from export until graded in formgrader)")
    return "\n".join(lines)
