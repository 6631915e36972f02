"""Lesson 4 model: how the mix of PGC and UGC keeps a community active.

Seed ``001_e686460c62524f51.md`` says a community needs both professionally
generated content (PGC, made by the firm) and user-generated content (UGC,
made by members, which "raises stickiness"), and that a community without
*continuing* content cannot last.  This module turns those claims into a small,
deterministic expected-value model of one cohort of members, week by week.
Every parameter is an illustrative assumption, not a measurement; the outputs
are synthetic.

Controls: the PGC share ``s`` of the content plan (0 = all UGC, 1 = all PGC),
the cadence ``c`` (planned posts per week), and the week ``k`` after which the
operator stops working (``None``: never).  State at the start of week ``t``
(t = 0, 1, ...): ``A_t`` is the share of remaining members who are active and
``N_t`` the share of the original members still in the group, with
``A_0 = initial_active`` and ``N_0 = 1``.

    e_t = 1 if the operator works in week t (t < k), else 0
    p_t = s * c * e_t                                   PGC posts
    m_t = A_t * N_t                                     active members (share of the cohort)
    u_t = (1 - s) * c * m_t**2 / (m_t**2 + theta**2)    UGC posts
    x_t = p_t + u_t                                     all posts
    V_t = a * (1 - exp(-(q_P * p_t + q_U * u_t) / H)) - f * x_t
    l_t = clip(l_max * exp(-V_t / V_l), 0, 1)           weekly leave probability
    N_{t+1} = N_t * (1 - l_t)
    A_{t+1} = clip(V_t / V_full, 0, 1)
    h_t = e_t * c * (kappa_P * s + kappa_U * (1 - s))   operator hours

Reading the equations:

* PGC arrives at a steady rate while the operator works and stops the week the
  operator stops.  Each post costs ``kappa_P`` operator hours; hosting the UGC
  part of the plan (posting a topic, replying, moderating) costs ``kappa_U``
  hours per planned UGC slot.
* UGC is produced by active members.  ``(1 - s) * c`` is the members' posting
  habit that a plan with UGC share ``1 - s`` builds; whether it is realised
  depends on how many members are active.  The Hill term with exponent 2
  encodes a critical mass ``theta``: a lone poster gets no replies and gives up,
  so UGC is small while few members are active and close to its ceiling once
  many are.  This habit does not need the operator, so UGC continues after the
  operator stops.  Without PGC, next week's active members follow
  ``m_{t+1} ~= N * G(m_t)`` with an S-shaped ``G``; ignoring the slow loss of
  members, such a group has two stable states, silent (``m = 0``) and
  self-sustaining (where ``G`` crosses the diagonal above ``theta``), and which
  one it reaches depends on whether it starts above the unstable crossing.
  Members keep leaving at a small rate, so in this closed cohort even a
  self-sustaining group shrinks slowly.  With ``s = 1`` there is no UGC at
  all, so activity stops as soon as the operator stops.
* Perceived content value ``V`` saturates in the (quality-weighted) number of
  posts, with half-saturation scale ``H``, and every post costs the reader
  ``f`` (fatigue: too many messages in the group).  ``V`` therefore peaks at a
  finite cadence; for pure PGC the peak is at ``c* = (H / q_P) * ln(a * q_P / (f * H))``
  (about 7.3 posts a week under the defaults).
* Members leave with a probability that falls as ``V`` rises (retention rises
  with content value) and is ``l_max`` when there is no content at all; next
  week's activity is proportional to this week's value.

The model has no new members, no differences between members and no
randomness; it is a caricature for teaching, not a forecast.  The lesson's
comparisons of runs (tables, the sensitivity check, the figure) are in
:mod:`shequn.models.content_mix_scenarios`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

__all__ = [
    "MixParams",
    "DEFAULT_PARAMS",
    "PGC_SHARES",
    "CADENCES",
    "HORIZONS",
    "STOP_WEEKS",
    "leave_probability",
    "content_value",
    "best_pgc_cadence",
    "simulate",
    "summary",
    "is_self_sustaining",
]

# Control values used by the lesson and its explorer.
PGC_SHARES: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
CADENCES: tuple[int, ...] = (1, 3, 7, 14)
HORIZONS: tuple[int, ...] = (4, 12, 26)
STOP_WEEKS: tuple[int | None, ...] = (None, 4, 8)


@dataclass(frozen=True)
class MixParams:
    """Illustrative parameters of the content-mix model (assumptions, not data)."""

    initial_active: float = 0.05  # A_0: share of new members active in week 1
    critical_mass: float = 0.3  # theta: active members (share of cohort) at which UGC is half its ceiling
    value_scale: float = 1.0  # a: value of unlimited content before fatigue
    saturation_posts: float = 4.0  # H: quality-weighted posts per week for ~63% of a
    fatigue_per_post: float = 0.04  # f: value lost per post read (message overload)
    pgc_quality: float = 1.0  # q_P: weight of one PGC post
    ugc_quality: float = 0.8  # q_U: weight of one UGC post
    max_leave: float = 0.1  # l_max: weekly leave probability with no content value
    leave_value_scale: float = 0.15  # V_l: value that cuts the leave probability by a factor e
    full_activity_value: float = 0.6  # V_full: value at which every remaining member is active
    pgc_hours: float = 2.0  # kappa_P: operator hours per PGC post
    ugc_hours: float = 0.5  # kappa_U: operator hours per hosted UGC slot

    def __post_init__(self) -> None:
        for name in ("initial_active", "max_leave"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")
        for name in (
            "critical_mass",
            "value_scale",
            "saturation_posts",
            "leave_value_scale",
            "full_activity_value",
        ):
            value = getattr(self, name)
            if not value > 0.0:
                raise ValueError(f"{name} must be > 0, got {value}")
        for name in ("fatigue_per_post", "pgc_quality", "ugc_quality", "pgc_hours", "ugc_hours"):
            value = getattr(self, name)
            if value < 0.0:
                raise ValueError(f"{name} must be >= 0, got {value}")

    def as_table(self) -> pd.DataFrame:
        """The parameters with their symbols, for display."""
        symbols = {
            "initial_active": "A_0",
            "critical_mass": "theta",
            "value_scale": "a",
            "saturation_posts": "H",
            "fatigue_per_post": "f",
            "pgc_quality": "q_P",
            "ugc_quality": "q_U",
            "max_leave": "l_max",
            "leave_value_scale": "V_l",
            "full_activity_value": "V_full",
            "pgc_hours": "kappa_P",
            "ugc_hours": "kappa_U",
        }
        return pd.DataFrame(
            {
                "符号": [symbols[f.name] for f in fields(self)],
                "取值（假设）": [getattr(self, f.name) for f in fields(self)],
            },
            index=pd.Index([f.name for f in fields(self)], name="参数"),
        )


DEFAULT_PARAMS = MixParams()


def _check_controls(pgc_share: float, cadence: float, weeks: int, stop_week: int | None) -> None:
    if not 0.0 <= pgc_share <= 1.0:
        raise ValueError(f"pgc_share must lie in [0, 1], got {pgc_share}")
    if not cadence > 0:
        raise ValueError(f"cadence (posts per week) must be > 0, got {cadence}")
    if isinstance(weeks, bool) or not isinstance(weeks, (int, np.integer)) or weeks < 1:
        raise ValueError(f"weeks must be a positive integer, got {weeks!r}")
    if stop_week is not None and (
        isinstance(stop_week, bool) or not isinstance(stop_week, (int, np.integer)) or stop_week < 0
    ):
        raise ValueError(f"stop_week must be None or an integer >= 0, got {stop_week!r}")


def content_value(pgc_posts: float, ugc_posts: float, params: MixParams = DEFAULT_PARAMS) -> float:
    """Perceived content value V of one week with the given numbers of posts."""
    if pgc_posts < 0 or ugc_posts < 0:
        raise ValueError("post counts must be >= 0")
    weighted = params.pgc_quality * pgc_posts + params.ugc_quality * ugc_posts
    return params.value_scale * (
        1.0 - math.exp(-weighted / params.saturation_posts)
    ) - params.fatigue_per_post * (pgc_posts + ugc_posts)


def leave_probability(value: float, params: MixParams = DEFAULT_PARAMS) -> float:
    """Weekly probability that a member leaves, given the week's content value."""
    return min(1.0, max(0.0, params.max_leave * math.exp(-value / params.leave_value_scale)))


