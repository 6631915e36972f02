"""Engagement: active members per day or week, weekly retention by join cohort, lurker share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shequn.metrics._columns import codes, local, message_counts, period_start, weeks_after_joining

__all__ = ["activity", "lurker_share", "retention_by_cohort"]


def activity(messages: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    """Active members and messages per group and period (``freq``: ``"D"`` daily, ``"W"`` weekly).

    Columns: ``group_id``, ``period`` (period start, naive local date; weeks
    start on Monday), ``active_members``, ``messages``.  Rows are sorted by
    group and period; periods without messages are absent.
    """
    frame = pd.DataFrame({"group_id": messages["group_id"],
                          "period": period_start(local(messages["sent_at"]), freq),
                          "sender_id": messages["sender_id"]})
    grouped = frame.groupby(["group_id", "period"], observed=True, sort=True)["sender_id"]
    return pd.DataFrame({"active_members": grouped.nunique(), "messages": grouped.size()}).reset_index()


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
