"""Structural checks of a submission, before and after grading.

With the tests in the trusted grader, nothing in a notebook can change how a test runs; what
is left to check is the submission's shape: every notebook readable and valid (each one, so an
invalid extra notebook cannot hide anything), no missing or duplicated test cells, and what the
trusted runner reported (answer data the channel refused, tests that could not run).
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["invalid_notebooks", "missing_test_cells", "trusted_report_flags"]


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
                problems.append(f"{name}.ipynb: 测试单元格 {gid} 缺失或重复 / test cell missing or duplicated")
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
            details.append(f"{path.stem}: 内核在测试中停止响应 / the kernel stopped answering during the tests")
        if report.get("refused"):
            flags.append("answer refused")
            details += [f"{path.stem}: {r}" for r in report["refused"][:3]]
        if report.get("missing_cells"):
            flags.append("test cell missing")
            details.append(f"{path.stem}: 只读单元格缺失 / read-only cells missing: "
                           + ", ".join(map(str, report["missing_cells"][:5])))
        for item in report.get("unfaithful", [])[:5]:
            flags.append("test not run faithfully")
            details.append(f"{path.stem}: 测试单元格 {item.get('cell')}: {item.get('construct')} "
                           f"({item.get('reason')}) / test cell {item.get('cell')} held for manual grading")
        for item in report.get("test_errors", [])[:5]:
            flags.append("test cell error")
            details.append(f"{path.stem}: {item.get('reason')}")
        if any(v == "missing" for v in report.get("tests", {}).values()):
            flags.append("grader error")
            details.append(f"{path.stem}: a test cell is not in the gradebook")
    return sorted(set(flags)), details
