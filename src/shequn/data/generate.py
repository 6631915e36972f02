"""A deterministic generator of SYNTHETIC group-chat data.

It encodes the mechanisms the lessons teach, so that analysis can rediscover
them:

* **Entry thresholds change fit and activity.**  Paid and bring-your-own-traffic
  (invite) groups admit members with higher fit (``fit_beta``); fit raises a
  member's posting rate (``fit**fit_rate_power * 2``) and lowers their hazard
  of leaving ("a group with no threshold is just a crowd", seeds 001/003).
* **Red packets wake lurkers only briefly.**  For a few hours after a red
  packet, each member's posting rate is multiplied by
  ``1 + lift * 2**(-h / red_packet_half_life_hours)`` (``h`` hours after the
  packet), with ``lift`` much larger for lurkers than for regulars; the bump
  decays back to the usual rate (seed 002).
* **Star groups depend on their centre.**  In a star group the owner posts
  ``owner_rate_multiplier`` times more, most replies go to the owner, and when
  the owner leaves the others' rates drop to ``star_without_centre`` of what
  they were.  Owners of mesh groups leave just as often, with no such effect
  (seed 002).
* **Invitation cascades** (Qiu et al. 2016).  In invite groups every join, and
  in the others a share ``invited_share_free`` of joins, is an invitation.  A
  member becomes active and pulls in a batch of friends (geometric size, mean
  ``invite_batch_mean``); the inviter of a new batch is a present member chosen
  in proportion to activity, fading with the time since they joined
  (``invite_recency_half_life_days``) and by ``invite_depth_decay`` per
  invitation hop from the core, while the founder keeps inviting as much as the
  most active member present.  Trees stay shallow and first invitations come
  early, as Qiu et al. report.
* **Group lifetime dichotomy** (Qiu et al. 2016).  Short-lived groups
  (``short_lived_share``) fall silent within a week and are smaller;
  long-lived groups (``long_lived_share``) stay active to the end of the
  window and are larger; the rest fall silent between day 8 and day 28.
* **Leaving decays with tenure** (Zhang et al. 2016: power law, not
  exponential).  Leave times are Lomax (Pareto II): the hazard is
  ``leave_shape * 2 * (1 - fit) / (leave_scale_days + tenure)``.

Sizes are log-normal (capped at ``max_size``), joins decay exponentially from
the group's creation, and posting rates are log-normal with a daily rhythm.
The lifetime class, threshold, topology and owner departure of the groups are
a balanced design (allocated in the configured proportions and shuffled; see
:func:`shequn.data.design.design`), so that small samples show the intended shares and
contrasts.  The calibration targets and the published figures behind them are
in :mod:`shequn.data.calibration` and the datasheet (``datasets/README.md``).

All randomness comes from one ``numpy.random.Generator`` seeded by ``seed``;
the same seed and ``GENERATOR_VERSION`` give identical tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shequn.data.design import GeneratorConfig, Plan, design
from shequn.data.schema import TABLES, TIMEZONE

__all__ = ["GENERATOR_VERSION", "GeneratorConfig", "generate", "write_dataset"]

GENERATOR_VERSION = "3"
_HOURS_PER_DAY = 24
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
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
_TOPICS = ("读书", "跑步", "育儿", "烘焙", "摄影", "理财", "露营", "编程", "宠物", "咖啡", "园艺", "考研")


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    s = rng.integers(len(_SURNAMES), size=n)
    g1 = rng.integers(len(_GIVEN), size=n)
    g2 = rng.integers(len(_GIVEN), size=n)
    two = rng.random(n) < 0.5
    return np.array(
        [
            _SURNAMES[a] + _GIVEN[b] + (_GIVEN[c] if t else "")
            for a, b, c, t in zip(s, g1, g2, two, strict=True)
        ]
    )


def _iso(ts: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return pd.Series(ts).dt.strftime("%Y-%m-%dT%H:%M:%S+08:00").to_numpy(dtype=object)


# --------------------------------------------------------------------------- one group, step by step
# Every step draws from the same generator in a fixed order: reordering the steps (or the draws
# inside one) changes every table a seed gives (tests/test_generate.py checks the shipped sample).


def _lifetime(rng: np.random.Generator, cfg: GeneratorConfig, lifetime_class: int) -> tuple[float, float]:
    """Days until the group falls silent (``inf``: never) and its size factor, by lifetime class (Qiu et al. 2016)."""
    if lifetime_class == 0:
        return rng.uniform(*cfg.short_lived_days), cfg.short_lived_size_factor
    if lifetime_class == 1:
        return rng.uniform(*cfg.mid_lived_days), 1.0
    return np.inf, cfg.long_lived_size_factor


def _join_hours(
    rng: np.random.Generator, cfg: GeneratorConfig, size: int, created_hour: int, horizon: int
) -> np.ndarray:
    """Hour each member joins: the founder at creation, then joins with a decaying rate (none in the last day)."""
    join_delay = np.concatenate([[0.0], rng.exponential(cfg.join_half_life_days * 24 / np.log(2), size - 1)])
    join_delay = np.sort(join_delay)
    join_delay = join_delay[join_delay < horizon - 24]
    return created_hour + np.floor(join_delay).astype(int)


def _fit_and_rates(
    rng: np.random.Generator, cfg: GeneratorConfig, plan: Plan, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each member's fit, posting rate (messages per hour) and whether they are a lurker (never the founder)."""
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


