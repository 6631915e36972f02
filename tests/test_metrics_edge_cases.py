"""Every metric on edge cases: no messages or red packets, and categorical id columns."""

from __future__ import annotations

import pytest

from helpers.metric_tables import members_of, msgs, tables
from shequn import metrics as M


def test_empty_messages_and_red_packets():
    t = tables(groups=[{"group_id": "g1", "owner_id": "a"}], members=members_of("g1", "a", "b"))
    g, mem, msg, rp = (t[name] for name in ("groups", "members", "messages", "red_packets"))
    assert M.activity(msg).empty
    assert M.retention_by_cohort(mem, msg, periods=2).loc[:, [0, 1]].to_numpy().tolist() == [[0.0, 0.0]]
    assert M.lurker_share(mem, msg).to_dict() == {"g1": 1.0}
    assert list(M.quiet_members(mem, msg, rp)) == ["a", "b"]
    assert M.red_packet_lift(msg, rp)["lift"].isna().all()
    assert M.participation(mem, msg).loc["g1"].tolist() == pytest.approx([2, 0, 0.0, 0.0])
    assert M.network_summaries(msg).empty
    assert M.owner_departure_effect(g, mem, msg).empty
    assert M.compare_thresholds(g, mem, msg).loc["free", "lurker_share"] == 1.0


def test_metrics_accept_categorical_ids():
    t = tables(
        members=[*members_of("g1", "a", "b", "c")],
        messages=[
            *msgs("g1", "a", ["2026-01-06T10:00", "2026-01-07T10:00"]),
            *msgs("g1", "b", ["2026-01-06T11:00"]),
        ],
    )
    cat = {
        name: frame.astype({c: "category" for c in ("group_id", "sender_id", "member_id") if c in frame})
        for name, frame in t.items()
    }
    assert M.lurker_share(cat["members"], cat["messages"]).to_dict() == {"g1": pytest.approx(1 / 3)}
    assert M.participation(cat["members"], cat["messages"]).loc["g1", "messages"] == 3
    daily = M.activity(cat["messages"])
    assert daily["active_members"].tolist() == [2, 1]
