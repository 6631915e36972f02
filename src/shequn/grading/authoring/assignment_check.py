"""``shequn assignments check NAME``: does ``shequn grade`` score this assignment as plain nbgrader does?

Before a release, the instructor's source assignment is graded twice in a throw-away copy of
the course: by ``shequn grade`` (tests in the trusted grader, learner code in the sandbox) and
by plain ``nbgrader autograde`` (nbgrader's own ``Execute``: tests in the kernel), for two
submissions: the source's own solution (markers removed) and the released stub.  The result is
a per-cell table of both scores; a difference, or a cell the trusted grader flagged, gets its
reason and a fix.  The same comparison (:func:`compare_grading`) drives the test-style
fixtures of the test suite with their own submissions.

Plain nbgrader runs the instructor's own solution and stub here, not learners' work, so it runs
outside the sandbox (in the copy's folder), with the same term seed for the hidden data.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from shequn.grading.results.outcome import GradeError

__all__ = ["CellRow", "compare_grading", "check_assignment", "format_table"]

FIXES = {
    "==": "比较属性或转换成数据（list(obj)、obj.attr），不要用 == 比较学习者对象 / "
    "compare attributes or data (list(obj), obj.attr), not learner objects with ==",
    "grader object": "测试不要把评分端的函数或 Mock 放进学习者的名字 / "
    "don't put grader functions or mocks in place of learner names; test the helper's result instead",
    "magic": "测试单元格只用 %matplotlib、%%capture、%config、%precision / "
    "in test cells use only %matplotlib, %%capture, %config, %precision",
    "SyntaxError": "修正测试单元格的语法 / fix the test cell's syntax",
    "points": "部分得分不能超过该单元格的分值 / partial credit must not exceed the cell's points",
}


@dataclass
class CellRow:
    student: str
    cell: str
    plain: float | None
    trusted: float | None
    flags: list = field(default_factory=list)
    reason: str = ""

    @property
    def differs(self) -> bool:
        return self.plain != self.trusted or bool(self.reason)


def _fix(reason: str) -> str:
    for key, fix in FIXES.items():
        if key in reason:
            return fix
    return "见教师指南“编写测试” / see the instructor guide, section on writing tests"


def _submission(course: Path, name: str, student: str, answers: dict, solution_code) -> None:
    import nbformat

    release_dir = course / "assignments" / name
    folder = course / "_grading" / "submitted" / student / name
    shutil.copytree(release_dir, folder, dirs_exist_ok=True)
    for path in sorted(release_dir.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        source = nbformat.read(course / "solutions" / name / path.name, as_version=4)
        solutions = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in source.cells}
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in answers:
                cell.source = solution_code(solutions[gid]) if answers[gid] is None else answers[gid]
        nbformat.write(nb, folder / path.name)
    (folder / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")


def _solution_code(source: str) -> str:
    return "\n".join(
        line for line in source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
    )


def _cell_scores(course: Path, name: str) -> dict[str, dict[str, float | None]]:
    from nbgrader.api import Gradebook

    out: dict[str, dict] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(name):
            cells = out.setdefault(sub.student.id, {})
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.cell_type == "code" and not any(
                        s.name == g.name for s in nb.notebook.solution_cells
                    ):
                        cells[g.name] = None if g.auto_score is None else round(float(g.auto_score), 4)
    return out


def _reasons(course: Path, name: str, student: str) -> dict[str, str]:
    """cell -> why the trusted grader flagged it (from its per-notebook reports)."""
    out = {}
    for path in sorted((course / "_grading" / "shequn-grade" / "reports" / name / student).glob("*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        for item in report.get("unfaithful", []) + report.get("test_errors", []):
            out[str(item.get("cell"))] = f"{item.get('construct')}: {item.get('reason')}"
        for cell, status in report.get("tests", {}).items():
            if status == "missing":
                out[cell] = "missing: the test cell is not in the gradebook"
    return out


def compare_grading(
    course: Path, name: str, submissions: dict[str, dict], *, workers: int = 1
) -> list[CellRow]:
    """Grade *submissions* (student -> {answer grade_id: code, or None for the solution}) of
    assignment *name* of *course* both ways, in a throw-away copy; one row per student and cell."""
    from shequn.grading.authoring.release import run_nbgrader
    from shequn.grading.running.local_pool import grade_assignment

    course = Path(course).resolve()
    base = Path(tempfile.mkdtemp(prefix="sqchk", dir="/tmp"))  # short: the kernel's ipc socket path
    try:
        base.chmod(0o755)  # the sandbox's users must be able to enter the course
        trusted = base / "t"
        trusted.mkdir()
        shutil.copy(course / "nbgrader_config.py", trusted / "nbgrader_config.py")
        shutil.copytree(course / "solutions" / name, trusted / "solutions" / name)
        if (course / "datasets").is_dir():
            shutil.copytree(course / "datasets", trusted / "datasets")
        run_nbgrader(["generate_assignment", name, "--force"], cwd=trusted)
        for student, answers in submissions.items():  # both graders add the students to the gradebook
            _submission(trusted, name, student, answers, _solution_code)
        plain = base / "p"
        shutil.copytree(trusted, plain)
        _plain_config(plain)
        results = {r.student: r for r in grade_assignment(trusted, name, workers=workers, progress=False)}
        seed = (trusted / "_grading" / "shequn-grade" / "grading-seed").read_text().strip()
        run_nbgrader(
            ["autograde", name, "--force"], cwd=plain, env={**os.environ, "SHEQUN_GRADING_SEED": seed}
        )
        got, want = _cell_scores(trusted, name), _cell_scores(plain, name)
        rows = []
        for student in submissions:
            reasons = _reasons(trusted, name, student)
            flags = results[student].flags if student in results else ["not graded"]
            cells = sorted(set(got.get(student, {})) | set(want.get(student, {})))
            for cell in cells:
                rows.append(
                    CellRow(
                        student,
                        cell,
                        want.get(student, {}).get(cell),
                        got.get(student, {}).get(cell),
                        [f for f in flags if f != "needs manual grading"],
                        reasons.get(cell, ""),
                    )
                )
        return rows
    finally:
        shutil.rmtree(base, ignore_errors=True)


def plain_autograde_config(text: str) -> str:
    """The course's ``nbgrader_config.py`` *text* with nbgrader's own ``Execute`` (tests in the
    kernel) in place of ``TrustedExecute`` in the autograde chain, however the list is laid out.
    A config whose chain does not start with ``TrustedExecute`` is refused: comparing it would
    compare the trusted grader with itself."""
    import re

    text, n = re.subn(r"(autograde_preprocessors\s*=\s*\[\s*)TrustedExecute\b", r"\1Execute", text)
    if n != 1:
        raise GradeError(
            "nbgrader_config.py 的 autograde_preprocessors 不是以 TrustedExecute 开头，无法与原版 nbgrader "
            "比较 (the autograde chain in nbgrader_config.py does not start with TrustedExecute)"
        )
    return text.replace(
        "from shequn.grading.trusted.execute import TrustedExecute",
        "from nbgrader.preprocessors import Execute",
    )


def _plain_config(course: Path) -> None:
    """nbgrader's own autograde chain in *course* (tests in the kernel), for the comparison."""
    path = course / "nbgrader_config.py"
    path.write_text(plain_autograde_config(path.read_text(encoding="utf-8")), encoding="utf-8")


