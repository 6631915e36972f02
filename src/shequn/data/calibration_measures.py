"""What the calibration targets measure: one function per target, from the four tables.

:mod:`shequn.data.calibration` pairs each with a published figure (its :class:`Target`).
All measures are computed from what the tables record, the way an analyst
would, not from the generator's internal state:

* a group's *age at its last message* is the time from ``created_at`` to its
  last message (no message at all: age 0);
* a member's *size* counts every member row of the group (everyone who ever
  joined, including those who left);
* the *depth* of an invited member is the number of invitation hops back to a
  member who did not join by invitation (the founder, or a free or paid
  joiner): the founder's invitees are at depth 1.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from shequn.data.convert import as_typed
from shequn.metrics import lurker_share

_DAY = pd.Timedelta(days=1)


def typed_tables(tables) -> dict[str, pd.DataFrame]:
    """Accept a loaded :class:`~shequn.data.load.Dataset`, typed tables, or generator output (strings)."""
    if dataclasses.is_dataclass(tables):
        tables = {f.name: getattr(tables, f.name) for f in dataclasses.fields(tables)}
    if not pd.api.types.is_datetime64_any_dtype(tables["messages"]["sent_at"]):
        tables = as_typed(tables)
    return tables


def _age_at_last_message(t: dict[str, pd.DataFrame]) -> pd.Series:
    """Days from each group's creation to its last message (0 if it has none)."""
    groups = t["groups"].set_index("group_id")
    last = t["messages"].groupby("group_id")["sent_at"].max().reindex(groups.index)
    return ((last - groups["created_at"]) / _DAY).fillna(0.0)


def _sizes(t: dict[str, pd.DataFrame]) -> pd.Series:
    groups = t["groups"]["group_id"]
    return t["members"].groupby("group_id").size().reindex(groups, fill_value=0)


def silent_within_week(t) -> float:
    return float((_age_at_last_message(t) < 7).mean())


def active_after_30_days(t) -> float:
    return float((_age_at_last_message(t) >= 30).mean())


def short_lived_under_100(t) -> float:
    age, size = _age_at_last_message(t), _sizes(t)
    short = size[(age < 7).to_numpy()]
    return float((short < 100).mean()) if len(short) else float("nan")


def max_group_size(t) -> float:
    return float(_sizes(t).max())


def long_to_short_median_size(t) -> float:
    age, size = _age_at_last_message(t), _sizes(t)
    long, short = size[(age >= 30).to_numpy()], size[(age < 7).to_numpy()]
    if not len(long) or not len(short):
        return float("nan")
    return float(long.median() / short.median())


def log_size_skewness(t) -> float:
    """Sample skewness of log(group size): near 0 for a log-normal."""
    x = np.log(_sizes(t).to_numpy(dtype=float))
    if len(x) < 3 or x.std() == 0:
        return float("nan")
    return float(((x - x.mean()) ** 3).mean() / x.std() ** 3)


def mean_lurker_share(t) -> float:
    return float(lurker_share(t["members"], t["messages"], max_messages=0).mean())


def media_share(t) -> float:
    return float((t["messages"]["type"] == "image").mean())


def _invitations(t) -> pd.DataFrame:
    """Invited members with their inviter and both join times."""
    members = t["members"]
    joined = members.set_index("member_id")["joined_at"]
    inv = members.loc[members["invited_by"].notna(), ["member_id", "invited_by", "joined_at"]]
    return inv.assign(
        inviter_joined=inv["invited_by"].map(joined), inviter_invited=inv["invited_by"].isin(inv["member_id"])
    )


def first_invitation_within_5_days(t) -> float:
    """Among invited members who invited someone: share whose first invitation came within 5 days."""
    inv = _invitations(t)
    inv = inv[inv["inviter_invited"]]  # Qiu et al.'s definition: the inviter joined by invitation
    first = inv.groupby("invited_by").agg(first=("joined_at", "min"), joined=("inviter_joined", "first"))
    if first.empty:
        return float("nan")
    return float(((first["first"] - first["joined"]) <= 5 * _DAY).mean())


def invitation_interval_within_2_days(t) -> float:
    """Share of consecutive invitations by the same inviter that are at most 2 days apart."""
    inv = _invitations(t).sort_values(["invited_by", "joined_at"])
    gaps = inv.groupby("invited_by")["joined_at"].diff().dropna()
    return float((gaps <= 2 * _DAY).mean()) if len(gaps) else float("nan")


def invitation_depths(members: pd.DataFrame) -> pd.Series:
    """Cascade depth of every invited member (1 = invited by a member who joined without an invitation)."""
    parent = members.set_index("member_id")["invited_by"]
    depth = pd.Series(np.where(parent.notna(), 1, 0), index=parent.index)
    current = parent.copy()
    for _ in range(len(parent)):  # one hop up per pass, all members at once
        up = current.map(parent)
        step = up.notna()
        if not step.any():
            break
        depth[step] += 1
        current = up
    return depth[parent.notna()]


def deep_invitation_share(t) -> float:
    depth = invitation_depths(t["members"])
    return float((depth >= 3).mean()) if len(depth) else float("nan")


def leave_rate_ratio(t) -> float:
    """Weekly leave rate in tenure weeks 5–8 divided by that in weeks 1–4 (founders excluded).

    A member is at risk in tenure week k if still in the group at its start and
    the whole week lies inside the observation window (which ends at the last
    recorded time in the tables).
    """
    members = t["members"][t["members"]["join_method"] != "founder"]
    end = pd.concat([t["messages"]["sent_at"], t["members"]["joined_at"], t["members"]["left_at"]]).max()
    tenure_left = (members["left_at"] - members["joined_at"]) / _DAY
    observed = (end - members["joined_at"]) / _DAY

    def rate(weeks: range) -> float:
        at_risk = left = 0
        for k in weeks:
            risk = (observed >= 7 * (k + 1)) & ~(tenure_left < 7 * k)
            at_risk += int(risk.sum())
            left += int((risk & (tenure_left < 7 * (k + 1))).sum())
        return left / at_risk if at_risk else float("nan")

    early = rate(range(0, 4))
    return rate(range(4, 8)) / early if early > 0 else float("nan")


def max_red_packet(t) -> float:
    packets = t["red_packets"]["amount_yuan"]
    return float(packets.max()) if len(packets) else 0.0
