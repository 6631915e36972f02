"""Test helpers: a throw-away course folder and example submissions (never installed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat

from shequn.grading.authoring.release import ASSIGNMENTS

__all__ = ["make_course", "solution_code", "fill_answers"]


def make_course(root: Path, folder: Path, assignments: tuple[str, ...] = ASSIGNMENTS) -> Path:
    """A fresh course folder: the course's nbgrader config, the source notebooks and the data.

    ``datasets/`` belongs in the course: ``shequn grade`` copies the course's data into each
    sandboxed kernel's work dir, and that kernel cannot read the repository itself (which may
    sit in a private folder).
    """
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(root / "nbgrader_config.py", folder / "nbgrader_config.py")
    if (root / "datasets").is_dir():
        shutil.copytree(root / "datasets", folder / "datasets", dirs_exist_ok=True)
    for name in assignments:
        src = root / "solutions" / name
        if src.is_dir():
            shutil.copytree(src, folder / "solutions" / name, dirs_exist_ok=True)
    return folder


def solution_code(source: str) -> str:
    """An answer cell's solution as a learner would write it: without the solution markers."""
    return "\n".join(
        line for line in source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
    )


def fill_answers(release, source, answers: dict[str, str | None]):
    """A copy of the released notebook with answer cells replaced, by ``grade_id``.

    ``None`` takes the source notebook's solution; a string is used as the cell's code.
    Used to build example submissions (the tests' fake students, the hostile corpus).
    """
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    solutions = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in source.cells}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = solution_code(solutions[gid].source) if answers[gid] is None else answers[gid]
    return nb
