"""The threshold simulator (steps 3-5 of :mod:`shequn.models.thresholds`).

:func:`simulate` runs one policy on an applicant pool: admission and
invitation rounds, weekly activity, money.  :class:`Assumptions` holds the
behavioural assumptions and :class:`SimulationResult` what one run produced.
The equations are in the package docstring.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from ._checks import _EPS, _check_int, _check_positive, _check_range, _readonly
from .applicants import GOOD_FIT, Applicants, generate_applicants
from .policies import Policy, _check_counts, _check_mask, as_policy


def _latent(u: np.ndarray) -> np.ndarray:
    return ndtri(np.clip(u, _EPS, 1 - _EPS))


def _invitees(
    parents: Applicants, counts: np.ndarray, rng: np.random.Generator, a: Assumptions
) -> Applicants:
    """Friends brought by ``parents`` (``counts[i]`` friends each); see step 3."""
    idx = np.repeat(np.arange(parents.n), counts)
    m = idx.size
    s = a.invitee_similarity
    noise = math.sqrt(1 - s * s)
    z = s * _latent(parents.interest)[idx] + noise * rng.standard_normal(m) - a.invitee_interest_drop
    f = s * _latent(parents.fit)[idx] + noise * rng.standard_normal(m) - a.invitee_fit_drop
    p = parents.params
    return Applicants(
        ndtr(z), ndtr(f), p.draw_wtp(z, rng), p.draw_network(m, rng), parents.generation[idx] + 1, p
    )


@dataclass(frozen=True)
class Assumptions:
    """Behavioural assumptions of the simulator (illustrative, not measured).

    Invitees: ``invitee_similarity`` (latent correlation with the inviter),
    ``invitee_interest_drop`` and ``invitee_fit_drop`` (how much lower on
    average, in latent standard deviations).  Activity: ``fit_weight`` (weight
    of fit vs interest in the match ``q``), ``pay_commitment`` (kappa, the most
    a fee can add to ``q``), ``commitment_half_fee`` (fee giving half of it),
    ``first_week_activity`` (a_1), ``keep_low`` / ``keep_high`` (weekly
    retention of activity at ``q = 0`` / ``q = 1``), ``crowd_penalty``
    (lambda, the "just a crowd" effect of low-fit members).
    """

    invitee_similarity: float = 0.5
    invitee_interest_drop: float = 0.3
    invitee_fit_drop: float = 0.5
    fit_weight: float = 0.6
    pay_commitment: float = 0.15
    commitment_half_fee: float = 50.0
    first_week_activity: float = 0.9
    keep_low: float = 0.6
    keep_high: float = 1.0
    crowd_penalty: float = 0.1

    def __post_init__(self) -> None:
        _check_range("invitee_similarity", self.invitee_similarity, 0.0, 1.0)
        _check_positive("invitee_interest_drop", self.invitee_interest_drop, allow_zero=True)
        _check_positive("invitee_fit_drop", self.invitee_fit_drop, allow_zero=True)
        _check_range("fit_weight", self.fit_weight, 0.0, 1.0)
        _check_range("pay_commitment", self.pay_commitment, 0.0, 1.0)
        _check_positive("commitment_half_fee", self.commitment_half_fee)
        _check_range("first_week_activity", self.first_week_activity, 0.0, 1.0)
        _check_range("keep_low", self.keep_low, 0.0, 1.0)
        _check_range("keep_high", self.keep_high, 0.0, 1.0)
        if self.keep_low > self.keep_high:
            raise ValueError(f"keep_low ({self.keep_low}) must not exceed keep_high ({self.keep_high})")
        _check_range("crowd_penalty", self.crowd_penalty, 0.0, 1.0)

    def commitment(self, fee: float) -> float:
        """``c = kappa * F / (F + F_half)``: extra match from having paid ``fee``."""
        return self.pay_commitment * fee / (fee + self.commitment_half_fee)


DEFAULT_ASSUMPTIONS = Assumptions()

_SUMMARY_ORDER = (
    "门槛",
    "申请人数",
    "成员数",
    "录取比例",
    "经邀请加入",
    "精准度（匹配者占比）",
    "覆盖率（匹配者入群比例）",
)


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What one threshold produced (synthetic).

    Counts: ``applicants`` (everyone who applied, invitees included),
    ``members``, ``invited_members`` (members who came through an invitation
    or poster), ``good_fit_members``.  Shares: ``admitted_share`` =
    members / applicants, ``fit_precision`` = good-fit members / members,
    ``fit_recall`` = good-fit members / good-fit applicants.  Weekly arrays
    (index 0 is week 1): ``weekly_active`` = active members / members admitted,
    ``weekly_in_group`` = members still in the group / members admitted.
    Money (yuan): ``revenue``, ``cost``, ``net``.  Details: ``pool`` (all
    applicants), ``admitted`` (mask over ``pool``), ``activity`` (members x
    weeks, bool), ``fee``.
    """

    policy_name: str
    weeks: int
    fee: float
    applicants: int
    members: int
    invited_members: int
    good_fit_members: int
    admitted_share: float
    fit_precision: float
    fit_recall: float
    weekly_active: np.ndarray
    weekly_in_group: np.ndarray
    revenue: float
    cost: float
    net: float
    pool: Applicants
    admitted: np.ndarray
    activity: np.ndarray

    @property
    def member_pool(self) -> Applicants:
        """The members' traits (rows in the order of ``activity``)."""
        return self.pool.subset(self.admitted)

    def _week_index(self, week: int | None) -> int:
        week = self.weeks if week is None else week
        _check_int("week", week, 1)
        if week > self.weeks:
            raise ValueError(f"week must lie in [1, {self.weeks}], got {week}")
        return week - 1

    def active_after(self, week: int | None = None) -> float:
        """Share of members active in ``week`` (1-based; default: the last week)."""
        return float(self.weekly_active[self._week_index(week)])

    def active_members_after(self, week: int | None = None) -> int:
        """Number of members active in ``week`` (1-based; default: the last week)."""
        return int(self.activity[:, self._week_index(week)].sum())

    def summary(self) -> pd.Series:
        """The headline numbers with Chinese labels."""
        w = self.weeks
        return pd.Series(
            {
                "门槛": self.policy_name,
                "申请人数": self.applicants,
                "成员数": self.members,
                "录取比例": round(self.admitted_share, 3),
                "经邀请加入": self.invited_members,
                "精准度（匹配者占比）": round(self.fit_precision, 3),
                "覆盖率（匹配者入群比例）": round(self.fit_recall, 3),
                f"第{w}周活跃占比": round(self.active_after(), 3),
                f"第{w}周活跃人数": self.active_members_after(),
                "收入（元）": round(self.revenue, 2),
                "成本（元）": round(self.cost, 2),
                "净收益（元）": round(self.net, 2),
            },
            name=self.policy_name,
            dtype=object,
        )


