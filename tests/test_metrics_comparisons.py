"""Comparisons between groups on hand-made tables: the owner leaving, and free versus paid thresholds."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.metric_tables import beijing_time, members_of, msgs, tables
from shequn import metrics as M


def test_owner_departure_effect_ratio():
    left = beijing_time("2026-02-01T00:00")
    before = [left - pd.Timedelta(hours=12) * (i + 1) for i in range(28)]  # 28 in the 14 days before: 2 a day
    after = [left + pd.Timedelta(days=2) * i for i in range(7)]  # 7 in the 14 days after: 0.5 a day
    t = tables(
        groups=[
            {"group_id": "g1", "owner_id": "o1", "topology": "star", "threshold": "paid"},
            {"group_id": "g2", "owner_id": "o2"},  # the owner stays
            {"group_id": "g3", "owner_id": "o3", "topology": "mesh"},
        ],  # left, but nobody posted before
        members=[
            {"member_id": "o1", "group_id": "g1", "left_at": left.isoformat()},
            *members_of("g1", "a", "b"),
            *members_of("g2", "o2", "c"),
            {"member_id": "o3", "group_id": "g3", "left_at": "2026-01-20T00:00"},
            *members_of("g3", "d"),
        ],
        messages=[
            *msgs("g1", "a", [x.isoformat() for x in before[::2]]),
            *msgs("g1", "b", [x.isoformat() for x in before[1::2] + after]),
            *msgs("g1", "o1", ["2026-01-30T10:00"] * 5),  # the owner's own messages do not count
            *msgs("g1", "a", ["2026-01-10T10:00", "2026-02-15T00:00"], start=100),  # outside both windows
            *msgs("g2", "c", ["2026-01-30T10:00"]),
            *msgs("g3", "d", ["2026-01-21T10:00"]),
        ],
    )
    effect = M.owner_departure_effect(t["groups"], t["members"], t["messages"])
    assert effect.index.tolist() == ["g1", "g3"]
    assert list(effect.columns) == ["topology", "threshold", "before", "after", "ratio"]
    assert effect.loc["g1", ["before", "after", "ratio"]].tolist() == pytest.approx([2.0, 0.5, 0.25])
    assert (effect.loc["g1", "topology"], effect.loc["g1", "threshold"]) == ("star", "paid")
    assert effect.loc["g3", "before"] == 0 and math.isnan(effect.loc["g3", "ratio"])


def test_compare_thresholds_hand_values():
    t = tables(
        groups=[
            {"group_id": "g1", "threshold": "free"},
            {"group_id": "g2", "threshold": "free"},
            {"group_id": "g3", "threshold": "paid"},
        ],
        members=[*members_of("g1", "a", "b"), *members_of("g2", "c"), *members_of("g3", "d", "e")],
        messages=[
            *msgs("g1", "a", ["2026-01-06T10:00", "2026-01-27T10:00"]),  # week 3: retained
            *msgs("g3", "d", ["2026-01-26T00:00", "2026-01-06T10:00"]),  # day 21 exactly: week 3
            *msgs("g3", "e", ["2026-01-25T23:59"]),
        ],
    )  # week 2
    out = M.compare_thresholds(t["groups"], t["members"], t["messages"])
    assert list(out.columns) == [
        "groups",
        "members",
        "messages_per_member",
        "lurker_share",
        "retained_week_3",
    ]
    assert out.loc["free"].tolist() == pytest.approx([2, 3, 2 / 3, 2 / 3, 1 / 3])
    assert out.loc["paid"].tolist() == pytest.approx([1, 2, 1.5, 0.0, 0.5])
