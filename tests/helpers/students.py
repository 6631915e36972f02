"""Example learners shared by the grading tests: answers, and the totals a grader must give them.

The scores are worked out by hand from each assignment's test cells (see the comments), not read
from a grader.
"""

from __future__ import annotations

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
"""  # noqa: E501 (code run in the learner's kernel)
HARD_CODED_Q1 = (
    "def highest_price(applicants, min_members, prices):\n    return 50  # the answer on the visible data\n"
)
HARD_CODED_Q2 = """def policy_table(applicants, policies, *, min_members, min_active_share, seed=0):
    return pd.DataFrame(  # copied from a run on the visible data
        {"members": [10000, 4932, 18741], "fit_precision": [0.3038, 0.355028, 0.279654],
         "active_share": [0.0674, 0.109286, 0.063444], "net": [-40000.0, 128232.0, -74964.0],
         "meets_goal": [False, True, False]},
        index=["免费", "付费30元", "邀请3人"])
"""
# Expected autograded totals (the written answer q4 is graded by hand later).  Only hidden cases
# score (`checks.grade_hidden_only()`): public ones are reported but a guess could pass them.
#   correct:   q1 3 + q2 4 + q3 6                                       = 13
#   partial:   q1 3 + q2 0 (wrong column order: both hidden tables fail) + q3 3/9 of 6
#              (a free group is big enough on every hidden pool, but neither active nor solvent) = 5
#   empty:     every answer raises NotImplementedError                  = 0
#   hardcoded: q1 0 (50 answers none of a hidden case's goals) + q2 0 (the visible table on other
#              pools) + q3 6                                            = 6
THRESHOLD_STUDENTS = {
    "correct": ({"q1_answer": None, "q2_answer": None, "q3_answer": None, "q4_answer": ESSAY}, 13.0),
    "partial": (
        {
            "q1_answer": None,
            "q2_answer": WRONG_ORDER,
            "q3_answer": "my_policy = th.FreePolicy()",
            "q4_answer": ESSAY,
        },
        5.0,
    ),
    "empty": ({}, 0.0),
    "hardcoded": ({"q1_answer": HARD_CODED_Q1, "q2_answer": HARD_CODED_Q2, "q3_answer": None}, 6.0),
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
    # the answer on the visible data, pasted in
    return pd.Series({values!r}, name="lurker_share").rename_axis("group_id")
"""
ALL_ANSWERS = {f"q{i}_answer": None for i in range(1, 7)}
# Expected autograded totals (question 7 is graded by hand):
#   correct:   q1 2 + q2 3 + q3 4 + q4 2 + q5 4 + q6 3                           = 18
#   partial:   q1 swallows errors: the 2 public cases pass (not scored), the 2 hidden fail -> 0
#              q4 counts red packets as messages, and q6 reuses that lurker_share:
#              which of their hidden cases fail depends on this term's hidden data
#              (whether red-packet-only members change a lurker count there), so the
#              total is not fixed by hand: the test takes plain nbgrader's, cell by cell
#              (None below), and checks its public cases by hand instead
#   empty:     every answer raises NotImplementedError                         = 0
#   hardcoded: q4 returns the visible answer for any input: its 2 hashed sample cases
#              pass (not scored), the 4 hidden fail                            -> 0
#              q6 (built on that q4) passes only its 2 public cases            -> 0
#                                                                              = 13
ANALYSIS_STUDENTS = {
    "correct": ({**ALL_ANSWERS, "q7_answer": ESSAY}, 18.0),
    "partial": (
        {**ALL_ANSWERS, "q1_answer": SWALLOW, "q4_answer": COUNTS_RED_PACKETS, "q7_answer": ESSAY},
        None,
    ),
    "empty": ({}, 0.0),
    "hardcoded": ({**ALL_ANSWERS, "q4_answer": HARD_CODED_LURKERS}, 2 + 3 + 4 + 0 + 4 + 0),
}
# ---------------------------------------------------------------- capstone (mostly graded by hand)
# code cells: the source's solutions; written parts: the learner's own words (not the sample answers)
CAPSTONE_ANSWERS = {
    **{gid: None for gid in ("q2_code", "q4_code", "q5_code")},
    **{
        gid: f"{ESSAY}（{gid}）"
        for gid in ("q1_answer", "q2_answer", "q3_answer", "q4_answer", "q5_answer", "q6_answer", "q7_answer")
    },
}
# A plan that meets only goals the learner set for itself (the loophole the instructor's goals close).
SELF_SET_GOALS = (
    'plan_goals = {"min_members": 100, "min_active_share": 0.01}\n'
    "plan_policy = th.FreePolicy()\nplan_table = th.compare_policies([plan_policy], applicants)\n"
)
# Autograded: only q2_tests (4 points, 5 cases: the threshold runs; it meets the instructor's goals
# on the visible applicants; and on three unseen pools, a hidden test with a fixed grading seed).
# Only the three hidden cases score (Checks.grade_hidden_only: the visible pool can be fitted by hand).
#   correct: 3/3 = 4;  selfset: a free group misses every goal on the unseen pools, 0/3 = 0;
#   empty: plan_policy is undefined = 0
CAPSTONE_STUDENTS = {
    "correct": (CAPSTONE_ANSWERS, 4.0),
    "selfset": ({**CAPSTONE_ANSWERS, "q2_code": SELF_SET_GOALS}, 0.0),
    "empty": ({}, 0.0),
}
SCENARIOS = {
    "threshold_design": THRESHOLD_STUDENTS,
    "group_analysis": ANALYSIS_STUDENTS,
    "capstone": CAPSTONE_STUDENTS,
}
MANUAL = {"threshold_design": "q4_answer", "group_analysis": "q7_answer", "capstone": "q1_answer"}


def plain_nbgrader_config(course) -> None:
    """Make *course* use nbgrader's own autograde chain (tests run in the kernel), for comparison."""
    from pathlib import Path

    from shequn.grading.authoring.assignment_check import plain_autograde_config

    path = Path(course) / "nbgrader_config.py"
    path.write_text(plain_autograde_config(path.read_text(encoding="utf-8")), encoding="utf-8")
