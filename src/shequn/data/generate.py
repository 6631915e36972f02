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

from collections.abc import Iterable

import numpy as np
import pandas as pd

from shequn.data.design import GeneratorConfig, Plan, design
from shequn.data.schema import TABLES, TIMEZONE
from shequn.data.synthetic_activity import draw_messages, draw_red_packets, draw_replies, hourly_rates
from shequn.data.synthetic_members import (
    HOURS_PER_DAY,
    draw_fit_and_rates,
    draw_invitations,
    draw_join_hours,
    draw_leave_hours,
    draw_lifetime,
)

__all__ = ["GENERATOR_VERSION", "GeneratorConfig", "generate", "write_dataset"]

GENERATOR_VERSION = "3"
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
# The steps are in synthetic_members.py and synthetic_activity.py.  Every step draws from the same
# generator in a fixed order: reordering the steps (or the draws inside one) changes every table a
# seed gives (tests/test_generate.py checks the shipped sample).


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
    lifetime_days, size_factor = draw_lifetime(rng, cfg, plan.lifetime_class)
    size = int(
        min(
            cfg.max_size,
            max(3, round(rng.lognormal(cfg.size_log_mean + np.log(size_factor), cfg.size_log_sd))),
        )
    )
    fee = float(rng.choice(cfg.fees)) if threshold == "paid" else 0.0
    created_hour = int(rng.integers(0, HOURS_PER_DAY * 7))
    created = start + pd.Timedelta(hours=created_hour)
    horizon = hours - created_hour

    join_hour = draw_join_hours(rng, cfg, size, created_hour, horizon)
    n = len(join_hour)
    fit, rate, lurker = draw_fit_and_rates(rng, cfg, plan, n)
    leave_hour = draw_leave_hours(rng, cfg, plan, fit, join_hour, created_hour, horizon, hours)
    left = leave_hour < hours
    method, inviter = draw_invitations(rng, cfg, threshold, join_hour, leave_hour, rate)
    lam, in_group = hourly_rates(
        cfg, topology, rate, join_hour, leave_hour, created_hour, lifetime_days, hours
    )
    packet_hours, packet_senders, packet_factor = draw_red_packets(
        rng, cfg, rate, lurker, in_group, created_hour, horizon, lifetime_days
    )
    lam *= packet_factor
    lam *= in_group
    join_sec, sender, hour, seconds, kind, length = draw_messages(
        rng, cfg, lam, join_hour, packet_hours, packet_senders
    )
    is_packet = kind == "red_packet"
    reply_to, mention = draw_replies(rng, cfg, topology, sender, is_packet)

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
    hours = cfg.days * HOURS_PER_DAY
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    offsets = {"members": 0, "messages": 0, "red_packets": 0}
    iterator: Iterable[int] = range(groups)
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
