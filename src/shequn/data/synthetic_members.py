"""Who is in one synthetic group, and when: lifetime, joins, fit and posting rates, leaving, invitations.

Steps of :func:`shequn.data.generate.generate`, one group at a time (the mechanisms are described
there).  Every step draws from the same generator in a fixed order: reordering the steps (or the draws
inside one) changes every table a seed gives (tests/test_generate.py checks the shipped sample).
"""

from __future__ import annotations

import numpy as np

from shequn.data.design import GeneratorConfig, Plan

HOURS_PER_DAY = 24


def draw_lifetime(rng: np.random.Generator, cfg: GeneratorConfig, lifetime_class: int) -> tuple[float, float]:
    """Days until the group falls silent (``inf``: never) and its size factor, by lifetime class.

    The classes follow Qiu et al. 2016.
    """
    if lifetime_class == 0:
        return rng.uniform(*cfg.short_lived_days), cfg.short_lived_size_factor
    if lifetime_class == 1:
        return rng.uniform(*cfg.mid_lived_days), 1.0
    return np.inf, cfg.long_lived_size_factor


def draw_join_hours(
    rng: np.random.Generator, cfg: GeneratorConfig, size: int, created_hour: int, horizon: int
) -> np.ndarray:
    """Hour each member joins: the founder at creation, then at a decaying rate (none in the last day)."""
    join_delay = np.concatenate([[0.0], rng.exponential(cfg.join_half_life_days * 24 / np.log(2), size - 1)])
    join_delay = np.sort(join_delay)
    join_delay = join_delay[join_delay < horizon - 24]
    return created_hour + np.floor(join_delay).astype(int)


def draw_fit_and_rates(
    rng: np.random.Generator, cfg: GeneratorConfig, plan: Plan, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each member's fit, posting rate (messages per hour) and whether they lurk (never the founder)."""
    a, b = cfg.fit_beta[plan.threshold]
    fit = rng.beta(a, b, size=n)
    rate = rng.lognormal(cfg.rate_log_mean, cfg.rate_log_sd, size=n) * 2 * fit**cfg.fit_rate_power
    if plan.threshold == "paid":
        rate *= cfg.paid_commitment
    if plan.topology == "star":
        rate[0] *= cfg.owner_rate_multiplier
    lurker = rate < np.quantile(rate, cfg.lurker_rate_quantile)
    lurker[0] = False
    rate[lurker] *= cfg.lurker_rate_factor
    return fit, rate, lurker


def draw_leave_hours(
    rng: np.random.Generator,
    cfg: GeneratorConfig,
    plan: Plan,
    fit: np.ndarray,
    join_hour: np.ndarray,
    created_hour: int,
    horizon: int,
    hours: int,
) -> np.ndarray:
    """Hour each member leaves (beyond ``hours``: stays).

    A Lomax (power-law) hazard, shape / (scale + tenure), scaled by misfit, so the
    risk of leaving falls with tenure; the owner leaves mid-way if the plan says so.
    """
    shape = cfg.leave_shape * 2 * (1 - fit)
    scale = cfg.leave_scale_days * 24
    u = rng.random(len(fit))
    with np.errstate(divide="ignore", over="ignore"):
        leave_after = scale * (np.exp(-np.log1p(-u) / np.maximum(shape, 1e-9)) - 1)
    leave_hour = join_hour + np.ceil(np.minimum(leave_after, 10 * hours)).astype(int)
    if plan.owner_leaves:
        leave_hour[0] = created_hour + int(rng.integers(horizon // 3, 2 * horizon // 3))
    else:
        leave_hour[0] = np.iinfo(np.int64).max // 2  # the owner stays
    return leave_hour


def draw_invitations(
    rng: np.random.Generator,
    cfg: GeneratorConfig,
    threshold: str,
    join_hour: np.ndarray,
    leave_hour: np.ndarray,
    rate: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """How each member joined (the threshold passed, or ``founder``) and their inviter's index (-1: none).

    Invite groups always, others for a share of joins.  A member becomes active and
    pulls in a batch of friends (the next invitations are theirs); the inviter of a
    new batch is an earlier member, chosen by activity, by how recently they joined,
    and the founder above all.
    """
    n = len(join_hour)
    method = np.full(n, threshold, dtype=object)  # the threshold each member passed
    method[0] = "founder"
    invited = np.zeros(n, dtype=bool)
    invited[1:] = True if threshold == "invite" else rng.random(n - 1) < cfg.invited_share_free
    inviter = np.full(n, -1)
    depth = np.zeros(n, dtype=int)  # invitation hops from a member who joined without an invitation
    current, batch_left = -1, 0
    for i in np.flatnonzero(invited):  # sequential: each inviter must already be in the group
        if batch_left > 0 and join_hour[current] <= join_hour[i] < leave_hour[current]:
            inviter[i], depth[i], batch_left = current, depth[current] + 1, batch_left - 1
            continue
        present = np.flatnonzero((join_hour[:i] <= join_hour[i]) & (leave_hour[:i] > join_hour[i]))
        if len(present) == 0:
            invited[i] = False
            continue
        since_join = (join_hour[i] - join_hour[present]) / HOURS_PER_DAY
        recency = 2.0 ** (-since_join / cfg.invite_recency_half_life_days)
        # Others invite in proportion to their activity, less as their arrival fades and with each
        # hop from the core; the founder, whatever their own posting rate, as much as
        # ``founder_invite_weight`` times the most active member present, and without fading.
        weights = (rate[present] + 1e-3) * recency * cfg.invite_depth_decay ** depth[present]
        weights[present == 0] = cfg.founder_invite_weight * rate[present].max()
        current = present[rng.choice(len(present), p=weights / weights.sum())]
        batch_left = rng.geometric(1 / cfg.invite_batch_mean) - 1
        inviter[i], depth[i] = current, depth[current] + 1
    return method, inviter
