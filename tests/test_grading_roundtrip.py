"""The real nbgrader round trip: release, submit, autograde, feedback — exact scores, no leaks.

Each assignment is graded for four fake students: a correct solution, a partly
wrong one, an empty one (the student version as released), and one that
hard-codes the answers of the visible data.  Scores are read back from
nbgrader's gradebook.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from shequn.grading.course import fill_answers, find_leaks, make_course, run_nbgrader, secret_lines, solution_code
from shequn.grading.feedback import PLACEHOLDER

ROOT = Path(__file__).resolve().parents[1]
ESSAY = "门槛越高，群越小但越精准；数据显示……我的建议是……"


# ---------------------------------------------------------------- assignment 1
WRONG_ORDER = """def policy_table(applicants, policies, *, min_members, min_active_share, seed=0):
    rows = {}
    for policy in policies:
        r = th.simulate(policy, applicants, weeks=8, seed=seed)
        ok = r.members >= min_members and r.active_after(8) >= min_active_share and r.net >= 0
        rows[policy.name] = {"meets_goal": bool(ok), "net": float(r.net), "members": int(r.members),
                             "fit_precision": float(r.fit_precision), "active_share": float(r.active_after(8))}
    return pd.DataFrame.from_dict(rows, orient="index")
"""
HARD_CODED_Q1 = "def highest_price(applicants, min_members, prices):\n    return 50  # the answer on the visible data\n"
HARD_CODED_Q2 = """def policy_table(applicants, policies, *, min_members, min_active_share, seed=0):
    return pd.DataFrame(  # copied from a run on the visible data
        {"members": [10000, 4932, 18913], "fit_precision": [0.3038, 0.355028, 0.282874],
         "active_share": [0.0674, 0.109286, 0.061122], "net": [-40000.0, 128232.0, -75652.0],
         "meets_goal": [False, True, False]},
        index=["免费", "付费30元", "邀请3人"])
"""
# Expected autograded totals (the written answer q4 is graded by hand later):
#   correct:   q1 3 + q2 4 + q3 6                                       = 13
#   partial:   q1 3 + q2 5/6 of 4 (wrong column order) + q3 3/9 of 6
#              (a free group is big enough on every hidden pool, but neither active nor solvent) = 8.3333
#   empty:     every answer raises NotImplementedError                  = 0
#   hardcoded: q1 1/5 of 3 (one public case) + q2 4/6 of 4 (public cases only) + q3 6 = 9.2667
THRESHOLD_STUDENTS = {
    "correct": ({"q1_answer": None, "q2_answer": None, "q3_answer": None, "q4_answer": ESSAY}, 13.0),
    "partial": ({"q1_answer": None, "q2_answer": WRONG_ORDER, "q3_answer": "my_policy = th.FreePolicy()",
                 "q4_answer": ESSAY}, 8.3333),
    "empty": ({}, 0.0),
    "hardcoded": ({"q1_answer": HARD_CODED_Q1, "q2_answer": HARD_CODED_Q2, "q3_answer": None}, 9.2667),
}

# ---------------------------------------------------------------- assignment 2
SWALLOW = """def load(folder):
    try:
        return load_dataset(folder)
    except Exception:  # hides bad data from the analysis
        return None
"""
COUNTS_RED_PACKETS = """def lurker_share(members, messages, max_messages=0):
    counts = messages["sender_id"].value_counts().reindex(members["member_id"], fill_value=0)
    quiet = pd.Series(counts.to_numpy() <= max_messages, index=members["group_id"].to_numpy())
    return quiet.groupby(level=0).mean().rename_axis("group_id").rename("lurker_share")
"""
HARD_CODED_LURKERS = """def lurker_share(members, messages, max_messages=0):
    return pd.read_pickle(r"{pickle}")  # the answer on the visible data, saved once