def best_pgc_cadence(params: MixParams = DEFAULT_PARAMS) -> float:
    """Cadence that maximises the value of pure PGC: ``(H / q_P) * ln(a * q_P / (f * H))``.

    Returns ``inf`` when there is no fatigue and ``0`` when even the first post
    is not worth its fatigue.
    """
    if params.fatigue_per_post == 0:
        return math.inf
    ratio = params.value_scale * params.pgc_quality / (params.fatigue_per_post * params.saturation_posts)
    return params.saturation_posts / params.pgc_quality * math.log(ratio) if ratio > 1 else 0.0


def simulate(
    pgc_share: float,
    cadence: float,
    weeks: int = 26,
    stop_week: int | None = None,
    params: MixParams = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """Run the model for ``weeks`` weeks; one row per week (1-based index).

    Columns: ``operator`` (1 if the operator works that week), ``pgc_posts``,
    ``ugc_posts``, ``value`` (V), ``active_share`` (A, share of remaining
    members active that week), ``retained`` (N after the week's departures),
    ``active_members`` (A * N at the start of the week, share of the cohort),
    ``leave`` (l) and ``operator_hours``.
    """
    _check_controls(pgc_share, cadence, weeks, stop_week)
    s, c, p = float(pgc_share), float(cadence), params
    theta2 = p.critical_mass**2
    cols = {
        k: np.empty(weeks)
        for k in (
            "operator",
            "pgc_posts",
            "ugc_posts",
            "value",
            "active_share",
            "retained",
            "active_members",
            "leave",
            "operator_hours",
        )
    }
    active, members = p.initial_active, 1.0
    hours_per_week = c * (p.pgc_hours * s + p.ugc_hours * (1.0 - s))
    for t in range(weeks):
        working = 1.0 if stop_week is None or t < stop_week else 0.0
        pgc = s * c * working
        m = active * members
        ugc = (1.0 - s) * c * m * m / (m * m + theta2)
        value = content_value(pgc, ugc, p)
        leave = leave_probability(value, p)
        cols["operator"][t] = working
        cols["pgc_posts"][t] = pgc
        cols["ugc_posts"][t] = ugc
        cols["value"][t] = value
        cols["active_share"][t] = active
        cols["active_members"][t] = m
        cols["leave"][t] = leave
        cols["operator_hours"][t] = working * hours_per_week
        members *= 1.0 - leave
        cols["retained"][t] = members
        active = min(1.0, max(0.0, value / p.full_activity_value))
    return pd.DataFrame(cols, index=pd.RangeIndex(1, weeks + 1, name="week"))


def summary(
    pgc_share: float,
    cadence: float,
    weeks: int = 26,
    stop_week: int | None = None,
    params: MixParams = DEFAULT_PARAMS,
) -> dict[str, float]:
    """Headline numbers of one run: last week's activity and retention, totals."""
    run = simulate(pgc_share, cadence, weeks, stop_week, params)
    last = run.iloc[-1]
    return {
        "final_active_share": float(last["active_share"]),
        "final_active_members": float(last["active_members"]),
        "retained": float(last["retained"]),
        "mean_value": float(run["value"].mean()),
        "operator_hours": float(run["operator_hours"].sum()),
        "ugc_share_of_posts": float(
            run["ugc_posts"].sum() / max(1e-12, (run["pgc_posts"] + run["ugc_posts"]).sum())
        ),
    }


def is_self_sustaining(
    pgc_share: float,
    cadence: float,
    stop_week: int = 8,
    after: int = 52,
    threshold: float = 0.05,
    params: MixParams = DEFAULT_PARAMS,
) -> bool:
    """Whether the group is still active ``after`` weeks after the operator stops.

    "Active" means at least ``threshold`` of the original members are active
    in the last week.
    """
    if stop_week is None:
        raise ValueError(
            "stop_week must be a week number: the question is what happens after the operator stops"
        )
    run = simulate(pgc_share, cadence, stop_week + after, stop_week, params)
    return bool(run["active_members"].iloc[-1] >= threshold)
