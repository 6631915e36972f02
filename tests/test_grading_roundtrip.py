"""The real nbgrader round trip: release, submit, autograde, feedback — exact scores, no leaks.

Each assignment is graded for four fake students: a correct solution, a partly
wrong one, an empty one (the student version as released), and one that
hard-codes the answers of the visible data.  Grading is ``shequn grade`` (tests in the
trusted grader, learner code in the sandbox); a copy of the course is graded by plain
``nbgrader autograde`` (tests in the learner's kernel) and must give every honest learner
the same cell scores.  Scores are read back from nbgrader's gradebook.  Root only.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.course import fill_answers, make_course, solution_code
from helpers.students import HARD_CODED_LURKERS, MANUAL, SCENARIOS, plain_nbgrader_config
from shequn.grading.authoring.release import find_leaks, run_nbgrader, secret_lines
from shequn.grading.nbgrader_plugins.feedback import PLACEHOLDER

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.integration, pytest.mark.root]


def _visible_lurker_share() -> dict:
    """The source's own lurker_share on the visible sample (what a copier would paste in)."""
    from shequn.data import load_dataset

    source = nbformat.read(ROOT / "solutions" / "group_analysis" / "group_analysis.ipynb", as_version=4)
    namespace = {"pd": pd}
    q4 = next(c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q4_answer")
    exec(solution_code(q4.source), namespace)
    data = load_dataset(ROOT / "datasets" / "group_chats")
    return namespace["lurker_share"](data.members, data.messages).to_dict()


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def graded(request, tmp_path_factory):
    name = request.param
    students = SCENARIOS[name]
    course = make_course(ROOT, tmp_path_factory.mktemp(f"course-{name}"), (name,))
    run_nbgrader(["generate_assignment", name, "--force"], cwd=course)
    release = nbformat.read(course / "assignments" / name / f"{name}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / name / f"{name}.ipynb", as_version=4)
    for student, (answers, _) in students.items():
        if answers.get("q4_answer") == HARD_CODED_LURKERS:
            answers = {**answers, "q4_answer": HARD_CODED_LURKERS.format(values=_visible_lurker_share())}
        folder = course / "_grading" / "submitted" / student / name
        folder.mkdir(parents=True)
        nbformat.write(fill_answers(release, source, answers), folder / f"{name}.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
        run_nbgrader(["db", "student", "add", student], cwd=course)
    plain = tmp_path_factory.mktemp(f"plain-{name}")
    shutil.copytree(course, plain, dirs_exist_ok=True)
    plain_nbgrader_config(plain)
    from shequn.grading.running.local_pool import grade_assignment

    results = grade_assignment(course, name, workers=2, progress=False)
    assert {r.student for r in results} == set(students)
    run_nbgrader(["generate_feedback", name, "--force"], cwd=course)
    # the same term seed for plain nbgrader: its hidden tests then draw the same hidden data
    seed = (course / "_grading" / "shequn-grade" / "grading-seed").read_text().strip()
    run_nbgrader(["autograde", name, "--force"], cwd=plain, env={**os.environ, "SHEQUN_GRADING_SEED": seed})
    return name, course, plain


def _scores(course: Path, name: str) -> dict[str, tuple[float, bool, dict]]:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in SCENARIOS[name]:  # noqa: B007
            sub = gb.find_submission(name, student)
            grades = {g.name: g.score for g in gb.find_submission_notebook(name, name, student).grades}
            out[student] = (sub.score, sub.needs_manual_grade, grades)
    return out


def test_autograded_scores_are_exact(graded):
    name, course, plain = graded
    scores = _scores(course, name)
    plain_scores = _scores(plain, name)
    # honest learners: the trusted grader gives exactly what plain nbgrader gives, cell by cell
    for student in {"correct", "partial", "empty"} & set(scores):
        assert scores[student][2] == plain_scores[student][2], student
    for student, (answers, expected) in SCENARIOS[name].items():
        score, needs_manual, cells = scores[student]
        if expected is None:  # depends on the term's hidden data: plain nbgrader's score, above
            expected = plain_scores[student][0]
            assert 0 < score < scores["correct"][0]
            # the seed-independent part by hand: q1 swallows errors (its 2 hidden cases fail; the
            # public ones pass but do not score), q2, q3 and q5 are the correct solutions
            assert (cells["q1_tests"], cells["q2_tests"], cells["q3_tests"], cells["q5_tests"]) == (
                0.0,
                3.0,
                4.0,
                4.0,
            )
        assert score == pytest.approx(expected, abs=1e-3), (student, scores[student])
        # a written answer waits for the instructor; an untouched one is scored 0 automatically
        assert needs_manual == (MANUAL[name] in answers), student


def test_hard_coding_the_visible_answers_loses_the_hidden_points(graded):
    name, course, _ = graded
    if (
        "hardcoded" not in SCENARIOS[name]
    ):  # the capstone: a plan meeting only self-set goals loses the points
        solution = (course / "solutions" / name / f"{name}.ipynb").read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" in solution
        scores = _scores(course, name)
        assert scores["selfset"][2]["q2_tests"] < scores["correct"][2]["q2_tests"]
        return
    scores = _scores(course, name)
    hard, good = scores["hardcoded"][2], scores["correct"][2]
    lost = [k for k in good if hard[k] is not None and hard[k] < good[k]]
    assert lost, "hard-coded answers must score below the real ones"


def test_feedback_says_what_failed_and_leaks_nothing(graded):
    name, course, _ = graded
    secrets = secret_lines(course / "solutions" / name / f"{name}.ipynb")
    assert len(secrets) > 10  # the scan has something to look for
    feedback = sorted((course / "_grading" / "feedback").rglob("*.html"))
    assert {p.parts[-3] for p in feedback} == set(SCENARIOS[name])
    assert find_leaks(feedback, secrets) == []
    learner = "partial" if "partial" in SCENARIOS[name] else "empty"
    partial = (course / "_grading" / "feedback" / learner / name / f"{name}.html").read_text(encoding="utf-8")
    assert "✗" in partial and ("✓" in partial or learner == "empty")  # which checks failed, in words
    assert PLACEHOLDER in partial and "BEGIN HIDDEN TESTS" not in partial
    # a Content-Security-Policy that lets no script run, before any script tag of the page
    csp = partial.find('http-equiv="Content-Security-Policy"')
    assert csp > 0 and "script-src 'none'" in partial[csp - 300 : csp]
    assert partial.find("<script") == -1 or csp < partial.find("<script")
    # the autograded notebook does contain the hidden tests: the feedback filter is what protects learners
    autograded = course / "_grading" / "autograded" / learner / name / f"{name}.ipynb"
    assert find_leaks([autograded], secrets)


def test_student_versions_in_the_repo_are_up_to_date_and_clean(graded):
    name, course, _ = graded
    generated = nbformat.read(course / "assignments" / name / f"{name}.ipynb", as_version=4)
    stored = nbformat.read(ROOT / "assignments" / name / f"{name}.ipynb", as_version=4)
    assert [(c.cell_type, c.source, c.metadata) for c in stored.cells] == [
        (c.cell_type, c.source, c.metadata) for c in generated.cells
    ], "run `make assignments`"
    secrets = secret_lines(ROOT / "solutions" / name / f"{name}.ipynb")
    assert find_leaks([p for p in (ROOT / "assignments").rglob("*") if p.is_file()], secrets) == []
