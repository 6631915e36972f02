"""Concentration metrics on hand-made tables: Gini, top share and participation per group."""

from __future__ import annotations

import pytest

from helpers.metric_tables import members_of, msgs, tables
from shequn import metrics as M


def test_gini_hand_values():
    assert M.gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (2*4 - 4 - 1) * 10 / (4 * 10)
    assert M.gini([1, 2, 3, 4]) == pytest.approx(0.25)  # (-3*1 - 1*2 + 1*3 + 3*4) / (4 * 10)
    assert M.gini([5, 5, 5, 5]) == 0.0
    assert M.gini([]) == 0.0 and M.gini([0, 0]) == 0.0
    assert M.gini([10, 0, 0, 0]) == M.gini([0, 0, 0, 10])  # order does not matter


def test_top_share_hand_values():
    assert M.top_share([0, 0, 0, 10]) == 1.0  # top 10% of 4 members = 1 member
    assert M.top_share([1, 1, 1, 1, 6]) == pytest.approx(0.6)
    assert M.top_share([3, 1, 1, 5], fraction=0.5) == pytest.approx(8 / 10)
    assert M.top_share([]) == 0.0 and M.top_share([0, 0, 0]) == 0.0


def test_top_share_counts_ceil_without_float_noise():
    # 0.14 * 50 is 7.000000000000001 in floating point: the top 14% of 50 members is 7, not 8.
    assert M.top_share([1] * 50, fraction=0.14) == pytest.approx(0.14)
    values = [1] * 27 + [10, 10, 10]  # 30 members: the top 10% are 3
    assert M.top_share(values) == pytest.approx(30 / 57)
    t = tables(
        members=[{"member_id": f"m{i:02d}", "group_id": "g1"} for i in range(30)],
        messages=[
            m
            for i, v in enumerate(values)
            for m in msgs("g1", f"m{i:02d}", [f"2026-01-06T{h:02d}:00" for h in range(v)])
        ],
    )
    assert M.participation(t["members"], t["messages"]).loc["g1", "top10_share"] == pytest.approx(30 / 57)


def test_participation_hand_values_and_silent_group():
    t = tables(
        members=[*members_of("g1", "a", "b", "c", "d"), *members_of("g2", "e", "f")],
        messages=msgs("g1", "d", [f"2026-01-06T{h:02d}:00" for h in range(10)]),
    )
    part = M.participation(t["members"], t["messages"])
    assert list(part.columns) == ["members", "messages", "gini", "top10_share"]
    assert part.loc["g1"].tolist() == pytest.approx([4, 10, 0.75, 1.0])
    assert part.loc["g2"].tolist() == pytest.approx([2, 0, 0.0, 0.0])  # a group with no messages
