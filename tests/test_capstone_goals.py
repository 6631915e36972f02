"""The capstone's automatic check grades a plan against the instructor's goals, on unseen pools too.

The check is the solution's own test cell (``q2_tests`` in ``solutions/capstone/capstone.md``),
run here as nbgrader would run it after the learner's cell: a plan that reaches only goals a
learner set for itself (the old ``min_members=100, min_active_share=0.01``) no longer passes.
The worked example on the site (``book/example_plan.md``) is for another cause with its own
goals: it reaches them, and copying its threshold does not pass the capstone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shequn.checks import CheckFailed
from shequn.models import thresholds as th

ROOT = Path(__file__).resolve().parents[1]
CAPSTONE = ROOT / "solutions" / "capstone" / "capstone.md"
EXAMPLE = ROOT / "book" / "example_plan.md"
GOAL_CASES = 4  # the visible pool and three unseen pools


def _cells(path: Path) -> dict[str, str]:
    """grade_id -> source of each code cell of a MyST notebook."""
    text = path.read_text(encoding="utf-8")
    cells = {}
    for meta, source in re.findall(
        r"```\{code-cell\} ipython3\n---\n(.*?)\n---\n(.*?)\n```", text, flags=re.S
    ):
        grade_id = re.search(r"grade_id: (\S+)", meta).group(1)
        cells[grade_id] = source
    return cells


@pytest.fixture(scope="module")
def capstone():
    cells = _cells(CAPSTONE)
    namespace: dict = {}
    exec(cells["setup"], namespace)  # noqa: S102 - the course's own solution notebook
    return cells, namespace


def _grade(capstone, plan_code: str, **learner_globals) -> list[tuple[str, bool, str]]:
    """Run the learner's q2 cell (``plan_code``) and then the check cell; return the check's results."""
    cells, setup = capstone
    namespace = dict(setup)
    exec(plan_code, namespace)  # noqa: S102
    namespace.update(learner_globals)
    try:
        exec(cells["q2_tests"], namespace)  # noqa: S102
    except CheckFailed:  # checks.score() raises when no scored case passed: nbgrader gives the cell 0
        pass
    return namespace["checks"].results


def test_the_check_has_hidden_cases_on_unseen_pools_with_a_fixed_grading_seed(capstone):
    cells, _ = capstone
    check = cells["q2_tests"]
    assert "### BEGIN HIDDEN TESTS" in check and "grading_seed(7401)" in check
    assert "plan_goals" not in check  # the learner's own goals play no part


def test_the_solution_plan_meets_the_instructors_goals_everywhere(capstone):
    results = _grade(capstone, _cells(CAPSTONE)["q2_code"])
    assert len(results) == 1 + GOAL_CASES
    assert all(ok for _, ok, _ in results), results


@pytest.mark.parametrize(
    "plan",
    [
        # the old loophole: a free group with self-set goals it easily meets
        'plan_goals = {"min_members": 100, "min_active_share": 0.01}\nplan_policy = th.FreePolicy()',
        "plan_policy = th.PaidPolicy(50)",  # solvent, but not active enough
        "plan_policy = th.InvitePolicy(3)",  # big, but neither active nor solvent
    ],
)
def test_a_plan_that_misses_the_goals_fails_every_goal_case(capstone, plan):
    results = _grade(capstone, plan)
    assert results[0][1]  # it runs
    assert [ok for _, ok, _ in results[1:]] == [False] * GOAL_CASES, results


def test_changing_the_goals_in_the_notebook_does_not_change_the_grade(capstone):
    lax = {"min_members": 1, "min_active_share": 0.0, "min_net": -1e9}
    results = _grade(capstone, "plan_policy = th.FreePolicy()", GOALS=lax)
    assert [ok for _, ok, _ in results[1:]] == [False] * GOAL_CASES


def _example_namespace() -> dict:
    text = EXAMPLE.read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)\n```", text, flags=re.S) if "example_policy" in b]
    assert len(blocks) == 1, (
        "示例方案页应有一段定义 example_policy 的代码 (one code block defining example_policy)"
    )
    namespace: dict = {}
    exec(blocks[0], namespace)  # noqa: S102 - the course's own page
    return namespace


def test_the_worked_example_meets_its_own_goals_on_other_pools():
    example = _example_namespace()
    goals = example["EXAMPLE_GOALS"]
    for seed in (2026, 101, 102, 103):
        result = th.simulate(
            example["example_policy"], th.generate_applicants(10_000, seed=seed), weeks=8, seed=0
        )
        assert th.meets_goal(
            result,
            min_members=goals["min_members"],
            min_active_share=goals["min_active_share"],
            min_net=goals["min_net"],
        ), seed


def test_the_worked_examples_table_is_what_the_simulator_gives():
    example = _example_namespace()
    table = example["th"].compare_policies(
        [th.FreePolicy(), th.PaidPolicy(50), example["example_policy"]], example["applicants"]
    )
    page = EXAMPLE.read_text(encoding="utf-8")
    row = table.loc["报名问卷"]
    stated = (
        f"| 报名问卷 | {int(row['成员数'])} | {row['精准度（匹配者占比）']:.3f} "
        f"| {row['第8周活跃占比']:.3f} |"
    )
    assert stated in page


def test_copying_the_worked_examples_threshold_does_not_pass_the_capstone(capstone):
    results = _grade(capstone, "", plan_policy=_example_namespace()["example_policy"])
    assert [ok for _, ok, _ in results[1:]] == [False] * GOAL_CASES


def test_the_check_cells_points_match_its_checks():
    """nbgrader refuses partial credit above the cell's points: the metadata and Checks(points=) agree."""
    text = CAPSTONE.read_text(encoding="utf-8")
    meta = re.search(r"grade_id: q2_tests\n(?:.*\n)*?  points: (\d+)", text).group(1)
    declared = re.search(r"Checks\(points=(\d+)", _cells(CAPSTONE)["q2_tests"]).group(1)
    assert meta == declared == "4"
