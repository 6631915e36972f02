"""Ordinary nbgrader test styles through the sandbox: each scores cell by cell as plain nbgrader.

Each style of :mod:`helpers.style_catalogue` is its own small assignment, graded for a correct
and a partly wrong submission by ``shequn grade`` and by plain ``nbgrader autograde``
(:func:`shequn.grading.authoring.assignment_check.compare_grading`).  Both must give the hand-worked
cell scores, and no cell may be flagged.  Root only (real sandboxed kernels).

Each style is graded once in this module (:func:`graded`), every submission of it in the same
run, and the tests read their students' rows: grading, not asserting, is what takes the time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.style_catalogue import STYLES
from helpers.style_fixtures import write_source

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.integration, pytest.mark.root]


# Submissions graded besides each style's correct, partial and stub ones (same run, own student)
EXTRA = {"style_files": {"forger": {"load": "OVERWRITE_FILE"}}}  # tests/hostile/attacks_handles.py


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("styles")
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    for style in STYLES.values():
        write_source(folder, style)
    return folder


@pytest.fixture(scope="module")
def graded(course):
    """name -> the rows of that style's one grading, both ways (made on first use, in this run)."""
    import sys

    from shequn.grading.authoring.assignment_check import compare_grading

    sys.path.insert(0, str(Path(__file__).parent / "hostile"))
    import attacks_handles

    done: dict[str, list] = {}

    def rows(name: str) -> list:
        if name not in done:
            style = STYLES[name]
            answers = {gid: None for gid in (c[1] for c in style.cells if c[0] == "answer")}
            submissions = {"correct": answers, "partial": {**answers, **style.partial}, "stub": {}}
            for student, extra in EXTRA.get(name, {}).items():
                submissions[student] = {gid: getattr(attacks_handles, code) for gid, code in extra.items()}
            done[name] = compare_grading(course, name, submissions)
        return done[name]

    return rows


@pytest.mark.parametrize("name", sorted(STYLES))
def test_style_scores_as_plain_nbgrader(graded, name):
    from shequn.grading.authoring.assignment_check import format_table

    style = STYLES[name]
    rows = [r for r in graded(name) if r.student in ("correct", "partial", "stub")]
    table = format_table(rows)
    got = {(r.student, r.cell): (r.plain, r.trusted) for r in rows}
    want = {
        (s, cell): (float(p), float(p)) for s, cells in style.expected.items() for cell, p in cells.items()
    }
    # the released stub raises NotImplementedError in every answer: every test cell scores 0
    want |= {("stub", cell): (0.0, 0.0) for cell in style.expected["correct"]}
    assert got == want, table
    assert not [r for r in rows if r.flags or r.reason], table
    # the honest-zero rule: a correct submission's cell scores 0 only with a flag naming why
    honest_zeros = [r for r in rows if r.student == "correct" and not r.trusted and not (r.flags or r.reason)]
    assert not honest_zeros, table


def test_overwriting_the_assignment_files_forges_nothing(graded):
    """The learner's code tries to rewrite data/members.csv in its kernel's folder before answering
    from it.  The copy there is root-owned and read-only, so the write fails and the (correct) answer
    reads the real data: 2 points, what the honest answer earns.  A forgery would show as the tests
    seeing 冒名 (they read the grader's own copy).  Plain nbgrader, where the write succeeds, gives 0."""
    from shequn.grading.authoring.assignment_check import format_table

    rows = [r for r in graded("style_files") if r.student == "forger"]
    assert [(r.cell, r.plain, r.trusted) for r in rows] == [("load_tests", 0.0, 2.0)], format_table(rows)


def test_a_deleted_setup_cell_and_an_added_cell_are_graded_and_flagged(course):
    """Bad input (nbgrader#1941): a learner deleted a read-only set-up cell and added one of their own.
    The batch goes on, what is there is graded, and the missing cell is named in the flag."""
    import tempfile

    import nbformat
    from nbformat.v4 import new_code_cell

    from helpers.style_fixtures import write_submission
    from shequn.grading.authoring.release import run_nbgrader
    from shequn.grading.running.local_pool import grade_assignment

    style = STYLES["style_testing"]
    base = Path(tempfile.mkdtemp(prefix="sqdel", dir="/tmp"))
    try:
        base.chmod(0o755)
        shutil.copy(course / "nbgrader_config.py", base / "nbgrader_config.py")
        write_source(base, style)
        run_nbgrader(["generate_assignment", style.name, "--force"], cwd=base)
        write_submission(base, style, "mangled", {"normalise": None, "per_member": None})
        path = base / "_grading" / "submitted" / "mangled" / style.name / f"{style.name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "imports"]
        nb.cells.insert(0, new_code_cell("import numpy as np\nimport pandas as pd\nprint('my own cell')"))
        nbformat.write(nb, path)
        [result] = grade_assignment(base, style.name, workers=1, progress=False)
        assert "test cell missing" in result.flags and "imports" in result.detail, result
        # the learner's own imports stand in for the deleted cell (the grader takes its own numpy and
        # pandas for those names): both tests pass, as in plain nbgrader (2 + 3); the flag holds it
        assert result.score == 5.0, result
    finally:
        shutil.rmtree(base, ignore_errors=True)
