"""Comparisons across group designs: the owner-departure effect (star vs mesh) and entry thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shequn.metrics._columns import NAT, US_PER_DAY, message_counts, positions, us, weeks_after_joining

__all__ = ["compare_thresholds", "owner_departure_effect"]


def owner_departure_effect(
    groups: pd.DataFrame, members: pd.DataFrame, messages: pd.DataFrame, days: int = 14
) -> pd.DataFrame:
    """For groups whose owner left: the others' messages per day in ``days`` after vs before.

    Index ``group_id``; columns ``topology``, ``threshold``, ``before``,
    ``after`` (messages per day by members other than the owner in the
    ``days`` before / after the owner's ``left_at``), ``ratio`` (after /
    before; NaN when before is 0).
    """
    owners = groups.set_index("group_id")[["owner_id", "topology", "threshold"]]
    owner_row = positions(owners["owner_id"], members["member_id"])
    left = us(members["left_at"])
    left_at = np.where(owner_row >= 0, left[np.maximum(owner_row, 0)], NAT)
    keep = left_at != NAT
    owners, owner_row, left_at = owners[keep], owner_row[keep], left_at[keep]
    row = positions(messages["group_id"], owners.index.to_series())
    sender = positions(messages["sender_id"], members["member_id"])
    mine = row >= 0
    row, sender = row[mine], sender[mine]
    others = sender != owner_row[row]
    delta = us(messages["sent_at"])[mine] - left_at[row]
    window = days * US_PER_DAY
    before = np.bincount(row[others & (delta >= -window) & (delta < 0)], minlength=len(owners)) / days
    after = np.bincount(row[others & (delta >= 0) & (delta < window)], minlength=len(owners)) / days
    out = owners[["topology", "threshold"]].assign(before=before, after=after)
    return out.assign(ratio=out["after"] / out["before"].where(out["before"] > 0))


def compare_thresholds(
    groups: pd.DataFrame, members: pd.DataFrame, messages: pd.DataFrame, week: int = 3
) -> pd.DataFrame:
    """Per threshold type: groups, members, messages per member, lurker share, week-``week`` retention.

    Index ``threshold``; columns ``groups`` (groups with members), ``members``,
    ``messages_per_member``, ``lurker_share`` (members who never posted) and
    ``retained_week_{week}`` (members who posted in days ``[7 week, 7 week + 7)``
    after their own join).
    """
    n = message_counts(members, messages)
    pos, weeks = weeks_after_joining(members, messages)
    retained = np.zeros(len(members), dtype=bool)
    retained[pos[weeks == week]] = True
    threshold = members["group_id"].map(groups.set_index("group_id")["threshold"])
    per_member = pd.DataFrame(
        {"group_id": members["group_id"], "n": n, "lurker": n <= 0, "retained": retained}, index=members.index
    )
    by = per_member.groupby(threshold.rename("threshold"), sort=True)
    count = by.size()
    return pd.DataFrame(
        {
            "groups": by["group_id"].nunique(),
            "members": count,
            "messages_per_member": by["n"].sum() / count,
            "lurker_share": by["lurker"].mean(),
            f"retained_week_{week}": by["retained"].mean(),
        }
    )
