"""Engagement metrics on hand-made tables: activity per day and week, retention by cohort, lurkers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.metric_tables import members_of, msgs, tables
from shequn import metrics as M


def test_activity_counts_local_days_and_monday_weeks():
    t = tables(
        messages=[
            *msgs("g1", "a", ["2026-01-10T09:00", "2026-01-10T10:00", "2026-01-11T23:30"]),
            *msgs(
                "g1", "b", ["2026-01-10T11:00", "2026-01-12T01:00"]
            ),  # 01:00 Monday in Beijing = Sunday in UTC
            *msgs("g2", "c", ["2026-01-10T12:00"]),
        ]
    )
    daily = M.activity(t["messages"], "D")
    assert list(daily.columns) == ["group_id", "period", "active_members", "messages"]
    expected = {
        ("g1", "2026-01-10"): (2, 3),
        ("g1", "2026-01-11"): (1, 1),
        ("g1", "2026-01-12"): (1, 1),
        ("g2", "2026-01-10"): (1, 1),
    }
    got = {(r.group_id, str(r.period.date())): (r.active_members, r.messages) for r in daily.itertuples()}
    assert got == expected
    assert daily["period"].dt.tz is None
    weekly = M.activity(t["messages"], "W")
    got = {(r.group_id, str(r.period.date())): (r.active_members, r.messages) for r in weekly.itertuples()}
    assert got == {("g1", "2026-01-05"): (2, 4), ("g1", "2026-01-12"): (1, 1), ("g2", "2026-01-05"): (1, 1)}


def test_retention_by_cohort_two_cohorts():
    members = [
        {"member_id": "a", "group_id": "g1", "joined_at": "2026-01-05T10:00"},  # cohort Mon 5 Jan
        {"member_id": "b", "group_id": "g1", "joined_at": "2026-01-07T10:00"},  # cohort Mon 5 Jan
        {"member_id": "c", "group_id": "g1", "joined_at": "2026-01-14T08:00"},  # cohort Mon 12 Jan
        {"member_id": "d", "group_id": "g1", "joined_at": "2026-01-18T22:00"},  # cohort Mon 12 Jan, silent
    ]
    messages = [
        *msgs(
            "g1",
            "a",
            [
                "2026-01-05T11:00",  # week 0
                "2026-01-13T09:00",
                "2026-01-14T09:00",  # week 1, twice: counted once
                "2026-01-04T09:00",
            ],
        ),  # before joining: ignored
        *msgs("g1", "b", ["2026-01-22T10:00"]),  # exactly 15 days: week 2
        *msgs(
            "g1",
            "c",
            [
                "2026-01-21T07:59",  # 6 days 23:59 after joining: week 0
                "2026-01-21T08:00",  # exactly 7 days: week 1
                "2026-02-20T08:00",
            ],
        ),  # week 5: beyond periods=4
        *msgs("g1", "ghost", ["2026-01-10T10:00"]),  # not a member: ignored
    ]
    t = tables(members=members, messages=messages)
    table = M.retention_by_cohort(t["members"], t["messages"], periods=4)
    assert list(table.columns) == [0, 1, 2, 3, "size"]
    assert [str(d.date()) for d in table.index] == ["2026-01-05", "2026-01-12"]
    assert table["size"].tolist() == [2, 2]
    np.testing.assert_allclose(table.loc[pd.Timestamp("2026-01-05"), [0, 1, 2, 3]], [0.5, 0.5, 0.5, 0.0])
    np.testing.assert_allclose(table.loc[pd.Timestamp("2026-01-12"), [0, 1, 2, 3]], [0.5, 0.5, 0.0, 0.0])


def test_lurker_share_counts_members_who_never_posted():
    t = tables(
        members=[*members_of("g1", "a", "b", "c", "d"), *members_of("g2", "e", "f")],
        messages=[
            *msgs("g1", "a", ["2026-01-06T10:00"] * 3),
            *msgs("g1", "b", ["2026-01-06T11:00"]),
            *msgs("g1", "c", ["2026-01-06T12:00"] * 2),
        ],
    )
    shares = M.lurker_share(t["members"], t["messages"])
    assert shares.name == "lurker_share" and shares.index.name == "group_id"
    assert shares.to_dict() == {"g1": 0.25, "g2": 1.0}  # d never posted; nobody in g2 did
    assert M.lurker_share(t["members"], t["messages"], max_messages=1).to_dict() == {"g1": 0.5, "g2": 1.0}
