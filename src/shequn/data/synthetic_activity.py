"""What one synthetic group's members post, hour by hour: rates, red packets, messages, replies.

Steps of :func:`shequn.data.generate.generate`, one group at a time (the mechanisms are described
there).  Every step draws from the same generator in a fixed order: reordering the steps (or the draws
inside one) changes every table a seed gives (tests/test_generate.py checks the shipped sample).
"""

from __future__ import annotations

import numpy as np

from shequn.data.design import GeneratorConfig

# Relative activity by hour of day (Beijing time): quiet at night, peaks at
# noon and in the evening.  Illustrative; normalised to mean 1.
_DIURNAL = np.array(
    [
        0.2,
        0.1,
        0.05,
        0.05,
        0.05,
        0.1,
        0.3,
        0.7,
        1.1,
        1.3,
        1.3,
        1.4,
        1.6,
        1.4,
        1.2,
        1.2,
        1.2,
        1.3,
        1.4,
        1.6,
        1.9,
        2.0,
        1.7,
        0.9,
    ]
)
_DIURNAL = _DIURNAL / _DIURNAL.mean()


def hourly_rates(
    cfg: GeneratorConfig,
    topology: str,
    rate: np.ndarray,
    join_hour: np.ndarray,
    leave_hour: np.ndarray,
    created_hour: int,
    lifetime_days: float,
    hours: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected messages per member and hour (before red packets), and whether the member is in the group."""
    t = np.arange(hours)
    in_group = (t[None, :] >= join_hour[:, None]) & (t[None, :] < leave_hour[:, None])
    tenure_weeks = np.clip(t[None, :] - join_hour[:, None], 0, None) / (7 * 24)
    lam = rate[:, None] * np.exp(-cfg.decay_per_week * tenure_weeks) * _DIURNAL[t % 24][None, :]
    if np.isfinite(lifetime_days):  # the group falls silent after its lifetime
        lam[:, t >= created_hour + int(lifetime_days * 24)] = 0.0
    if topology == "star":
        owner_present = t < leave_hour[0]
        lam[1:] *= np.where(owner_present, 1.0, cfg.star_without_centre)[None, :]
    return lam, in_group


def draw_red_packets(
    rng: np.random.Generator,
    cfg: GeneratorConfig,
    rate: np.ndarray,
    lurker: np.ndarray,
    in_group: np.ndarray,
    created_hour: int,
    horizon: int,
    lifetime_days: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The group's red packets: their hours, their senders, and the factor they raise each member's rate by.

    Senders are present members in proportion to rate (the owner most); a packet
    lifts lurkers far more than regulars, and the lift halves every few hours.
    """
    t = np.arange(in_group.shape[1])
    alive = int(min(horizon, lifetime_days * 24))
    n_packets = rng.poisson(cfg.red_packets_per_week * alive / (7 * 24))
    packet_hours = np.sort(created_hour + rng.integers(0, alive, size=n_packets))
    packet_senders = []
    for h in packet_hours:
        present = np.flatnonzero(in_group[:, h])
        w = rate[present] * np.where(present == 0, 5.0, 1.0)
        packet_senders.append(present[rng.choice(len(present), p=w / w.sum())])
    factor = np.ones((1, len(t)))
    if n_packets:
        since = t[None, :] - packet_hours[:, None]
        bump = np.where(
            since >= 0, 2.0 ** (-np.clip(since, 0, None) / cfg.red_packet_half_life_hours), 0.0
        ).sum(0)
        lift = np.where(lurker, cfg.red_packet_lift_lurker, cfg.red_packet_lift_regular)
        factor = 1 + lift[:, None] * bump[None, :]
    return packet_hours, np.array(packet_senders, dtype=int), factor


def draw_messages(
    rng: np.random.Generator,
    cfg: GeneratorConfig,
    lam: np.ndarray,
    join_hour: np.ndarray,
    packet_hours: np.ndarray,
    packet_senders: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Every message in time order: sender, hour, second of the hour, type and length, red packets included.

    Also returns each member's second of the hour of joining (the founder at the group's creation).
    """
    n, n_packets = len(join_hour), len(packet_hours)
    join_sec = rng.integers(0, 3600, size=n)
    join_sec[0] = 0
    counts = rng.poisson(lam)
    sender, hour = np.nonzero(counts)
    reps = counts[sender, hour]
    sender, hour = np.repeat(sender, reps), np.repeat(hour, reps)
    seconds = rng.integers(0, 3600, size=len(sender))
    order = np.lexsort((seconds, hour))
    sender, hour, seconds = sender[order], hour[order], seconds[order]
    m = len(sender)
    kind = rng.choice(np.array(["text", "image", "link"]), size=m, p=cfg.type_probs).astype(object)
    length = np.where(kind == "text", np.clip(rng.lognormal(2.5, 0.8, size=m).astype(int), 1, 500), 0)

    # Red-packet messages: one per packet, inserted at the packet's hour.
    p_sec = rng.integers(0, 3600, size=n_packets)
    sender = np.concatenate([sender, packet_senders])
    hour = np.concatenate([hour, packet_hours])
    seconds = np.concatenate([seconds, p_sec])
    kind = np.concatenate([kind, np.full(n_packets, "red_packet", dtype=object)])
    length = np.concatenate([length, np.zeros(n_packets, dtype=int)])
    # Nobody posts before joining: in their join hour, squeeze the second into [join_sec, 3600).
    first_hour = hour == join_hour[sender]
    seconds = np.where(first_hour, join_sec[sender] + seconds * (3600 - join_sec[sender]) // 3600, seconds)
    order = np.lexsort((seconds, hour))
    return join_sec, sender[order], hour[order], seconds[order], kind[order], length[order]


def draw_replies(
    rng: np.random.Generator, cfg: GeneratorConfig, topology: str, sender: np.ndarray, is_packet: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the message each message replies to, and of the member it mentions (-1: none).

    Replies go to a recent message by someone else; in stars mostly to the owner's
    latest message.  Some replies also mention the replied-to member.
    """
    m = len(sender)
    reply_to = np.full(m, -1)
    wants = (rng.random(m) < cfg.reply_prob) & (np.arange(m) > 0) & ~is_packet
    owner_msgs = np.flatnonzero(sender == 0)
    for i in np.flatnonzero(wants):
        if topology == "star" and sender[i] != 0 and len(owner_msgs):
            k = np.searchsorted(owner_msgs, i) - 1
            if k >= 0:
                reply_to[i] = owner_msgs[k]
                continue
        j = i - 1 - int(rng.integers(0, min(int(i), 5)))
        if sender[j] != sender[i]:
            reply_to[i] = j
    mention = np.where(rng.random(m) < cfg.mention_prob, sender[np.maximum(reply_to, 0)], -1)
    mention[(reply_to < 0) | (mention == sender)] = -1
    return reply_to, mention
