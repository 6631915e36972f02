"""Ordinary nbgrader test styles through the sandbox: each scores cell by cell as plain nbgrader.

Each style of :mod:`helpers.style_catalogue` is its own small assignment, graded for a correct
and a partly wrong submission by ``shequn grade`` and by plain ``nbgrader autograde``
(:func:`shequn.grading.assignment_check.compare_grading`).  Both must give the hand-worked
cell scores, and no cell may be flagged.  Root only (real sandboxed kernels).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.style_catalogue import STYLES
from helpers.style_fixtures import write_source

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.integration, pytest.mark.root]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("styles")
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    for style in STYLES.values():
        write_source(folder, style)
    return folder


@pytest.mark.parametrize("name", sorted(STYLES))
def test_style_scores_as_plain_nbgrader(course, name):
    from shequn.grading.assignment_check import compare_grading, format_table

    style = STYLES[name]
    answers = {gid: None for gid in (c[1] for c in style.cells if c[0] == "answer")}
    rows = compare_grading(course, name, {"correct": answers, "partial": {**answers, **style.partial}, "stub": {}})
    table = format_table(rows)
    got = {(r.student, r.cell): (r.plain, r.trusted) for r in rows}
    want = {(s, cell): (float(p), float(p)) for s, cells in style.expected.items() for cell, p in cells.items()}
    # the released stub raises NotImplementedError in every answer: every test cell scores 0
    want |= {("stub", cell): (0.0, 0.0) for cell in style.expected["correct"]}
    assert got == want, table
    assert not [r for r in rows if r.flags or r.reason], table


def test_overwriting_the_assignment_files_forges_nothing(course):
    """The learner's code rewrites data/members.csv in its kernel's folder before answering from it:
    the tests read the grader's own copy, so the forged answer fails (0), as it should."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "hostile"))
    from attacks_handles import OVERWRITE_FILE
    from shequn.grading.assignment_check import compare_grading, format_table

    rows = compare_grading(course, "style_files", {"forger": {"load": OVERWRITE_FILE}})
    assert [(r.cell, r.trusted) for r in rows] == [("load_tests", 0.0)], format_table(rows)
