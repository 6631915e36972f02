"""How a test cell built on ``shequn.checks.Checks`` scores: public cases are reported, only hidden
ones score once ``grade_hidden_only()`` is called; ``expect_frame_close(ordered=True)``.

Expected scores are worked by hand (points × passed / scored cases).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from shequn.checks import CheckFailed, Checks, expect, expect_frame_close


def _cell(public: list[bool], hidden: list[bool] | None) -> Checks:
    checks = Checks(points=3, name="q")
    for i, ok in enumerate(public):
        checks.case(f"public {i}", lambda ok=ok: expect(ok, "no"))
    if hidden is not None:
        checks.grade_hidden_only()
        for i, ok in enumerate(hidden):
            checks.case(f"hidden {i}", lambda ok=ok: expect(ok, "no"))
    return checks


def test_without_hidden_tests_every_case_scores():
    # a learner's own run of the released notebook: 2 of 3 public cases -> 3 × 2/3
    assert _cell([True, True, False], None).score() == 2.0


def test_public_cases_carry_no_points_once_the_hidden_ones_start():
    # every public case passed, 1 of 3 hidden: 3 × 1/3 (not 3 × 3/5, as when public cases counted)
    assert _cell([True, True], [True, False, False]).score() == 1.0
    # all public cases passed, no hidden one: nothing earned (the cell fails, nbgrader gives 0)
    with pytest.raises(CheckFailed, match="0 分"):
        _cell([True, True], [False, False, False]).score()
    # public cases failed do not cost anything either
    assert _cell([False, False], [True, True, True]).score() == 3.0


def test_the_report_still_shows_the_public_cases_marked_unscored():
    report = _cell([True, False], [True]).report()
    assert "只有隐藏测试计分" in report
    assert "✓ public 0（公开测试，不计分）" in report and "✗ public 1（公开测试，不计分）" in report
    assert "✓ hidden 0" in report and "hidden 0（" not in report


def test_a_hidden_section_without_cases_is_the_instructor_s_error():
    with pytest.raises(CheckFailed, match="没有任何计分的检查"):
        _cell([True], []).score()


def test_ordered_frames_need_the_labels_in_the_expected_order_and_type():
    expected = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}, index=[date(2026, 3, 1), date(2026, 3, 2)])
    expect_frame_close(expected.copy(), expected, "t", ordered=True)
    swapped = expected[["b", "a"]]
    expect_frame_close(swapped, expected, "t")  # unordered: the same table
    with pytest.raises(CheckFailed, match="顺序"):
        expect_frame_close(swapped, expected, "t", ordered=True)
    stamps = expected.set_axis(pd.to_datetime(["2026-03-01", "2026-03-02"]), axis=0)
    with pytest.raises(CheckFailed, match="顺序"):  # Timestamps are not the dates asked for
        expect_frame_close(stamps, expected, "t", ordered=True)
