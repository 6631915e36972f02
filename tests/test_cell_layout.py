"""Bad input (nbgrader#1941): cells deleted, moved or added by the learner.

One small assignment (``style_asserts``: answers ``squares`` and ``mean_len``, four test cells) and
five submissions made from its correct one by editing the notebook's cell list.  ``shequn grade``
must grade each (the batch goes on), score every test cell as plain ``nbgrader autograde`` does
(run here on a copy of the same submissions, with nbgrader's own ``Execute``), and name in a flag
each deleted or moved cell.  The grading test is root only (real sandboxed kernels); the layout
check and the names a test binds first are checked on their own.

The cell scores are worked out by hand from the test cells (see :mod:`helpers.style_catalogue`):
``squares_values`` 1, ``squares_invalid`` 1, ``mean_len_values`` 2, ``mean_len_partial`` 2 points,
of which a correct ``mean_length`` earns 1 (its empty-list case raises ZeroDivisionError).  A test
that runs before the cell defining its function raises NameError: 0.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from helpers.students import plain_nbgrader_config
from helpers.style_catalogue import STYLES
from helpers.style_fixtures import write_source, write_submission

ROOT = Path(__file__).resolve().parents[1]

STYLE = STYLES["style_asserts"]
TESTS = ("squares_values", "squares_invalid", "mean_len_values", "mean_len_partial")


def _gid(cell) -> str | None:
    return (cell.metadata.get("nbgrader") or {}).get("grade_id")


def _without(cells, gid):
    return [c for c in cells if _gid(c) != gid]


def _move_after(cells, gid, after):
    moved = next(c for c in cells if _gid(c) == gid)
    rest = _without(cells, gid)
    at = next(i for i, c in enumerate(rest) if _gid(c) == after)
    return rest[: at + 1] + [moved] + rest[at + 1 :]


def _swap(cells, a, b):
    i = next(k for k, c in enumerate(cells) if _gid(c) == a)
    j = next(k for k, c in enumerate(cells) if _gid(c) == b)
    cells = list(cells)
    cells[i], cells[j] = cells[j], cells[i]
    return cells


def _added(cells):
    # a note, and a scratch cell after the squares tests that rebinds `squares` (plain nbgrader's
    # squares tests ran before it); a helper at the end
    at = next(i for i, c in enumerate(cells) if _gid(c) == "squares_invalid") + 1
    return [
        new_markdown_cell("我的笔记"),
        *cells[:at],
        new_code_cell("squares = squares(4)  # 看看结果"),
        *cells[at:],
        new_code_cell("def helper():\n    return 1"),
    ]


def _cells(sv, si, mv, mp):
    return {"squares_values": sv, "squares_invalid": si, "mean_len_values": mv, "mean_len_partial": mp}


# student -> (edit of the correct notebook's cells, hand-worked cell scores, layout flag, the cells it names)
CASES = {
    "deleted_test": (
        lambda cells: _without(cells, "squares_invalid"),
        _cells(1, 0, 2, 1),
        "test cell missing",
        ["squares_invalid"],
    ),
    "deleted_answer": (
        lambda cells: _without(cells, "mean_len"),
        _cells(1, 1, 0, 0),
        "answer cell missing",
        ["mean_len"],
    ),
    "answer_below_test": (
        lambda cells: _move_after(cells, "mean_len", "mean_len_values"),
        _cells(1, 1, 0, 1),
        "cells reordered",
        ["mean_len_values (test) before mean_len (answer)"],
    ),
    "swapped_answers": (
        lambda cells: _swap(cells, "squares", "mean_len"),
        _cells(0, 0, 2, 1),
        "cells reordered",
        ["squares_values (test) before squares (answer)", "squares_invalid (test) before squares (answer)"],
    ),
    "added": (_added, _cells(1, 1, 2, 1), None, []),
}
LAYOUT_FLAGS = {"test cell missing", "answer cell missing", "cells reordered"}


def _scores(course: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    out: dict = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(STYLE.name):
            for nb in sub.notebooks:
                out[sub.student.id] = {g.name: float(g.auto_score or 0) for g in nb.grades if g.name in TESTS}
    return out


def test_layout_changes_name_each_moved_pair_and_each_deleted_answer():
    """Hand-worked: source a1 t1 s1 a2 t2; the submission drops a2 and moves a1 below t1 and s1."""
    from nbformat.v4 import new_notebook

    from shequn.grading.results.layout import layout_changes

    layout = [("a1", "answer"), ("t1", "test"), ("s1", "setup"), ("a2", "answer"), ("t2", "test")]

    def cell(gid):
        return new_code_cell("", metadata={"nbgrader": {"grade_id": gid}})

    nb = new_notebook(cells=[cell("t1"), new_code_cell("x = 1"), cell("s1"), cell("a1"), cell("t2")])
    # pairs whose order is reversed: (t1, a1) and (s1, a1); only the first involves a test
    want = {"missing_answers": ["a2"], "reordered": ["t1 (test) before a1 (answer)"]}
    assert layout_changes(nb, layout) == want
    nb = new_notebook(cells=[cell(g) for g, _ in layout] + [new_markdown_cell("note")])
    assert layout_changes(nb, layout) == {"missing_answers": [], "reordered": []}
    assert layout_changes(nb, []) == {"missing_answers": [], "reordered": []}  # no source: nothing claimed


def test_names_a_test_binds_before_reading_them_are_not_fetched():
    from shequn.grading.trusted.test_cells import bound_before_read

    source = (
        "checks = Checks(points=3)\nchecks.case('a', f)\nfrom shequn.checks import grading_seed\n"
        "x = x + 1\ny += 1\ndef g():\n    return z\nz = 1\n"
        "orig = squares\ndel squares\nsquares = orig\n"
    )
    # checks, grading_seed, g, orig: bound first; x, y read by their own binding; z read in g above
    # it; squares read first (nbgrader's del-squares pattern keeps reading the learner's)
    assert bound_before_read(source) == {"checks", "grading_seed", "g", "orig"}
    assert bound_before_read("def broken(:\n") == set()


@pytest.fixture(scope="module")
def graded():
    from shequn.grading.authoring.release import run_nbgrader
    from shequn.grading.results.outcome import summary_table
    from shequn.grading.running.local_pool import grade_assignment

    base = Path(tempfile.mkdtemp(prefix="sqlay", dir="/tmp"))  # short: the kernel's ipc socket path
    try:
        base.chmod(0o755)
        trusted = base / "t"
        trusted.mkdir()
        shutil.copy(ROOT / "nbgrader_config.py", trusted / "nbgrader_config.py")
        write_source(trusted, STYLE)
        run_nbgrader(["generate_assignment", STYLE.name, "--force"], cwd=trusted)
        for student, (edit, *_) in CASES.items():
            write_submission(trusted, STYLE, student, {"squares": None, "mean_len": None})
            path = trusted / "_grading" / "submitted" / student / STYLE.name / f"{STYLE.name}.ipynb"
            nb = nbformat.read(path, as_version=4)
            nb.cells = edit(nb.cells)
            nbformat.write(nb, path)
            run_nbgrader(["db", "student", "add", student], cwd=trusted)
        plain = base / "p"
        shutil.copytree(trusted, plain)
        plain_nbgrader_config(plain)
        results = {r.student: r for r in grade_assignment(trusted, STYLE.name, workers=1, progress=False)}
        run_nbgrader(["autograde", STYLE.name, "--force"], cwd=plain)
        yield {
            "results": results,
            "trusted": _scores(trusted),
            "plain": _scores(plain),
            "summary": summary_table(list(results.values()), STYLE.name),
        }
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("student", sorted(CASES))
@pytest.mark.integration
@pytest.mark.root
def test_changed_layout_is_graded_as_plain_nbgrader_and_flagged(graded, student):
    _, want, flag, named = CASES[student]
    res = graded["results"][student]
    assert graded["plain"][student] == want, ("plain nbgrader", graded["plain"][student])
    assert graded["trusted"][student] == want, (res, graded["trusted"][student])
    assert set(res.flags) & LAYOUT_FLAGS == ({flag} if flag else set()), res
    for text in named:
        assert text in res.detail, res
    if flag:  # the summary names the student and why
        line = next(line for line in graded["summary"].splitlines() if student in line)
        assert flag in line and all(text in line for text in named), graded["summary"]
