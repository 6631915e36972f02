"""The real nbgrader round trip: release, submit, autograde, feedback — exact scores, no leaks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from shequn.grading.course import find_leaks, make_course, run_nbgrader, secret_lines

ROOT = Path(__file__).resolve().parents[1]
NAME = "threshold_design"


def _solution_code(source: str) -> str:
    """The answer as a learner would write it: the solution block without its markers."""
    out = []
    for line in source.splitlines():
        if line.strip() == "### BEGIN SOLUTION":
            continue
        if line.strip() == "### END SOLUTION":
            continue
        out.append(line)
    return "\n".join(out)


def _cells(nb):
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}


def _submission(release, source, answers: dict[str, str | None]):
    """The student version with the given answer cells filled (None = the source's solution)."""
    nb = nbformat.from_dict(release)
    src = _cells(source)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = _solution_code(src[gid].source) if answers[gid] is None else answers[gid]
    return nb


WRONG_ORDER = '''def policy_table(applicants, policies, *, min_members, min_active_share, seed=0):
    rows = {}
    for policy in policies:
        r = th.simulate(policy, applicants, weeks=8, seed=seed)
        ok = r.members >= min_members and r.active_after(8) >= min_active_share and r.net >= 0
        rows[policy.name] = {"meets_goal": bool(ok), "net": float(r.net), "members": int(r.members),
                             "fit_precision": float(r.fit_precision), "active_share": float(r.active_after(8))}
    return pd.DataFrame.from_dict(rows, orient="index")
'''
HARD_CODED_Q1 = "def highest_price(applicants, min_members, prices):\n    return 50  # the answer on the visible data\n"
HARD_CODED_Q2 = '''def policy_table(applicants, policies, *, min_members, min_active_share, seed=0):
    return pd.DataFrame(  # copied from a run on the visible data
        {"members": [10000, 4932, 18913], "fit_precision": [0.3038, 0.355028, 0.282874],
         "active_share": [0.0674, 0.109286, 0.061122], "net": [-40000.0, 128232.0, -75652.0],
         "meets_goal": [False, True, False]},
        index=["免费", "付费30元", "邀请3人"])
'''
# Expected autograded totals (the written answer is graded by hand later):
#   correct:    q1 3 + q2 4 + q3 6                               = 13
#   partial:    q1 3 + q2 5/6 of 4 (column order) + q3 3/9 of 6
#               (a free group is big enough on every hidden pool, but neither active nor solvent) = 8.3333
#   empty:      every answer raises NotImplementedError          = 0
#   hardcoded:  q1 1/5 of 3 (one public case) + q2 4/6 of 4 (public cases only) + q3 6 = 9.2667
ESSAY = "门槛越高，群越小但越精准。我的门槛结合了兴趣与小额付费……"
STUDENTS = {
    "correct": ({"q1_answer": None, "q2_answer": None, "q3_answer": None, "q4_answer": ESSAY}, 13.0),
    "partial": ({"q1_answer": None, "q2_answer": WRONG_ORDER, "q3_answer": "my_policy = th.FreePolicy()",
                 "q4_answer": ESSAY}, 8.3333),
    "empty": ({}, 0.0),
    "hardcoded": ({"q1_answer": HARD_CODED_Q1, "q2_answer": HARD_CODED_Q2, "q3_answer": None}, 9.2667),
}


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    course = make_course(ROOT, tmp_path_factory.mktemp("course"), (NAME,))
    run_nbgrader(["generate_assignment", NAME, "--force"], cwd=course)
    release = nbformat.read(course / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    for student, (answers, _) in STUDENTS.items():
        folder = course / "_grading" / "submitted" / student / NAME
        folder.mkdir(parents=True)
        nbformat.write(_submission(release, source, answers), folder / f"{NAME}.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
    for student in STUDENTS:
        run_nbgrader(["db", "student", "add", student], cwd=course)
    run_nbgrader(["autograde", NAME, "--force"], cwd=course)
    run_nbgrader(["generate_feedback", NAME, "--force"], cwd=course)
    return course


@pytest.mark.parametrize("student", sorted(STUDENTS))
def test_autograded_scores_are_exact(graded_course, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded_course / 'gradebook.db'}") as gb:
        submission = gb.find_submission(NAME, student)
        assert submission.score == pytest.approx(STUDENTS[student][1], abs=1e-3)
        # a written answer waits for the instructor; an untouched one is scored 0 automatically
        assert submission.needs_manual_grade == ("q4_answer" in STUDENTS[student][0])


def test_hard_coding_the_visible_answers_loses_the_hidden_points(graded_course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded_course / 'gradebook.db'}") as gb:
        hard = {g.name: g.score for g in gb.find_submission_notebook(NAME, NAME, "hardcoded").grades}
        good = {g.name: g.score for g in gb.find_submission_notebook(NAME, NAME, "correct").grades}
    assert hard["q1_tests"] < good["q1_tests"] and hard["q2_tests"] < good["q2_tests"]


def test_feedback_says_what_failed_and_leaks_nothing(graded_course):
    source = graded_course / "solutions" / NAME / f"{NAME}.ipynb"
    secrets = secret_lines(source)
    assert len(secrets) > 10  # the scan has something to look for
    feedback = sorted((graded_course / "_grading" / "feedback").rglob("*.html"))
    assert {p.parts[-3] for p in feedback} == set(STUDENTS)
    assert find_leaks(feedback, secrets) == []
    partial = (graded_course / "_grading" / "feedback" / "partial" / NAME / f"{NAME}.html").read_text(encoding="utf-8")
    assert "行与列" in partial and "✗" in partial  # which check failed, in words
    assert "_ref_" not in partial and "BEGIN HIDDEN" not in partial and "Traceback (most recent" not in partial
    # the autograded notebook itself does contain the hidden tests: the filter is what protects learners
    autograded = graded_course / "_grading" / "autograded" / "partial" / NAME / f"{NAME}.ipynb"
    assert find_leaks([autograded], secrets)


def test_student_versions_in_the_repo_are_up_to_date_and_clean(graded_course):
    generated = nbformat.read(graded_course / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    stored = nbformat.read(ROOT / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    assert [(c.cell_type, c.source, c.metadata) for c in stored.cells] == \
        [(c.cell_type, c.source, c.metadata) for c in generated.cells], "run `make assignments`"
    secrets = secret_lines(ROOT / "solutions" / NAME / f"{NAME}.ipynb")
    assert find_leaks([p for p in (ROOT / "assignments").rglob("*") if p.is_file()], secrets) == []