"""
ALL_ANSWERS = {f"q{i}_answer": None for i in range(1, 7)}
# Expected autograded totals (question 7 is graded by hand):
#   correct:   q1 2 + q2 3 + q3 4 + q4 2 + q5 4 + q6 3                           = 18
#   partial:   q1 swallows errors: the 2 public cases pass, the 2 hidden fail  -> 1 of 2
#              q4 counts red packets as messages: 1 of 8 cases passes           -> 0.25 of 2
#              q6 reuses the learner's lurker_share, so its lurker column is
#              wrong wherever red packets matter: half of its cases pass       -> 1.5 of 3
#                                                                              = 13.75
#   empty:     every answer raises NotImplementedError                         = 0
#   hardcoded: q4 returns the visible answer for any input: the 2 hashed sample
#              cases pass, the other 6 fail                                    -> 0.5 of 2
#              q6 (built on that q4) passes only its 2 public cases of 6         -> 1 of 3
#                                                                              = 14.5
ANALYSIS_STUDENTS = {
    "correct": ({**ALL_ANSWERS, "q7_answer": ESSAY}, 18.0),
    "partial": ({**ALL_ANSWERS, "q1_answer": SWALLOW, "q4_answer": COUNTS_RED_PACKETS, "q7_answer": ESSAY},
                2 * 2 / 4 + 3 + 4 + 2 * 1 / 8 + 4 + 3 * 3 / 6),
    "empty": ({}, 0.0),
    "hardcoded": ({**ALL_ANSWERS, "q4_answer": HARD_CODED_LURKERS}, 2 + 3 + 4 + 2 * 2 / 8 + 4 + 3 * 2 / 6),
}
SCENARIOS = {"threshold_design": THRESHOLD_STUDENTS, "group_analysis": ANALYSIS_STUDENTS}
MANUAL = {"threshold_design": "q4_answer", "group_analysis": "q7_answer"}


def _visible_lurker_share(folder: Path) -> Path:
    """Run the source's own lurker_share on the visible sample and pickle it (what a copier would paste)."""
    from shequn.data import load_dataset

    source = nbformat.read(ROOT / "solutions" / "group_analysis" / "group_analysis.ipynb", as_version=4)
    namespace = {"pd": pd}
    q4 = next(c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q4_answer")
    exec(solution_code(q4.source), namespace)
    data = load_dataset(ROOT / "datasets" / "group_chats")
    path = folder / "visible_lurker_share.pkl"
    namespace["lurker_share"](data.members, data.messages).to_pickle(path)
    return path


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
            answers = {**answers, "q4_answer": HARD_CODED_LURKERS.format(pickle=_visible_lurker_share(course))}
        folder = course / "_grading" / "submitted" / student / name
        folder.mkdir(parents=True)
        nbformat.write(fill_answers(release, source, answers), folder / f"{name}.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
        run_nbgrader(["db", "student", "add", student], cwd=course)
    run_nbgrader(["autograde", name, "--force"], cwd=course)
    run_nbgrader(["generate_feedback", name, "--force"], cwd=course)
    return name, course


def _scores(course: Path, name: str) -> dict[str, tuple[float, bool, dict]]:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in SCENARIOS[name]:
            sub = gb.find_submission(name, student)
            grades = {g.name: g.score for g in gb.find_submission_notebook(name, name, student).grades}
            out[student] = (sub.score, sub.needs_manual_grade, grades)
    return out


def test_autograded_scores_are_exact(graded):
    name, course = graded
    scores = _scores(course, name)
    for student, (answers, expected) in SCENARIOS[name].items():
        score, needs_manual, _ = scores[student]
        assert score == pytest.approx(expected, abs=1e-3), (student, scores[student])
        # a written answer waits for the instructor; an untouched one is scored 0 automatically
        assert needs_manual == (MANUAL[name] in answers), student


def test_hard_coding_the_visible_answers_loses_the_hidden_points(graded):
    name, course = graded
    scores = _scores(course, name)
    hard, good = scores["hardcoded"][2], scores["correct"][2]
    lost = [k for k in good if hard[k] is not None and hard[k] < good[k]]
    assert lost, "hard-coded answers must score below the real ones"


def test_feedback_says_what_failed_and_leaks_nothing(graded):
    name, course = graded
    secrets = secret_lines(course / "solutions" / name / f"{name}.ipynb")
    assert len(secrets) > 10  # the scan has something to look for
    feedback = sorted((course / "_grading" / "feedback").rglob("*.html"))
    assert {p.parts[-3] for p in feedback} == set(SCENARIOS[name])
    assert find_leaks(feedback, secrets) == []
    partial = (course / "_grading" / "feedback" / "partial" / name / f"{name}.html").read_text(encoding="utf-8")
    assert "✗" in partial and "✓" in partial  # which checks failed, in words
    assert PLACEHOLDER in partial and "BEGIN HIDDEN TESTS" not in partial
    # the autograded notebook does contain the hidden tests: the feedback filter is what protects learners
    autograded = course / "_grading" / "autograded" / "partial" / name / f"{name}.ipynb"
    assert find_leaks([autograded], secrets)


def test_student_versions_in_the_repo_are_up_to_date_and_clean(graded):
    name, course = graded
    generated = nbformat.read(course / "assignments" / name / f"{name}.ipynb", as_version=4)
    stored = nbformat.read(ROOT / "assignments" / name / f"{name}.ipynb", as_version=4)
    assert [(c.cell_type, c.source, c.metadata) for c in stored.cells] == \
        [(c.cell_type, c.source, c.metadata) for c in generated.cells], "run `make assignments`"
    secrets = secret_lines(ROOT / "solutions" / name / f"{name}.ipynb")
    assert find_leaks([p for p in (ROOT / "assignments").rglob("*") if p.is_file()], secrets) == []