def _leave_hours(
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


def _invitations(
    rng: np.random.Generator,
    cfg: GeneratorConfig,
    threshold: str,
    join_hour: np.ndarray,
    leave_hour: np.ndarray,
    rate: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """How each member joined (the threshold they passed, or ``founder``) and their inviter's index (-1: none).

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
        since_join = (join_hour[i] - join_hour[present]) / _HOURS_PER_DAY
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


def _hourly_rates(
    cfg: GeneratorConfig,
    topology: str,
    rate: np.ndarray,
    join_hour: np.ndarray,
    leave_hour: np.ndarray,
    created_hour: int,
    lifetime_days: float,
    hours: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected messages per member and hour (before red packets), and whether the member is in the group then."""
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


def _red_packets(
    rng: np.random.Generator,
    cfg: GeneratorConfig,
    rate: np.ndarray,
    lurker: np.ndarray,
    in_group: np.ndarray,
    created_hour: int,
    horizon: int,
    lifetime_days: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The group's red packets: their hours, their senders, and the factor by which they raise each member's rate.

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


def _messages(
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


def _replies(
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
        j = i - 1 - int(rng.integers(0, min(i, 5)))
        if sender[j] != sender[i]:
            reply_to[i] = j
    mention = np.where(rng.random(m) < cfg.mention_prob, sender[np.maximum(reply_to, 0)], -1)
    mention[(reply_to < 0) | (mention == sender)] = -1
    return reply_to, mention


def _group(
    rng: np.random.Generator,
    cfg: GeneratorConfig,
    gi: int,
    start: pd.Timestamp,
    hours: int,
    member_offset: int,
    message_offset: int,
    packet_offset: int,
    plan: Plan,
) -> dict[str, pd.DataFrame]:
    """The four tables of group ``gi`` (ids numbered on from the offsets), following ``plan``."""
    threshold, topology = plan.threshold, plan.topology
    lifetime_days, size_factor = _lifetime(rng, cfg, plan.lifetime_class)
    size = int(
        min(
            cfg.max_size,
            max(3, round(rng.lognormal(cfg.size_log_mean + np.log(size_factor), cfg.size_log_sd))),
        )
    )
    fee = float(rng.choice(cfg.fees)) if threshold == "paid" else 0.0
    created_hour = int(rng.integers(0, _HOURS_PER_DAY * 7))
    created = start + pd.Timedelta(hours=created_hour)
    horizon = hours - created_hour

    join_hour = _join_hours(rng, cfg, size, created_hour, horizon)
    n = len(join_hour)
    fit, rate, lurker = _fit_and_rates(rng, cfg, plan, n)
    leave_hour = _leave_hours(rng, cfg, plan, fit, join_hour, created_hour, horizon, hours)
    left = leave_hour < hours
    method, inviter = _invitations(rng, cfg, threshold, join_hour, leave_hour, rate)
    lam, in_group = _hourly_rates(
        cfg, topology, rate, join_hour, leave_hour, created_hour, lifetime_days, hours
    )
    packet_hours, packet_senders, packet_factor = _red_packets(
        rng, cfg, rate, lurker, in_group, created_hour, horizon, lifetime_days
    )
    lam *= packet_factor
    lam *= in_group
    join_sec, sender, hour, seconds, kind, length = _messages(
        rng, cfg, lam, join_hour, packet_hours, packet_senders
    )
    is_packet = kind == "red_packet"
    reply_to, mention = _replies(rng, cfg, topology, sender, is_packet)

    # The tables (the remaining draws: nicknames, then red-packet shares and amounts).
    m = len(sender)
    group_id = f"g{gi + 1:03d}"
    member_ids = np.array([f"m{member_offset + i + 1:06d}" for i in range(n)], dtype=object)
    message_ids = np.array([f"x{message_offset + i + 1:08d}" for i in range(m)], dtype=object)
    sent = start + pd.to_timedelta(hour * 3600 + seconds, unit="s")
    joined = start + pd.to_timedelta(join_hour * 3600 + join_sec, unit="s")
    left_at = start + pd.to_timedelta(np.where(left, leave_hour, 0) * 3600, unit="s")
    groups = pd.DataFrame(
        {
            "group_id": [group_id],
            "name": [f"{_TOPICS[gi % len(_TOPICS)]}{'交流' if topology == 'mesh' else '粉丝'}群{gi + 1}"],
            "created_at": _iso(pd.DatetimeIndex([created])),
            "threshold": [threshold],
            "fee_yuan": [fee],
            "topology": [topology],
            "owner_id": [member_ids[0]],
        }
    )
    members = pd.DataFrame(
        {
            "member_id": member_ids,
            "group_id": group_id,
            "nickname": _names(rng, n),
            "joined_at": _iso(joined),
            "join_method": method,
            "invited_by": np.where(inviter >= 0, member_ids[np.maximum(inviter, 0)], ""),
            "left_at": np.where(left, _iso(left_at), ""),
        }
    )
    messages = pd.DataFrame(
        {
            "message_id": message_ids,
            "group_id": group_id,
            "sender_id": member_ids[sender],
            "sent_at": _iso(sent),
            "type": kind,
            "length": length,
            "reply_to": np.where(reply_to >= 0, message_ids[np.maximum(reply_to, 0)], ""),
            "mention_id": np.where(mention >= 0, member_ids[np.maximum(mention, 0)], ""),
        }
    )
    p_idx = np.flatnonzero(is_packet)
    shares = rng.integers(3, 21, size=len(p_idx))
    present_count = in_group[:, hour[p_idx]].sum(0) if len(p_idx) else np.array([], dtype=int)
    red_packets = pd.DataFrame(
        {
            "red_packet_id": [f"r{packet_offset + i + 1:06d}" for i in range(len(p_idx))],
            "message_id": message_ids[p_idx],
            "group_id": group_id,
            "sender_id": member_ids[sender[p_idx]],
            "sent_at": _iso(sent[p_idx]),
            "amount_yuan": rng.choice(np.array(cfg.packet_amounts), len(p_idx)),
            "shares": shares,
            "claimed": np.minimum(shares, np.maximum(1, (present_count * 0.6).astype(int))),
        }
    )
    return {"groups": groups, "members": members, "messages": messages, "red_packets": red_packets}


def generate(
    seed: int = 0, groups: int = 20, config: GeneratorConfig | None = None, progress: bool = False
) -> dict[str, pd.DataFrame]:
    """Generate ``groups`` synthetic groups; returns the four tables as CSV-ready frames (strings)."""
    if groups < 1:
        raise ValueError(f"groups must be >= 1, got {groups}")
    cfg = config or GeneratorConfig()
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(cfg.start).tz_convert(TIMEZONE)
    hours = cfg.days * _HOURS_PER_DAY
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    offsets = {"members": 0, "messages": 0, "red_packets": 0}
    iterator = range(groups)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc="生成群 (groups)", unit="群")
    plans = design(rng, cfg, groups)
    for gi in iterator:
        tables = _group(
            rng,
            cfg,
            gi,
            start,
            hours,
            offsets["members"],
            offsets["messages"],
            offsets["red_packets"],
            plans[gi],
        )
        for name, frame in tables.items():
            parts[name].append(frame)
        for name in offsets:
            offsets[name] += len(tables[name])
    return {
        name: pd.concat(frames, ignore_index=True)[TABLES[name].column_names]
        for name, frames in parts.items()
    }


def write_dataset(tables: dict[str, pd.DataFrame], folder, *, seed: int, groups: int) -> list:
    """Write the tables (validated, all or nothing) with a provenance note saying they are synthetic.

    The note records the generator version and the command that reproduces
    the data, with ``--out`` as given (``datasets/group_chats`` for the
    shipped sample, generated from the project folder).
    """
    from pathlib import Path

    from shequn.data.store import write_tables

    note = (
        "SYNTHETIC DATA / 合成数据 — not real people or groups.\n"
        f"generator: shequn.data.generate version {GENERATOR_VERSION}\n"
        f"command: shequn data generate --seed {seed} --groups {groups} --out {Path(folder).as_posix()}\n"
        "datasheet: datasets/README.md in the course repository\n"
    )
    return write_tables(tables, folder, note)
