"""The grading benchmark still runs (on 1 submission instead of 60).

Speed is not asserted here (the machine is shared and noisy): `make bench` measures it.
This only keeps `benchmarks/grade_bench.py` from rotting: both graders must agree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.root]  # skipped when not root (conftest)

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def test_grade_benchmark_runs_and_both_graders_agree():
    sys.path.insert(0, str(BENCH))
    from grade_bench import bench_grade

    r = bench_grade(1, n=1, workers=2)
    assert r["n"] == 1 and r["scores_identical"]
    assert r["shequn_s"] > 0 and r["sequential_s"] > 0 and r["bare_nbclient_per_notebook_s"] > 0
    assert r["speedup_vs_sequential"] == pytest.approx(r["sequential_s"] / r["shequn_s"], rel=0.05)


def test_the_plain_assert_benchmark_runs_and_plain_nbgrader_gives_full_marks():
    """The second benchmark assignment (bare asserts) grades both ways; plain nbgrader's score of
    the correct submission is its full 11 points (2 + 3 + 3 + 2 + 1, by hand from its cells).
    How the trusted grader scores it is reported (``scores_identical``), not asserted here:
    bare-assert cells are the subject of issue 23's scoring change."""
    sys.path.insert(0, str(BENCH))
    from assert_assignment import POINTS
    from grade_bench import bench_grade

    assert sum(POINTS.values()) == 11
    r = bench_grade(1, n=1, workers=2, name="chat_basics")
    assert r["assignment"] == "chat_basics" and r["n"] == 1
    assert r["plain_points_per_notebook"] == 11
    assert r["shequn_s"] > 0 and r["sequential_s"] > 0 and r["bare_nbclient_per_notebook_s"] > 0
    assert isinstance(r["scores_identical"], bool) and r["score_differences"] >= 0
