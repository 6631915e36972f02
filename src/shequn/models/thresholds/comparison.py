"""Comparing thresholds and group rules on one applicant pool (tables for the lesson)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pandas as pd

from ._checks import _check_int, _check_range
from .applicants import Applicants, generate_applicants
from .policies import FreePolicy, PaidPolicy, Policy, as_policy, standard_policies
from .simulation import SimulationResult, simulate


def _results(
    items: Iterable[Policy | Callable | SimulationResult] | None,
    applicants: Applicants | None,
    n: int,
    weeks: int,
    seed: int,
    kwargs: dict,
) -> list[SimulationResult]:
    items = standard_policies() if items is None else list(items)
    if not items:
        raise ValueError("give at least one policy")
    if applicants is None and not all(isinstance(i, SimulationResult) for i in items):
        applicants = generate_applicants(n, seed)  # the same pool for every policy
    return [
        i if isinstance(i, SimulationResult) else simulate(i, applicants, weeks=weeks, seed=seed, **kwargs)
        for i in items
    ]


def compare_policies(
    policies: Iterable[Policy | Callable | SimulationResult] | None = None,
    applicants: Applicants | None = None,
    *,
    n: int = 10_000,
    weeks: int = 8,
    seed: int = 0,
    **kwargs,
) -> pd.DataFrame:
    """One row per policy (default: :func:`standard_policies`), Chinese columns.

    All policies see the same applicant pool and seed; ``kwargs`` go to
    :func:`simulate`.  Items that are already a :class:`SimulationResult` are
    used as they are.
    """
    results = _results(policies, applicants, n, weeks, seed, kwargs)
    table = pd.DataFrame([r.summary() for r in results]).set_index("门槛")
    for c in table.columns:
        table[c] = pd.to_numeric(table[c])
    return table


def _rule_label(rule: int | None) -> str:
    return "不清退" if rule is None else f"连续{rule}周不活跃请出群"


def compare_group_rules(
    policies: Iterable[Policy | Callable] | None = None,
    rules: Sequence[int | None] = (None, 4),
    applicants: Applicants | None = None,
    *,
    n: int = 10_000,
    weeks: int = 12,
    seed: int = 0,
    **kwargs,
) -> pd.DataFrame:
    """Each policy (default: free and paid 50 yuan) under each group rule.

    ``rules`` holds values of ``remove_after_inactive_weeks`` (``None`` = nobody
    is removed).  Rows are indexed by (门槛, 群规); columns as in
    :func:`compare_policies` plus 第N周在群率.
    """
    policies = [FreePolicy(), PaidPolicy(50)] if policies is None else [as_policy(p) for p in policies]
    if not policies or not rules:
        raise ValueError("give at least one policy and one rule")
    if applicants is None:
        applicants = generate_applicants(n, seed)
    rows = []
    for policy in policies:
        for rule in rules:
            r = simulate(
                policy, applicants, weeks=weeks, seed=seed, remove_after_inactive_weeks=rule, **kwargs
            )
            row = r.summary()
            row["群规"] = _rule_label(rule)
            row[f"第{weeks}周在群率"] = round(float(r.weekly_in_group[-1]), 3)
            rows.append(row)
    table = pd.DataFrame(rows).set_index(["门槛", "群规"])
    for c in table.columns:
        table[c] = pd.to_numeric(table[c])
    return table[
        [
            "成员数",
            f"第{weeks}周活跃占比",
            f"第{weeks}周活跃人数",
            f"第{weeks}周在群率",
            "收入（元）",
            "成本（元）",
            "净收益（元）",
        ]
    ]


def meets_goal(
    result: SimulationResult,
    *,
    min_members: int = 0,
    min_active_share: float = 0.0,
    week: int | None = None,
    max_cost: float | None = None,
    min_net: float | None = None,
) -> bool:
    """Whether a result reaches a goal such as "at least N members, X % active in week 8, cost <= C"."""
    _check_int("min_members", min_members, 0)
    _check_range("min_active_share", min_active_share, 0.0, 1.0)
    ok = result.members >= min_members and result.active_after(week) >= min_active_share
    if max_cost is not None:
        ok = ok and result.cost <= max_cost
    if min_net is not None:
        ok = ok and result.net >= min_net
    return bool(ok)
