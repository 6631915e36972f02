"""Grading support for the course's nbgrader assignments (no solutions live here)."""

from shequn.grading.checks import (
    CheckFailed,
    Checks,
    answer_hash,
    check_hashed,
    expect,
    expect_close,
    expect_frame_close,
    expect_type,
    forbid,
    grading_seed,
)

__all__ = ["CheckFailed", "Checks", "answer_hash", "check_hashed", "expect", "expect_close",
           "expect_frame_close", "expect_type", "forbid", "grading_seed"]
