"""Introduction model: traffic (流量) versus retained users (留量).

Seed ``001_e686460c62524f51.md`` says that attracting people has become easy
and that what matters is how many of them stay; a community is meant to turn
traffic (流量) into retained users (留量) and to cut the cost of traffic.  This
module turns that claim into a small stock-and-flow model so that learners can
test it.  All parameters are illustrative assumptions, not measurements.

Model (deterministic, one stock of users, weeks ``t = 1, 2, ...``):

    S_0 = 0
    S_t = r * S_{t-1} + a

``a`` is the weekly inflow of new users (bought or borrowed traffic), ``r``
the weekly retention rate: the share of last week's active users still active
this week (users in the stock are active; a user who drops out never returns),
so a cohort's week-k retention (the glossary's 留存率, what
``shequn.metrics.retention_by_cohort`` measures) is ``r ** k``.  Unrolling the recursion gives a
geometric series and its closed form

    S_t = a * (1 + r + ... + r^(t-1)) = a * (1 - r^t) / (1 - r)     (r < 1)
    S_t = a * t                                                     (r = 1)

so the stock approaches the steady state ``S* = a / (1 - r)``.  Equivalently
(Little's law) ``S* = a * L`` with ``L = 1 / (1 - r)`` the expected number of
weeks one user is counted in the stock.  The stock reaches the share ``p`` of
its steady state after ``ln(1 - p) / ln(r)`` weeks.

Money: each acquired user costs ``c`` and running the community costs a fixed
``f`` per week, so the cumulative spend after ``t`` weeks is

    C_t = (c * a + f) * t

and the cost per retained user is ``C_t / S_t``.  With ``f = 0`` this equals
``c * t * (1 - r) / (1 - r^t)``: it does not depend on the inflow ``a``.

Assumptions: every user is alike; retention is the same every week and does
not depend on how long someone has stayed; inflow and prices are constant; a
user who leaves never returns; nothing else (revenue, word of mouth) is
modelled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "Strategy",
    "TRAFFIC_STRATEGY",
    "RETENTION_STRATEGY",
    "stock_closed_form",
    "steady_state",
    "expected_lifetime",
    "weeks_to_share",
    "simulate",
    "summary",
    "strategy_table",
    "compare_strategies",
    "crossover_week",
    "plot_stock",
]


def _check_retention(retention: float) -> None:
    if not 0.0 <= retention <= 1.0:
        raise ValueError(f"retention must lie in [0, 1], got {retention}")


def _check_nonnegative(name: str, value: float) -> None:
    if not value >= 0.0:  # also rejects NaN
        raise ValueError(f"{name} must be >= 0, got {value}")


def _check_weeks(weeks: int) -> None:
    if isinstance(weeks, bool) or not isinstance(weeks, (int, np.integer)) or weeks < 1:
        raise ValueError(f"weeks must be an integer >= 1, got {weeks!r}")


@dataclass(frozen=True)
class Strategy:
    """One way of getting users: weekly inflow, weekly retention and costs.

    ``inflow``: new users acquired per week (a); ``retention``: weekly
    retention rate (r); ``cost_per_user``: money spent per acquired user (c);
    ``weekly_cost``: fixed weekly cost of running a community (f).
    """

    name_zh: str
    inflow: float
    retention: float
    cost_per_user: float = 0.0
    weekly_cost: float = 0.0

    def __post_init__(self) -> None:
        _check_nonnegative("inflow", self.inflow)
        _check_retention(self.retention)
        _check_nonnegative("cost_per_user", self.cost_per_user)
        _check_nonnegative("weekly_cost", self.weekly_cost)

    @property
    def weekly_spend(self) -> float:
        """Money spent per week: c * a + f."""
        return self.cost_per_user * self.inflow + self.weekly_cost


# Illustrative presets (assumptions, not data).  Both spend 20,000 a week and
# pay the same price per acquired user.  The traffic strategy spends it all on
# buying users and keeps half of them each week; the retention strategy buys
# half as many, spends the rest on running a community and (by assumption)
# keeps 90% of its users each week thanks to community ties.
TRAFFIC_STRATEGY = Strategy("流量策略", inflow=1000, retention=0.5, cost_per_user=20.0)
RETENTION_STRATEGY = Strategy("留量策略", inflow=500, retention=0.9, cost_per_user=20.0, weekly_cost=10000.0)


def stock_closed_form(inflow: float, retention: float, weeks: int | np.ndarray) -> float | np.ndarray:
    """Stock of users after ``weeks`` weeks: ``a * (1 - r^t) / (1 - r)`` (``a * t`` if r = 1)."""
    _check_nonnegative("inflow", inflow)
    _check_retention(retention)
    t = np.asarray(weeks, dtype=float)
    if np.any(t < 0):
        raise ValueError("weeks must be >= 0")
    if retention == 1.0:
        out = inflow * t
    else:
        out = inflow * (1.0 - retention**t) / (1.0 - retention)
    return float(out) if out.ndim == 0 else out


def steady_state(inflow: float, retention: float) -> float:
    """Long-run stock ``a / (1 - r)``; infinite when nobody ever leaves (r = 1)."""
    _check_nonnegative("inflow", inflow)
    _check_retention(retention)
    if retention == 1.0:
        return math.inf if inflow > 0 else 0.0
    return inflow / (1.0 - retention)


def expected_lifetime(retention: float) -> float:
    """Expected number of weeks one user is counted in the stock: ``1 / (1 - r)``."""
    _check_retention(retention)
    return math.inf if retention == 1.0 else 1.0 / (1.0 - retention)


def weeks_to_share(retention: float, share: float = 0.5) -> int:
    """First whole week in which the stock reaches ``share`` of its steady state.

    Solves ``1 - r^t >= share``: ``t = ceil(ln(1 - share) / ln(r))``, at least 1.
    """
    _check_retention(retention)
    if not 0.0 < share < 1.0:
        raise ValueError(f"share must lie in (0, 1), got {share}")
    if retention == 1.0:
        raise ValueError("with retention 1 there is no steady state to approach")
    if retention == 0.0:
        return 1
    t = math.log(1.0 - share) / math.log(retention)
    # guard against floating-point noise when t is (almost) a whole number
    return max(1, math.ceil(t - 1e-9))


def simulate(strategy: Strategy, weeks: int) -> pd.DataFrame:
    """Week-by-week run of the recursion ``S_t = r * S_{t-1} + a``.

    Returns a frame indexed by week (1..weeks) with columns ``new_users``
    (a), ``kept`` (users still there from earlier weeks, r * S_{t-1}),
    ``lost`` ((1 - r) * S_{t-1}), ``stock`` (S_t), ``spend`` (cumulative
    spend C_t) and ``cost_per_retained`` (C_t / S_t; NaN when the stock is 0).
    """
    _check_weeks(weeks)
    a, r = float(strategy.inflow), float(strategy.retention)
    stock = np.empty(weeks)
    kept = np.empty(weeks)
    previous = 0.0
    for t in range(weeks):  # the recursion itself, independent of the closed form
        kept[t] = r * previous
        stock[t] = kept[t] + a
        previous = stock[t]
    lost = np.concatenate(([0.0], stock[:-1])) - kept
    spend = strategy.weekly_spend * np.arange(1, weeks + 1, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_user = np.where(stock > 0, spend / np.where(stock > 0, stock, 1.0), np.nan)
    return pd.DataFrame(
        {
            "new_users": np.full(weeks, a),
            "kept": kept,
            "lost": lost,
            "stock": stock,
            "spend": spend,
            "cost_per_retained": per_user,
        },
        index=pd.RangeIndex(1, weeks + 1, name="week"),
    )


def summary(strategy: Strategy, weeks: int) -> dict[str, float]:
    """Headline numbers of one strategy after ``weeks`` weeks (closed forms).

    Keys: ``stock``, ``steady_state``, ``share_of_steady`` (S_t / S*),
    ``lifetime`` (1 / (1 - r)), ``spend``, ``cost_per_retained`` (C_t / S_t)
    and ``steady_weekly_cost_per_user`` ((c * a + f) / S*, the weekly spend per
    user held once the stock has settled).
    """
    _check_weeks(weeks)
    s = stock_closed_form(strategy.inflow, strategy.retention, weeks)
    star = steady_state(strategy.inflow, strategy.retention)
    spend = strategy.weekly_spend * weeks
    return {
        "stock": s,
        "steady_state": star,
        "share_of_steady": s / star if 0 < star < math.inf else (1.0 if star == 0 else 0.0),
        "lifetime": expected_lifetime(strategy.retention),
        "spend": spend,
        "cost_per_retained": spend / s if s > 0 else math.nan,
        "steady_weekly_cost_per_user": strategy.weekly_spend / star if star > 0 else math.nan,
    }


def strategy_table(
    strategies: Sequence[Strategy] = (TRAFFIC_STRATEGY, RETENTION_STRATEGY),
) -> pd.DataFrame:
    """Chinese table of each strategy's assumptions and long-run results.

    One column per strategy, one row per quantity (so that two strategies can
    be read side by side).
    """
    if not strategies:
        raise ValueError("give at least one strategy")
    rows = []
    for s in strategies:
        out = summary(s, 1)
        rows.append(
            {
                "策略": s.name_zh,
                "每周新增用户": s.inflow,
                "每周留存率": s.retention,
                "每个新用户的成本（元）": s.cost_per_user,
                "每周社群运营成本（元）": s.weekly_cost,
                "每周总投入（元）": s.weekly_spend,
                "一位用户平均停留（周）": round(out["lifetime"], 2),
                "稳态用户存量": round(out["steady_state"], 1),
                "稳态时每人每周成本（元）": round(out["steady_weekly_cost_per_user"], 2),
            }
        )
    table = pd.DataFrame(rows).set_index("策略").T
    table.index.name = "项目"
    return table


def compare_strategies(
    strategies: Sequence[Strategy] = (TRAFFIC_STRATEGY, RETENTION_STRATEGY),
    weeks: Sequence[int] = (4, 12, 26, 52),
) -> pd.DataFrame:
    """Chinese table: for each strategy and horizon, stock, spend and cost per retained user."""
    if not strategies:
        raise ValueError("give at least one strategy")
    if not weeks:
        raise ValueError("give at least one horizon in weeks")
    rows = []
    for s in strategies:
        for w in weeks:
            out = summary(s, w)
            rows.append(
                {
                    "策略": s.name_zh,
                    "周数": int(w),
                    "用户存量": round(out["stock"], 1),
                    "已达稳态的比例": round(out["share_of_steady"], 3),
                    "累计投入（元）": round(out["spend"], 1),
                    "每位存量用户的成本（元）": round(out["cost_per_retained"], 2),
                }
            )
    return pd.DataFrame(rows).set_index(["策略", "周数"])


def crossover_week(first: Strategy, second: Strategy, max_weeks: int = 520) -> int | None:
    """First week in which ``second`` has at least as many users as ``first``.

    Returns ``None`` if that does not happen within ``max_weeks``.
    """
    _check_weeks(max_weeks)
    t = np.arange(1, max_weeks + 1)
    a = stock_closed_form(first.inflow, first.retention, t)
    b = stock_closed_form(second.inflow, second.retention, t)
    ahead = np.flatnonzero(b >= a - 1e-9 * np.maximum(1.0, a))
    return int(t[ahead[0]]) if ahead.size else None


def plot_stock(
    strategies: Sequence[Strategy] = (TRAFFIC_STRATEGY, RETENTION_STRATEGY),
    weeks: int = 26,
):
    """Line chart of the user stock of each strategy, with its steady state dashed."""
    from shequn.plotting import new_figure

    _check_weeks(weeks)
    if not strategies:
        raise ValueError("give at least one strategy")
    fig, ax = new_figure(figsize=(7.5, 4.2))
    colors = ("#d9822b", "#2f6fb0", "#3a9a5b", "#a24b9c")
    for i, s in enumerate(strategies):
        run = simulate(s, weeks)
        color = colors[i % len(colors)]
        ax.plot(
            run.index,
            run["stock"],
            "-",
            marker="o",
            markersize=3,
            color=color,
            label=f"{s.name_zh}（每周新增{s.inflow:g}人，留存率{s.retention:.0%}）",
        )
        star = steady_state(s.inflow, s.retention)
        if math.isfinite(star):
            ax.axhline(star, color=color, linestyle="--", linewidth=1)
            ax.annotate(
                f"稳态{star:,.0f}",
                (weeks, star),
                textcoords="offset points",
                xytext=(-4, 4),
                ha="right",
                va="bottom",
                color=color,
                fontsize=9,
            )
    ax.set_xlim(0, weeks + 0.5)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("周")
    ax.set_ylabel("用户存量（人）")
    ax.set_title("流量策略与留量策略：用户存量随周数的变化（示意模型，合成数据）")
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig
