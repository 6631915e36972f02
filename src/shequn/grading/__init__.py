"""Grading support for the course's nbgrader assignments (no solutions live here).

Learner side: the check helpers the assignments' test cells use (:mod:`shequn.grading.checks`,
the local check).  Instructor side: ``shequn grade`` (:mod:`~shequn.grading.scheduler`), the
trusted test runner (:mod:`~shequn.grading.trusted`) and its channel, the sandbox, gradebook,
journal, audit, export and exchange.  The check helpers are imported lazily: the sandbox
launcher starts once per graded notebook and must not pay for importing pandas.
"""

from __future__ import annotations

import importlib

__all__ = ["CheckFailed", "Checks", "answer_hash", "check_hashed", "expect", "expect_close",
           "expect_frame_close", "expect_type", "forbid", "grading_seed"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(importlib.import_module("shequn.grading.checks"), name)
    raise AttributeError(f"module 'shequn.grading' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
