"""Engagement: active members per day or week, weekly retention by join cohort, lurker share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shequn.metrics._columns import (
    NAT,
    US_PER_DAY,
    codes,
    local,
    message_counts,
    period_start,
    weeks_after_joining,
)

__all__ = ["activity", "lurker_share", "retention_by_cohort"]


def activity(messages: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    """Active members and messages per group and period (``freq``: ``"D"`` daily, ``"W"`` weekly).

    Columns: ``group_id``, ``period`` (period start, naive local date; weeks
    start on Monday), ``active_members``, ``messages``.  Rows are sorted by
    group and period; periods without messages are absent, and so are messages
    without a group or a time.

    Daily and weekly periods are integer day numbers and distinct (group, period,
    sender) triples one int64 key each; other ``freq`` (or a categorical
    ``group_id``, sorted by its categories) go through ``groupby``.
    """
    naive = local(messages["sent_at"])
    if freq not in ("D", "W") or isinstance(messages["group_id"].dtype, pd.CategoricalDtype):
        frame = pd.DataFrame(
            {
                "group_id": messages["group_id"],
                "period": period_start(naive, freq),
                "sender_id": messages["sender_id"],
            }
        )
        grouped = frame.groupby(["group_id", "period"], observed=True, sort=True)["sender_id"]
        return pd.DataFrame({"active_members": grouped.nunique(), "messages": grouped.size()}).reset_index()
    g_code, groups = codes(messages["group_id"])
    s_code, senders = codes(messages["sender_id"])
    day = naive.to_numpy().astype("datetime64[us]").view(np.int64)
    ok = (g_code >= 0) & (day != NAT)
    day = day[ok] // US_PER_DAY  # floor: days since 1970-01-01 (a Thursday)
    if freq == "W":
        day -= (day + 3) % 7  # back to Monday
    g, s = g_code[ok], s_code[ok]
    first = day.min() if len(day) else 0
    span = day.max() - first + 1 if len(day) else 1
    key = g * span + (day - first)  # one int64 per (group, period), in sorted order
    if len(groups) * span <= 4 * len(key) + 2**20:  # dense: count straight into the (group, period) grid
        messages_in = np.bincount(key, minlength=len(groups) * span)
        cells = np.flatnonzero(messages_in)
        cell = np.cumsum(messages_in > 0)[key] - 1
        messages_in = messages_in[cells]
    else:
        cell, cells = pd.factorize(key, sort=True)
        messages_in = np.bincount(cell, minlength=len(cells))
    pairs = pd.unique(cell[s >= 0] * len(senders) + s[s >= 0])  # each sender once per cell
    return pd.DataFrame(
        {
            "group_id": groups.take(cells // span),
            "period": pd.Series(((cells % span + first) * US_PER_DAY).astype("datetime64[us]")).astype(
                naive.dtype
            ),
            "active_members": np.bincount(pairs // max(len(senders), 1), minlength=len(cells)).astype(
                np.int64
            ),
            "messages": messages_in.astype(np.int64),
        }
    )


def retention_by_cohort(members: pd.DataFrame, messages: pd.DataFrame, periods: int = 8) -> pd.DataFrame:
    """Share of each weekly join cohort that posts in week ``k`` after joining (k = 0..periods-1).

    Rows: cohort (the Monday of the join week, index ``cohort``); columns:
    ``0 .. periods-1``; plus ``size`` (members in the cohort).  A member counts
    as retained in week ``k`` if they sent at least one message in days
    ``[7k, 7k+7)`` after their own join time.  Messages from senders not in
    ``members`` are ignored.
    """
    cohort_code, cohorts = codes(period_start(local(members["joined_at"]), "W"))
    pos, week = weeks_after_joining(members, messages)
    keep = (week >= 0) & (week < periods) & (cohort_code[pos] >= 0)
    member_week = np.unique(pos[keep] * periods + week[keep])  # each member once per week
    cell = cohort_code[member_week // periods] * periods + member_week % periods
    counts = np.bincount(cell, minlength=len(cohorts) * periods).reshape(len(cohorts), periods)
    size = np.bincount(cohort_code[cohort_code >= 0], minlength=len(cohorts))
    index = pd.DatetimeIndex(cohorts, name="cohort")
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame(counts / size[:, None], index=index, columns=list(range(periods)))
    return table.assign(size=size)


def lurker_share(members: pd.DataFrame, messages: pd.DataFrame, max_messages: int = 0) -> pd.Series:
    """Per group (index ``group_id``): share of members who sent at most ``max_messages`` messages."""
    lurking = pd.Series(message_counts(members, messages) <= max_messages, index=members.index)
    return lurking.groupby(members["group_id"]).mean().rename("lurker_share")