def simulate(
    policy: Policy | Callable,
    applicants: Applicants | None = None,
    *,
    n: int = 10_000,
    weeks: int = 8,
    seed: int = 0,
    cost_per_member_week: float = 0.5,
    invite_rounds: int = 2,
    remove_after_inactive_weeks: int | None = None,
    hide_fit: bool = True,
    assumptions: Assumptions | None = None,
    **overrides: float,
) -> SimulationResult:
    """Run one entry threshold on an applicant pool for ``weeks`` weeks.

    ``applicants`` defaults to ``generate_applicants(n, seed)``.  ``seed`` also
    seeds the simulation's own random draws, so the result is deterministic
    for a seed.  ``cost_per_member_week`` (yuan) is what serving one member
    for one week costs; ``invite_rounds`` is how many rounds of invitations
    happen before week 1; ``remove_after_inactive_weeks`` (a group rule, e.g.
    4) removes members after that many consecutive inactive weeks.  With
    ``hide_fit=True`` (the default) policies see the pool without ``fit``
    (reading it raises ``AttributeError``), as a real operator would;
    ``hide_fit=False`` gives an oracle that can screen on fit directly.
    ``assumptions`` and keyword ``overrides`` (any :class:`Assumptions` field,
    e.g. ``pay_commitment=0``) set the behavioural assumptions.  Mechanisms
    and equations: see the module docstring.
    """
    policy = as_policy(policy)
    _check_int("weeks", weeks, 1)
    _check_int("seed", seed, 0)
    _check_int("invite_rounds", invite_rounds, 0)
    _check_positive("cost_per_member_week", cost_per_member_week, allow_zero=True)
    if remove_after_inactive_weeks is not None:
        _check_int("remove_after_inactive_weeks", remove_after_inactive_weeks, 1)
    if not isinstance(hide_fit, bool):
        raise ValueError(f"hide_fit must be True or False, got {hide_fit!r}")
    _check_positive(f"fee of policy {policy.name!r}", policy.fee, allow_zero=True)
    a = assumptions if assumptions is not None else DEFAULT_ASSUMPTIONS
    if not isinstance(a, Assumptions):
        raise ValueError("assumptions must be an Assumptions instance")
    if overrides:
        unknown = set(overrides) - {f.name for f in dataclasses.fields(Assumptions)}
        if unknown:
            raise TypeError(f"simulate() got unknown parameters {sorted(unknown)}")
        a = dataclasses.replace(a, **overrides)
    if applicants is None:
        applicants = generate_applicants(n, seed)
    elif not isinstance(applicants, Applicants):
        raise ValueError("applicants must be an Applicants pool (see generate_applicants)")

    rng = np.random.default_rng([seed, 5])
    # Admission and invitation rounds.
    pools, masks = [], []
    pool = applicants
    for round_ in range(invite_rounds + 1):
        view = pool.hide_fit() if hide_fit else pool
        # A policy draws from its own stream, fresh for every call: its randomness never shifts
        # the simulation's draws, and a call gives the same answer wherever it runs.
        mask = _check_mask(
            policy.admit(view, np.random.default_rng([seed, 6, round_, 0])), pool.n, policy.name
        )
        pools.append(pool)
        masks.append(mask)
        if round_ == invite_rounds or not mask.any():
            break
        counts = _check_counts(
            policy.invitees(view, mask, np.random.default_rng([seed, 6, round_, 1])), pool.n, policy.name
        )
        counts = np.where(mask, counts, 0)
        if counts.sum() == 0:
            break
        pool = _invitees(pool.subset(mask), counts[mask], rng, a)
    everyone = pools[0] if len(pools) == 1 else Applicants.concat(pools)
    admitted = masks[0] if len(masks) == 1 else np.concatenate(masks)
    admitted.flags.writeable = False

    fit = everyone.fit[admitted]
    interest = everyone.interest[admitted]
    members = int(fit.size)
    good = fit >= GOOD_FIT
    good_fit_members = int(good.sum())
    good_applicants = int(everyone.good_fit.sum())
    invited_members = int((everyone.generation[admitted] > 0).sum())

    # Weekly activity (step 4).
    q = np.clip(a.fit_weight * fit + (1 - a.fit_weight) * interest + a.commitment(policy.fee), 0.0, 1.0)
    crowd = float(np.mean(~good)) if members else 0.0
    keep = np.clip(a.keep_low + (a.keep_high - a.keep_low) * q - a.crowd_penalty * crowd, 0.0, 1.0)
    # p_i(t) = a_1 q_i keep_i^(t-1), one row per week
    prob = np.empty((weeks, members))
    prob[0] = a.first_week_activity * q
    for t in range(1, weeks):
        np.multiply(prob[t - 1], keep, out=prob[t])
    by_week = rng.random((weeks, members)) < prob
    in_group_counts = np.full(weeks, members, dtype=np.int64)
    rule = remove_after_inactive_weeks
    if rule is not None and rule < weeks:
        # the group rule: after `rule` consecutive inactive weeks a member is asked to leave
        in_group = np.ones(members, dtype=bool)
        streak = np.zeros(members, dtype=np.int64)
        for t in range(weeks):
            in_group_counts[t] = in_group.sum()
            by_week[t] &= in_group
            streak = np.where(by_week[t], 0, streak + 1)
            in_group &= streak < rule
    activity = by_week.T
    activity.flags.writeable = False
    denom = max(members, 1)
    weekly_active = _readonly(activity.sum(axis=0) / denom)
    weekly_in_group = _readonly(in_group_counts / denom)

    revenue = policy.fee * members
    cost = cost_per_member_week * float(in_group_counts.sum())
    return SimulationResult(
        policy_name=policy.name,
        weeks=weeks,
        fee=float(policy.fee),
        applicants=everyone.n,
        members=members,
        invited_members=invited_members,
        good_fit_members=good_fit_members,
        admitted_share=members / everyone.n,
        fit_precision=good_fit_members / members if members else float("nan"),
        fit_recall=good_fit_members / good_applicants if good_applicants else float("nan"),
        weekly_active=weekly_active,
        weekly_in_group=weekly_in_group,
        revenue=float(revenue),
        cost=cost,
        net=float(revenue - cost),
        pool=everyone,
        admitted=admitted,
        activity=activity,
    )