def check_assignment(course: Path, name: str) -> list[CellRow]:
    """The source's solution and the released stub, graded both ways (see module doc)."""
    return compare_grading(course, name, {"solution": _all_solutions(course, name), "stub": {}})


def _all_solutions(course: Path, name: str) -> dict:
    import nbformat

    ids = {}
    for path in sorted((Path(course) / "solutions" / name).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and cell.cell_type == "code":
                ids[meta["grade_id"]] = None
    return ids


def format_table(rows: list[CellRow]) -> str:
    """The per-cell table: plain vs trusted score, and for each difference the reason and the fix."""
    from shequn.grading.nbgrader_plugins.sanitize import escape_for_log

    head = ("提交 submission", "单元格 cell", "nbgrader", "shequn", "")
    lines = [head]

    def fmt(v: float | None) -> str:
        return "-" if v is None else f"{v:g}"

    for r in rows:
        lines.append((r.student, r.cell, fmt(r.plain), fmt(r.trusted), "≠" if r.differs else "="))
    widths = [max(len(x[i]) for x in lines) for i in range(5)]
    out = ["  ".join(x[i].ljust(widths[i]) for i in range(5)).rstrip() for x in lines]
    for r in (r for r in rows if r.differs):
        why = r.reason or ("; ".join(r.flags) if r.flags else "分数不同 / the scores differ")
        out.append(f"{r.student} / {r.cell}: 原因 reason: {escape_for_log(why, 300)}")
        out.append(f"    修正 fix: {_fix(why)}")
    return "\n".join(out)
