"""The synthetic generator's parameters and the design of a sample.

:class:`GeneratorConfig` holds every parameter of :mod:`shequn.data.generate` (the
published figures they are checked against are in :mod:`shequn.data.calibration`);
:func:`design` decides, before any group is simulated, which groups are short- or
long-lived, which threshold and topology each has, and whose owner leaves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["GeneratorConfig", "Plan", "design"]


@dataclass(frozen=True)
class GeneratorConfig:
    """Parameters of the generator.

    Values are illustrative unless a comment names a source; the published
    figures they are checked against are :data:`shequn.data.calibration.TARGETS`.
    """

    start: str = "2026-01-05T00:00:00+08:00"
    days: int = 84
    threshold_mix: tuple[float, float, float] = (0.5, 0.25, 0.25)  # free, paid, invite
    star_share: float = 0.4
    size_log_mean: float = 3.6  # lognormal group size (members ever joined): median ~ e^3.6 ~ 37
    size_log_sd: float = 0.7
    max_size: int = 500  # WeChat's ordinary-group cap (unofficial pages agree on 500)
    join_half_life_days: float = 5.5  # most members join in the group's first days
    invited_share_free: float = (
        0.5  # share of joins by invitation in free and paid groups (all in invite groups)
    )
    invite_batch_mean: float = 1.5  # an inviter pulls in a batch of friends (geometric size; Qiu et al. 2016)
    invite_recency_half_life_days: float = 6.0  # members invite mostly soon after they join
    founder_invite_weight: float = 1.0  # founder invites like the most active member present, never fading
    invite_depth_decay: float = 0.5  # each invitation hop from the core multiplies the will to invite by this
    fit_beta: dict = field(
        default_factory=lambda: {"free": (2.0, 3.0), "paid": (4.0, 2.0), "invite": (3.5, 2.5)}
    )
    fees: tuple[float, ...] = (9.9, 19.9, 49.0, 99.0)
    rate_log_mean: float = -3.2  # messages per hour per member when fully engaged, lognormal
    rate_log_sd: float = 1.3
    fit_rate_power: float = 2.0  # rate multiplier fit**power * 2
    paid_commitment: float = 1.3  # paying raises activity a little ("money as a vote")
    leave_shape: float = (
        0.1  # Lomax (Pareto II) leaving: hazard shape / (scale + tenure), times 2 * (1 - fit)
    )
    leave_scale_days: float = 3.0  # (Zhang et al. 2016: quitting decays as a power law, not exponentially)
    decay_per_week: float = 0.1  # engagement decays with tenure: exp(-decay * weeks)
    owner_rate_multiplier: float = 8.0  # the owner of a star group posts much more
    star_without_centre: float = 0.25  # members' rate factor after a star's owner leaves
    owner_leave_prob: float = 0.4  # share of long-lived groups whose owner leaves mid-way (star or mesh)
    red_packets_per_week: float = 0.8
    red_packet_lift_lurker: float = 12.0
    red_packet_lift_regular: float = 1.0
    red_packet_half_life_hours: float = 3.0
    lurker_rate_quantile: float = 0.6  # members below this rate quantile are lurkers
    lurker_rate_factor: float = 0.03  # lurkers post rarely on their own; red packets wake them
    short_lived_share: float = 0.4  # groups that fall silent within a week (Qiu et al. 2016, via translation)
    long_lived_share: float = 0.3  # groups still active after 30 days (Qiu et al. 2016, via translation)
    short_lived_size_factor: float = 0.5  # short-lived groups are smaller (Qiu et al.: usually under 100)
    long_lived_size_factor: float = 1.5  # long-lived groups are larger
    short_lived_days: tuple[float, float] = (1.0, 6.5)  # lifetime range of short-lived groups
    mid_lived_days: tuple[float, float] = (8.0, 28.0)  # lifetime range of the groups in between
    reply_prob: float = 0.35
    mention_prob: float = 0.05
    type_probs: tuple[float, float, float] = (
        0.75,
        0.20,
        0.05,
    )  # text, image, link (20% media: Caetano et al.)
    packet_amounts: tuple[float, ...] = (5.0, 6.66, 8.88, 10.0, 20.0, 66.66, 88.88, 200.0)  # <= 200 yuan cap


def _apportion(shares: np.ndarray, n: int) -> np.ndarray:
    """Counts proportional to ``shares`` that sum to ``n`` (largest remainder)."""
    exact = np.asarray(shares, dtype=float) / np.sum(shares) * n
    counts = np.floor(exact).astype(int)
    counts[np.argsort(-(exact - counts), kind="stable")[: n - counts.sum()]] += 1
    return counts


def _sequence(shares, n: int) -> np.ndarray:
    """``n`` category indices in proportion to ``shares``.

    Each step takes the category furthest behind its quota.
    """
    shares = np.asarray(shares, dtype=float) / np.sum(shares)
    state = np.zeros(len(shares))
    out = np.empty(n, dtype=int)
    for k in range(n):
        j = int(np.argmax(shares * (state.sum() + 1) - state))
        state[j] += 1
        out[k] = j
    return out


@dataclass(frozen=True)
class Plan:
    """What :func:`design` decides for one group."""

    lifetime_class: int  # 0 short-lived, 1 in between, 2 long-lived
    threshold: str
    topology: str
    owner_leaves: bool


def design(rng: np.random.Generator, cfg: GeneratorConfig, groups: int) -> list[Plan]:
    """The design of the sample: lifetime class, threshold, topology and owner departure of every group.

    These are allocated in the configured proportions rather than drawn at
    random, crossed so that every lifetime class gets a near-proportional mix
    of thresholds and topologies (and the owners who leave are split between
    star and mesh groups), and then shuffled.  Even a 20-group sample thus
    shows the published lifetime shares, the threshold comparison is not
    confounded with lifetime, and the owner-departure contrast exists.
    """
    classes = np.repeat(
        np.arange(3),
        _apportion(
            [cfg.short_lived_share, 1.0 - cfg.short_lived_share - cfg.long_lived_share, cfg.long_lived_share],
            groups,
        ),
    )
    thresholds = np.array(["free", "paid", "invite"])[_sequence(cfg.threshold_mix, groups)]
    topologies = np.array(["mesh", "star"])[_sequence([1 - cfg.star_share, cfg.star_share], groups)]
    leaves = np.zeros(groups, dtype=bool)
    long = np.flatnonzero(classes == 2)
    n_leave = int(np.floor(cfg.owner_leave_prob * len(long) + 0.5))
    # Alternate star and mesh groups (stars first) until n_leave owners are chosen to leave.
    stars, meshes = long[topologies[long] == "star"], long[topologies[long] == "mesh"]
    alternating = [g for pair in zip(stars, meshes, strict=False) for g in pair]
    alternating += [g for g in np.concatenate([stars, meshes]) if g not in alternating]
    leaves[alternating[:n_leave]] = True
    order = rng.permutation(groups)
    return [Plan(int(classes[i]), str(thresholds[i]), str(topologies[i]), bool(leaves[i])) for i in order]
