"""Metrics: hand-computed values on tiny tables, edge cases, the same metrics computed independently
(networkx graphs, DuckDB SQL) on generated data, mechanisms recovered from generated data, and the
grading sandbox's mask over the package."""

from __future__ import annotations

import math
import py_compile
from pathlib import Path
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from shequn import metrics as M
from shequn.data import as_typed
from shequn.data.generate import generate
from shequn.data.schema import TABLES

TZ = "Asia/Shanghai"
DEFAULTS = {
    "groups": {"name": "群", "created_at": "2026-01-05T00:00:00+08:00", "threshold": "free", "fee_yuan": 0.0,
               "topology": "mesh", "owner_id": ""},
    "members": {"nickname": "某", "joined_at": "2026-01-05T00:00:00+08:00", "join_method": "free",
                "invited_by": "", "left_at": ""},
    "messages": {"type": "text", "length": 5, "reply_to": "", "mention_id": ""},
    "red_packets": {"amount_yuan": 8.88, "shares": 5, "claimed": 3},
}


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert(TZ) if pd.Timestamp(text).tzinfo else pd.Timestamp(text, tz=TZ)


def _iso(when) -> str:
    return _ts(when).strftime("%Y-%m-%dT%H:%M:%S+08:00") if when else ""


def tables(groups=(), members=(), messages=(), red_packets=()) -> dict[str, pd.DataFrame]:
    """Typed tables from rows given as dicts (missing columns take defaults; times in Beijing time)."""
    raw = {}
    for name, rows in (("groups", groups), ("members", members), ("messages", messages),
                       ("red_packets", red_packets)):
        rows = [{**DEFAULTS[name], **row} for row in rows]
        for row in rows:
            for col in TABLES[name].columns:
                if col.kind == "datetime" and col.name in row:
                    row[col.name] = _iso(row[col.name])
        frame = pd.DataFrame(rows, columns=TABLES[name].column_names)
        raw[name] = frame.astype({c.name: "str" for c in TABLES[name].columns
                                  if c.kind in ("id", "ref", "str", "category", "datetime")})
    return as_typed(raw)


def _msgs(group: str, sender: str, times, start: int = 0, **extra) -> list[dict]:
    return [{"message_id": f"{group}-{sender}-{start + i}", "group_id": group, "sender_id": sender, "sent_at": t,
             **extra} for i, t in enumerate(times)]


def _members(group: str, *ids: str, joined: str = "2026-01-05T00:00") -> list[dict]:
    return [{"member_id": m, "group_id": group, "joined_at": joined} for m in ids]


# --------------------------------------------------------------------------- Gini and top share


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
    t = tables(members=[{"member_id": f"m{i:02d}", "group_id": "g1"} for i in range(30)],
               messages=[m for i, v in enumerate(values) for m in
                         _msgs("g1", f"m{i:02d}", [f"2026-01-06T{h:02d}:00" for h in range(v)])])
    assert M.participation(t["members"], t["messages"]).loc["g1", "top10_share"] == pytest.approx(30 / 57)


# --------------------------------------------------------------------------- activity, retention, lurkers


def test_activity_counts_local_days_and_monday_weeks():
    t = tables(messages=[
        *_msgs("g1", "a", ["2026-01-10T09:00", "2026-01-10T10:00", "2026-01-11T23:30"]),
        *_msgs("g1", "b", ["2026-01-10T11:00", "2026-01-12T01:00"]),  # 01:00 Monday in Beijing = Sunday in UTC
        *_msgs("g2", "c", ["2026-01-10T12:00"]),
    ])
    daily = M.activity(t["messages"], "D")
    assert list(daily.columns) == ["group_id", "period", "active_members", "messages"]
    expected = {("g1", "2026-01-10"): (2, 3), ("g1", "2026-01-11"): (1, 1), ("g1", "2026-01-12"): (1, 1),
                ("g2", "2026-01-10"): (1, 1)}
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
        *_msgs("g1", "a", ["2026-01-05T11:00",  # week 0
                           "2026-01-13T09:00", "2026-01-14T09:00",  # week 1, twice: counted once
                           "2026-01-04T09:00"]),  # before joining: ignored
        *_msgs("g1", "b", ["2026-01-22T10:00"]),  # exactly 15 days: week 2
        *_msgs("g1", "c", ["2026-01-21T07:59",  # 6 days 23:59 after joining: week 0
                           "2026-01-21T08:00",  # exactly 7 days: week 1
                           "2026-02-20T08:00"]),  # week 5: beyond periods=4
        *_msgs("g1", "ghost", ["2026-01-10T10:00"]),  # not a member: ignored
    ]
    t = tables(members=members, messages=messages)
    table = M.retention_by_cohort(t["members"], t["messages"], periods=4)
    assert list(table.columns) == [0, 1, 2, 3, "size"]
    assert [str(d.date()) for d in table.index] == ["2026-01-05", "2026-01-12"]
    assert table["size"].tolist() == [2, 2]
    np.testing.assert_allclose(table.loc[pd.Timestamp("2026-01-05"), [0, 1, 2, 3]], [0.5, 0.5, 0.5, 0.0])
    np.testing.assert_allclose(table.loc[pd.Timestamp("2026-01-12"), [0, 1, 2, 3]], [0.5, 0.5, 0.0, 0.0])


def test_lurker_share_counts_members_who_never_posted():
    t = tables(members=[*_members("g1", "a", "b", "c", "d"), *_members("g2", "e", "f")],
               messages=[*_msgs("g1", "a", ["2026-01-06T10:00"] * 3), *_msgs("g1", "b", ["2026-01-06T11:00"]),
                         *_msgs("g1", "c", ["2026-01-06T12:00"] * 2)])
    shares = M.lurker_share(t["members"], t["messages"])
    assert shares.name == "lurker_share" and shares.index.name == "group_id"
    assert shares.to_dict() == {"g1": 0.25, "g2": 1.0}  # d never posted; nobody in g2 did
    assert M.lurker_share(t["members"], t["messages"], max_messages=1).to_dict() == {"g1": 0.5, "g2": 1.0}


def test_participation_hand_values_and_silent_group():
    t = tables(members=[*_members("g1", "a", "b", "c", "d"), *_members("g2", "e", "f")],
               messages=_msgs("g1", "d", [f"2026-01-06T{h:02d}:00" for h in range(10)]))
    part = M.participation(t["members"], t["messages"])
    assert list(part.columns) == ["members", "messages", "gini", "top10_share"]
    assert part.loc["g1"].tolist() == pytest.approx([4, 10, 0.75, 1.0])
    assert part.loc["g2"].tolist() == pytest.approx([2, 0, 0.0, 0.0])  # a group with no messages


# --------------------------------------------------------------------------- red packets


def _packet(group: str, sender: str, when: str, i: int) -> tuple[dict, dict]:
    message = {"message_id": f"p{i}", "group_id": group, "sender_id": sender, "sent_at": when, "type": "red_packet",
               "length": 0}
    packet = {"red_packet_id": f"r{i}", "message_id": f"p{i}", "group_id": group, "sender_id": sender,
              "sent_at": when}
    return message, packet


def test_quiet_members_count_only_messages_outside_packet_windows():
    pm, packet = _packet("g1", "boss", "2026-01-06T12:00", 1)
    t = tables(
        members=[*_members("g1", "boss", "x", "y", "silent"), *_members("g2", "z")],
        messages=[pm,
                  *_msgs("g1", "x", ["2026-01-06T12:10", "2026-01-06T13:00", "2026-01-06T18:00",  # inside (<= 6 h)
                                     "2026-01-06T18:01", "2026-01-06T19:00"]),  # outside: 2 messages
                  *_msgs("g1", "y", ["2026-01-06T11:59", "2026-01-05T12:00", "2026-01-07T12:00"]),  # 3 outside
                  *_msgs("g2", "z", ["2026-01-06T12:30"] * 3)],  # another group's packet does not count
        red_packets=[packet])
    quiet = M.quiet_members(t["members"], t["messages"], t["red_packets"])
    assert isinstance(quiet, pd.Index) and quiet.name == "member_id"
    assert list(quiet) == ["boss", "x", "silent"]  # boss's only message is the packet itself
    # With a 30-minute window x has 4 messages outside it; without packets, 5.
    assert list(M.quiet_members(t["members"], t["messages"], t["red_packets"], window_hours=0.5)) == ["boss", "silent"]
    assert list(M.quiet_members(t["members"], t["messages"], t["red_packets"].iloc[:0])) == ["boss", "silent"]


def test_quiet_members_packet_windows_stay_in_their_group():
    # The last event of all is g1's packet, the first g2's messages: a lookup that mixed groups
    # could put z's messages just "after" the packet.
    pm, packet = _packet("g1", "boss", "2026-01-06T12:00", 1)
    t = tables(members=[*_members("g1", "boss"), *_members("g2", "z")],
               messages=[pm, *_msgs("g2", "z", ["2026-01-05T12:00"] * 3)], red_packets=[packet])
    assert list(M.quiet_members(t["members"], t["messages"], t["red_packets"])) == ["boss"]


def test_red_packet_lift_on_hand_made_hours():
    # Packet 1 (g1, 12:20): hours -2..2 hold 1, 1, 4, 2, 0 messages; packet 2 (g2, 08:05): 0, 2, 0, 0, 1.
    p1m, p1 = _packet("g1", "a", "2026-01-10T12:20", 1)
    p2m, p2 = _packet("g2", "c", "2026-01-10T08:05", 2)
    messages = [
        p1m, p2m,
        *_msgs("g1", "a", ["2026-01-10T10:59", "2026-01-10T11:30", "2026-01-10T12:00", "2026-01-10T12:59"]),
        *_msgs("g1", "b", ["2026-01-10T12:21", "2026-01-10T12:50", "2026-01-10T13:00", "2026-01-10T13:10"]),
        *_msgs("g1", "b", ["2026-01-10T09:59", "2026-01-10T15:00"], start=10),  # outside the window
        *_msgs("g2", "c", ["2026-01-10T07:00", "2026-01-10T07:59", "2026-01-10T10:30"]),
    ]
    t = tables(messages=messages, red_packets=[p1, p2])
    curve = M.red_packet_lift(t["messages"], t["red_packets"], before_hours=2, after_hours=3)
    assert curve.index.name == "offset" and curve.index.tolist() == [-2, -1, 0, 1, 2]
    assert curve["messages_per_packet"].tolist() == pytest.approx([0.5, 1.5, 2.0, 1.0, 0.5])
    assert curve["lift"].tolist() == pytest.approx([0.5, 1.5, 2.0, 1.0, 0.5])  # baseline (0.5 + 1.5) / 2 = 1
    only_b = M.red_packet_lift(t["messages"], t["red_packets"], senders=pd.Index(["b"]), before_hours=2,
                               after_hours=3)
    # b: hours -2..2 of packet 1 hold 0, 0, 2, 2, 0 (packet 2's group has no b): baseline 0, lift undefined.
    assert only_b["messages_per_packet"].tolist() == pytest.approx([0, 0, 1, 1, 0])
    assert only_b["lift"].isna().all()


def test_red_packet_lift_without_red_packets_is_nan():
    t = tables(members=_members("g1", "a"), messages=_msgs("g1", "a", ["2026-01-06T10:00"]))
    curve = M.red_packet_lift(t["messages"], t["red_packets"])
    assert len(curve) == 72 and curve.index[0] == -24 and curve.index[-1] == 47
    assert curve.isna().all().all()
    assert math.isnan(M.lift_half_life(curve))


def test_lift_half_life():
    curve = pd.DataFrame({"lift": [1.0, 1.0, 9.0, 5.0, 4.0, 2.0]}, index=pd.Index([-2, -1, 0, 1, 2, 3], name="offset"))
    assert M.lift_half_life(curve) == 2.0  # excess 8, 4, 3: first below 4 at hour 2
    flat = curve.assign(lift=[1.0, 1.0, 1.0, 0.9, 1.0, 0.8])
    assert math.isnan(M.lift_half_life(flat))
    stuck = curve.assign(lift=[1.0, 1.0, 3.0, 2.9, 2.8, 2.7])
    assert M.lift_half_life(stuck) == math.inf


# --------------------------------------------------------------------------- reply networks


def _network_tables():
    return tables(messages=[
        {"message_id": "1", "group_id": "g1", "sender_id": "a", "sent_at": "2026-01-06T10:00"},
        {"message_id": "2", "group_id": "g1", "sender_id": "b", "sent_at": "2026-01-06T10:01", "reply_to": "1"},
        {"message_id": "3", "group_id": "g1", "sender_id": "b", "sent_at": "2026-01-06T10:02", "reply_to": "1"},
        {"message_id": "4", "group_id": "g1", "sender_id": "a", "sent_at": "2026-01-06T10:03", "reply_to": "2",
         "mention_id": "b"},
        {"message_id": "5", "group_id": "g1", "sender_id": "c", "sent_at": "2026-01-06T10:04", "reply_to": "5"},
        {"message_id": "6", "group_id": "g1", "sender_id": "c", "sent_at": "2026-01-06T10:05", "mention_id": "d"},
        {"message_id": "7", "group_id": "g1", "sender_id": "e", "sent_at": "2026-01-06T10:06", "reply_to": "9"},
        {"message_id": "9", "group_id": "g2", "sender_id": "x", "sent_at": "2026-01-06T10:00"},
        {"message_id": "10", "group_id": "g2", "sender_id": "y", "sent_at": "2026-01-06T10:01", "reply_to": "9"},
    ])


def test_reply_network_edges_and_weights():
    g = M.reply_network(_network_tables()["messages"], "g1")
    assert isinstance(g, nx.DiGraph)
    assert set(g.nodes) == {"a", "b", "c", "d", "e"}  # d is only mentioned; e replied across groups
    assert {(u, v): w for u, v, w in g.edges(data="weight")} == {("b", "a"): 2, ("a", "b"): 2, ("c", "d"): 1}


def _independent_ties(messages: pd.DataFrame, group: str) -> tuple[list, set]:
    """A group's senders and its (replier or mentioner, other member) pairs, read row by row from the messages.

    A pair is a reply to a message of the same group, or a mention, between two different members.
    """
    rows = messages[messages["group_id"] == group]
    author = dict(zip(rows["message_id"], rows["sender_id"]))
    pairs = set()
    for sender, reply_to, mention in zip(rows["sender_id"], rows["reply_to"], rows["mention_id"]):
        for other in (author.get(reply_to) if isinstance(reply_to, str) else None,
                      mention if isinstance(mention, str) else None):
            if other is not None and other != sender:
                pairs.add((sender, other))
    return list(rows["sender_id"]), pairs


def _networkx_summary(messages: pd.DataFrame, group: str, k: int = 3) -> dict:
    """The reply-network summary computed independently: a networkx graph of :func:`_independent_ties`.

    Nodes: every sender and every member at the end of a tie.  Freeman degree centralisation
    ``sum(max - d) / ((n - 1)(n - 2))``; strong nodes by degree, then id.
    """
    senders, pairs = _independent_ties(messages, group)
    g = nx.Graph()
    g.add_nodes_from(senders)
    g.add_edges_from(pairs)
    n, degree = g.number_of_nodes(), dict(g.degree)
    top = max(degree.values(), default=0)
    return {"members_in_network": n, "ties": g.number_of_edges(),
            "centralization": sum(top - d for d in degree.values()) / ((n - 1) * (n - 2)) if n >= 3 else 0.0,
            "strong_nodes": [v for v, _ in sorted(degree.items(), key=lambda item: (-item[1], item[0]))[:k]]}


def test_network_summaries_match_networkx_on_hand_made_network():
    messages = _network_tables()["messages"]
    summaries = M.network_summaries(messages)
    assert summaries.index.tolist() == ["g1", "g2"]
    assert list(summaries.columns) == ["members_in_network", "ties", "centralization", "strong_nodes"]
    g1 = summaries.loc["g1"]
    assert (g1["members_in_network"], g1["ties"]) == (5, 2)
    assert g1["centralization"] == pytest.approx(1 / 12)  # degrees 1, 1, 1, 1, 0: (5 * 1 - 4) / (4 * 3)
    assert g1["strong_nodes"] == ["a", "b", "c"]  # equal degree: by id
    for group in ("g1", "g2"):
        one = _networkx_summary(messages, group)
        assert summaries.loc[group, "strong_nodes"] == one["strong_nodes"]
        assert summaries.loc[group, ["members_in_network", "ties", "centralization"]].tolist() == pytest.approx(
            [one["members_in_network"], one["ties"], one["centralization"]])


def test_network_summaries_of_one_group_and_of_a_group_without_messages():
    messages = _network_tables()["messages"]
    # g1 by hand (see the test above): five members, ties a-b and c-d, degrees 1, 1, 1, 1, 0
    one = M.network_summaries(messages[messages["group_id"] == "g1"], k=2)
    assert one.index.tolist() == ["g1"]
    assert one.loc["g1", ["members_in_network", "ties", "centralization"]].tolist() == pytest.approx([5, 2, 1 / 12])
    assert one.loc["g1", "strong_nodes"] == ["a", "b"]
    assert M.network_summaries(messages[messages["group_id"] == "nobody"]).empty


def test_star_network_is_fully_centralised():
    messages = [{"message_id": "0", "group_id": "g1", "sender_id": "hub", "sent_at": "2026-01-06T09:00"}]
    messages += [{"message_id": f"{i}", "group_id": "g1", "sender_id": s, "sent_at": "2026-01-06T10:00",
                  "reply_to": "0"} for i, s in enumerate(["s1", "s2", "s3", "s4"], start=1)]
    summary = M.network_summaries(tables(messages=messages)["messages"]).loc["g1"]
    assert summary["centralization"] == pytest.approx(1.0)
    assert summary["strong_nodes"][0] == "hub" and summary["ties"] == 4


# --------------------------------------------------------------------------- owners and thresholds


def test_owner_departure_effect_ratio():
    left = _ts("2026-02-01T00:00")
    before = [left - pd.Timedelta(hours=12) * (i + 1) for i in range(28)]  # 28 in the 14 days before: 2 a day
    after = [left + pd.Timedelta(days=2) * i for i in range(7)]  # 7 in the 14 days after: 0.5 a day
    t = tables(
        groups=[{"group_id": "g1", "owner_id": "o1", "topology": "star", "threshold": "paid"},
                {"group_id": "g2", "owner_id": "o2"},  # the owner stays
                {"group_id": "g3", "owner_id": "o3", "topology": "mesh"}],  # left, but nobody posted before
        members=[{"member_id": "o1", "group_id": "g1", "left_at": left.isoformat()}, *_members("g1", "a", "b"),
                 *_members("g2", "o2", "c"),
                 {"member_id": "o3", "group_id": "g3", "left_at": "2026-01-20T00:00"}, *_members("g3", "d")],
        messages=[*_msgs("g1", "a", [x.isoformat() for x in before[::2]]),
                  *_msgs("g1", "b", [x.isoformat() for x in before[1::2] + after]),
                  *_msgs("g1", "o1", ["2026-01-30T10:00"] * 5),  # the owner's own messages do not count
                  *_msgs("g1", "a", ["2026-01-10T10:00", "2026-02-15T00:00"], start=100),  # outside both windows
                  *_msgs("g2", "c", ["2026-01-30T10:00"]),
                  *_msgs("g3", "d", ["2026-01-21T10:00"])])
    effect = M.owner_departure_effect(t["groups"], t["members"], t["messages"])
    assert effect.index.tolist() == ["g1", "g3"]
    assert list(effect.columns) == ["topology", "threshold", "before", "after", "ratio"]
    assert effect.loc["g1", ["before", "after", "ratio"]].tolist() == pytest.approx([2.0, 0.5, 0.25])
    assert (effect.loc["g1", "topology"], effect.loc["g1", "threshold"]) == ("star", "paid")
    assert effect.loc["g3", "before"] == 0 and math.isnan(effect.loc["g3", "ratio"])


def test_compare_thresholds_hand_values():
    t = tables(
        groups=[{"group_id": "g1", "threshold": "free"}, {"group_id": "g2", "threshold": "free"},
                {"group_id": "g3", "threshold": "paid"}],
        members=[*_members("g1", "a", "b"), *_members("g2", "c"), *_members("g3", "d", "e")],
        messages=[*_msgs("g1", "a", ["2026-01-06T10:00", "2026-01-27T10:00"]),  # week 3: retained
                  *_msgs("g3", "d", ["2026-01-26T00:00", "2026-01-06T10:00"]),  # day 21 exactly: week 3
                  *_msgs("g3", "e", ["2026-01-25T23:59"])])  # week 2
    out = M.compare_thresholds(t["groups"], t["members"], t["messages"])
    assert list(out.columns) == ["groups", "members", "messages_per_member", "lurker_share", "retained_week_3"]
    assert out.loc["free"].tolist() == pytest.approx([2, 3, 2 / 3, 2 / 3, 1 / 3])
    assert out.loc["paid"].tolist() == pytest.approx([1, 2, 1.5, 0.0, 0.5])


# --------------------------------------------------------------------------- edge cases


def test_empty_messages_and_red_packets():
    t = tables(groups=[{"group_id": "g1", "owner_id": "a"}], members=_members("g1", "a", "b"))
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
    t = tables(members=[*_members("g1", "a", "b", "c")],
               messages=[*_msgs("g1", "a", ["2026-01-06T10:00", "2026-01-07T10:00"]),
                         *_msgs("g1", "b", ["2026-01-06T11:00"])])
    cat = {name: frame.astype({c: "category" for c in ("group_id", "sender_id", "member_id") if c in frame})
           for name, frame in t.items()}
    assert M.lurker_share(cat["members"], cat["messages"]).to_dict() == {"g1": pytest.approx(1 / 3)}
    assert M.participation(cat["members"], cat["messages"]).loc["g1", "messages"] == 3
    daily = M.activity(cat["messages"])
    assert daily["active_members"].tolist() == [2, 1]


def test_network_summaries_break_ties_by_id_with_unsorted_categories():
    messages = _network_tables()["messages"]
    plain = M.network_summaries(messages)
    shuffled = messages.assign(
        sender_id=pd.Categorical(messages["sender_id"], categories=["e", "d", "c", "b", "a", "y", "x", "unused"]),
        group_id=pd.Categorical(messages["group_id"], categories=["g9", "g2", "g1"]))
    pd.testing.assert_frame_equal(M.network_summaries(shuffled), plain, check_index_type=False)


# --------------------------------------------------------------------------- mechanisms in generated data

SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def generated() -> list[dict[str, pd.DataFrame]]:
    return [as_typed(generate(seed=s, groups=60)) for s in SEEDS]


def _pooled_quiet_lift(datasets) -> pd.DataFrame:
    """The quiet members' lift curve over all packets of all seeds (as if one dataset)."""
    curves, packets = [], []
    for t in datasets:
        quiet = M.quiet_members(t["members"], t["messages"], t["red_packets"])
        curves.append(M.red_packet_lift(t["messages"], t["red_packets"], senders=quiet)["messages_per_packet"])
        packets.append(len(t["red_packets"]))
    per_packet = sum(c * n for c, n in zip(curves, packets)) / sum(packets)
    curve = per_packet.rename("messages_per_packet").to_frame()
    return curve.assign(lift=curve["messages_per_packet"] / curve.loc[curve.index < 0, "messages_per_packet"].mean())


def test_red_packets_wake_quiet_members_only_briefly(generated):
    curve = _pooled_quiet_lift(generated)
    assert (curve.loc[0:2, "lift"] > 3).all(), curve.loc[0:2, "lift"]
    assert 0.5 <= curve.loc[24:47, "lift"].mean() <= 2, curve.loc[24:47, "lift"].mean()
    half_life = M.lift_half_life(curve)
    assert math.isfinite(half_life) and half_life < 12
    for t in generated:  # and in every seed on its own: a clear peak that has faded by the next day
        quiet = M.quiet_members(t["members"], t["messages"], t["red_packets"])
        single = M.red_packet_lift(t["messages"], t["red_packets"], senders=quiet)
        assert single.loc[0:2, "lift"].mean() > 3 and M.lift_half_life(single) < 12


def test_star_groups_lose_more_when_the_owner_leaves(generated):
    effect = pd.concat([M.owner_departure_effect(t["groups"], t["members"], t["messages"]) for t in generated])
    ratio = effect.dropna(subset=["ratio"]).groupby("topology")["ratio"]
    assert ratio.size().min() >= 3
    assert ratio.median()["star"] < 0.5 < ratio.median()["mesh"]


def test_paid_groups_have_fewer_lurkers(generated):
    for t in generated:
        by_threshold = M.compare_thresholds(t["groups"], t["members"], t["messages"])
        assert by_threshold.loc["paid", "lurker_share"] < by_threshold.loc["free", "lurker_share"]


def test_network_summaries_match_networkx_on_generated_data(generated):
    messages = generated[0]["messages"]
    summaries = M.network_summaries(messages)
    assert len(summaries) == messages["group_id"].nunique()
    for group in summaries.index:
        one = _networkx_summary(messages, group)
        row = summaries.loc[group]
        assert (row["members_in_network"], row["ties"]) == (one["members_in_network"], one["ties"]), group
        assert row["centralization"] == pytest.approx(one["centralization"], abs=1e-12), group
        assert row["strong_nodes"] == one["strong_nodes"], group
    for group in summaries.index[:10]:  # reply_network: the same directed pairs (weights: see the hand test)
        assert set(M.reply_network(messages, group).edges) == _independent_ties(messages, group)[1], group


# --------------------------------------------------------------------------- the same metrics in DuckDB SQL
# Every metric again, written as SQL over the same generated tables: a second library with its own
# joins, time zones and date arithmetic.  Gini is the mean absolute difference (a self-join), not the
# sorted-rank formula the package uses; the top 10 % are ``ceil(n / 10)`` in integer arithmetic.

WEEK_US = 7 * 86400 * 10**6


@pytest.fixture(scope="module")
def duck(generated):
    import duckdb  # a test dependency (pyproject: [test])

    t = generated[0]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    for name, frame in t.items():
        con.register(name, frame)
    yield t, con
    con.close()


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Comparable rows: plain index, naive nanosecond datetimes, float numbers, sorted."""
    frame = frame.reset_index(drop=isinstance(frame.index, pd.RangeIndex) and frame.index.name is None)
    frame.columns = [str(c) for c in frame.columns]
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col].dtype):
            frame[col] = frame[col].astype("datetime64[ns]")
        elif pd.api.types.is_numeric_dtype(frame[col].dtype) and not pd.api.types.is_bool_dtype(frame[col].dtype):
            frame[col] = frame[col].astype(float)
        else:
            frame[col] = frame[col].astype(object)
    return frame.sort_values(list(frame.columns)[:2]).reset_index(drop=True)


def _same(ours: pd.DataFrame, sql: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(_rows(ours), _rows(sql)[list(_rows(ours).columns)], check_dtype=False,
                                  rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("freq, unit", [("D", "day"), ("W", "week")])
def test_activity_equals_duckdb(duck, freq, unit):
    t, con = duck
    sql = con.sql(f"""
        SELECT group_id, date_trunc('{unit}', sent_at::TIMESTAMP) AS period,
               count(DISTINCT sender_id) AS active_members, count(*) AS messages
        FROM messages GROUP BY ALL""").df()
    _same(M.activity(t["messages"], freq), sql)


def test_retention_by_cohort_equals_duckdb(duck):
    t, con = duck
    flags = ", ".join(f"bool_or(week = {k}) AS w{k}" for k in range(6))
    shares = ", ".join(f'avg(coalesce(w{k}, false)::INTEGER) AS "{k}"' for k in range(6))
    sql = con.sql(f"""
        WITH act AS (
            SELECT DISTINCT m.sender_id AS member_id,
                   floor((epoch_us(m.sent_at) - epoch_us(mb.joined_at)) / {WEEK_US})::BIGINT AS week
            FROM messages m JOIN members mb ON m.sender_id = mb.member_id),
        flags AS (
            SELECT mb.member_id, date_trunc('week', mb.joined_at::TIMESTAMP) AS cohort, {flags}
            FROM members mb LEFT JOIN act USING (member_id) GROUP BY ALL)
        SELECT cohort, {shares}, count(*) AS size FROM flags GROUP BY cohort""").df()
    _same(M.retention_by_cohort(t["members"], t["messages"], periods=6), sql)


def test_lurker_share_and_participation_equal_duckdb(duck):
    t, con = duck
    counts = """per_member AS (
            SELECT mb.member_id, mb.group_id, coalesce(c.n, 0) AS n FROM members mb
            LEFT JOIN (SELECT sender_id, count(*) AS n FROM messages GROUP BY sender_id) c
                   ON mb.member_id = c.sender_id)"""
    lurkers = con.sql(f"""WITH {counts}
        SELECT group_id, avg((n <= 1)::INTEGER) AS lurker_share FROM per_member GROUP BY group_id""").df()
    _same(M.lurker_share(t["members"], t["messages"], max_messages=1).to_frame(), lurkers)
    sql = con.sql(f"""WITH {counts},
        sizes AS (SELECT group_id, count(*) AS members, sum(n) AS messages FROM per_member GROUP BY group_id),
        diffs AS (SELECT a.group_id, sum(abs(a.n - b.n)) AS d
                  FROM per_member a JOIN per_member b USING (group_id) GROUP BY a.group_id),
        ranked AS (SELECT group_id, n, row_number() OVER (PARTITION BY group_id ORDER BY n DESC) AS r
                   FROM per_member),
        top AS (SELECT r.group_id, sum(r.n) AS top_n FROM ranked r JOIN sizes s USING (group_id)
                WHERE r.r <= greatest(1, (s.members + 9) // 10) GROUP BY r.group_id)
        SELECT group_id, members, messages,
               CASE WHEN messages = 0 THEN 0.0 ELSE d / (2.0 * members * messages) END AS gini,
               CASE WHEN messages = 0 THEN 0.0 ELSE top_n / messages END AS top10_share
        FROM sizes JOIN diffs USING (group_id) JOIN top USING (group_id)""").df()
    _same(M.participation(t["members"], t["messages"]), sql)


def test_quiet_members_and_red_packet_lift_equal_duckdb(duck):
    t, con = duck
    quiet = con.sql("""
        WITH outside AS (
            SELECT m.sender_id, count(*) AS n FROM messages m ANTI JOIN red_packets p
                ON p.group_id = m.group_id AND m.sent_at >= p.sent_at AND m.sent_at <= p.sent_at + INTERVAL 6 HOUR
            GROUP BY m.sender_id)
        SELECT member_id FROM members LEFT JOIN outside ON member_id = sender_id
        WHERE coalesce(n, 0) <= 2""").df()["member_id"]
    ours = M.quiet_members(t["members"], t["messages"], t["red_packets"])
    assert 0 < len(ours) < len(t["members"])
    assert sorted(ours) == sorted(quiet)
    con.register("quiet", quiet.to_frame())
    for only, senders in (("", None), ("AND sender_id IN (SELECT member_id FROM quiet)", ours)):
        sql = con.sql(f"""
            WITH hourly AS (
                SELECT group_id, date_trunc('hour', sent_at) AS hour, count(*) AS n FROM messages
                WHERE type <> 'red_packet' {only} GROUP BY ALL),
            grid AS (SELECT p.group_id, o.k AS "offset", date_trunc('hour', p.sent_at) + to_hours(o.k) AS hour
                     FROM red_packets p CROSS JOIN range(-24, 48) o(k)),
            curve AS (SELECT "offset", avg(coalesce(n, 0)) AS messages_per_packet
                      FROM grid LEFT JOIN hourly USING (group_id, hour) GROUP BY "offset")
            SELECT "offset", messages_per_packet,
                   messages_per_packet / avg(messages_per_packet) FILTER (WHERE "offset" < 0) OVER () AS lift
            FROM curve""").df()
        _same(M.red_packet_lift(t["messages"], t["red_packets"], senders=senders), sql)


def test_owner_departure_and_thresholds_equal_duckdb(duck):
    t, con = duck
    departure = con.sql("""
        WITH o AS (SELECT g.group_id, g.owner_id, g.topology, g.threshold, mb.left_at
                   FROM groups g JOIN members mb ON mb.member_id = g.owner_id WHERE mb.left_at IS NOT NULL),
        c AS (SELECT o.group_id,
                     count(*) FILTER (WHERE m.sent_at >= o.left_at - INTERVAL 14 DAY AND m.sent_at < o.left_at) AS b,
                     count(*) FILTER (WHERE m.sent_at >= o.left_at AND m.sent_at < o.left_at + INTERVAL 14 DAY) AS a
              FROM o JOIN messages m ON m.group_id = o.group_id AND m.sender_id <> o.owner_id GROUP BY o.group_id)
        SELECT group_id, topology, threshold, coalesce(b, 0) / 14 AS before, coalesce(a, 0) / 14 AS after,
               coalesce(a, 0) / nullif(coalesce(b, 0), 0) AS ratio
        FROM o LEFT JOIN c USING (group_id)""").df()
    ours = M.owner_departure_effect(t["groups"], t["members"], t["messages"])
    assert len(ours) >= 2
    _same(ours, departure)
    thresholds = con.sql(f"""
        WITH c AS (SELECT sender_id, count(*) AS n FROM messages GROUP BY sender_id),
        retained AS (SELECT DISTINCT m.sender_id FROM messages m JOIN members mb ON m.sender_id = mb.member_id
                     WHERE floor((epoch_us(m.sent_at) - epoch_us(mb.joined_at)) / {WEEK_US}) = 3)
        SELECT g.threshold, count(DISTINCT mb.group_id) AS groups, count(*) AS members,
               sum(coalesce(c.n, 0)) / count(*) AS messages_per_member,
               avg((coalesce(c.n, 0) = 0)::INTEGER) AS lurker_share,
               avg((r.sender_id IS NOT NULL)::INTEGER) AS retained_week_3
        FROM members mb JOIN groups g USING (group_id) LEFT JOIN c ON mb.member_id = c.sender_id
             LEFT JOIN retained r ON r.sender_id = mb.member_id
        GROUP BY g.threshold""").df()
    _same(M.compare_thresholds(t["groups"], t["members"], t["messages"]), thresholds)


# --------------------------------------------------------------------------- grading: a blocked package
# nbgrader_config.py blocks ``shequn.metrics`` for group_analysis: the sandbox binds a stub over it.


def test_the_sandbox_mask_covers_the_whole_metrics_package(tmp_path):
    from shequn.grading.sandbox import Sandbox

    (stub, target), *stale = Sandbox._masks(SimpleNamespace(block_modules=("shequn.metrics",),
                                                            stub_dir=tmp_path / "stubs"))
    package = Path(M.__file__).parent
    assert Path(target) == package  # the folder (its modules and its __pycache__), not only __init__.py
    for name in M.__all__:  # every metric is defined in a module inside that folder
        assert Path(getattr(M, name).__code__.co_filename).parent == package, name
    assert sorted(p.name for p in Path(stub).iterdir()) == ["__init__.py", "stub.py"]
    with pytest.raises(ImportError, match="shequn.metrics"):
        exec((Path(stub) / "__init__.py").read_text(encoding="utf-8"), {})
    assert all(Path(dst).parent == package.parent / "__pycache__" for _, dst in stale)


def test_the_sandbox_also_masks_bytecode_left_by_a_module_the_package_replaced(tmp_path, monkeypatch):
    """Before the split, ``metrics.py`` compiled to ``shequn/__pycache__/metrics.*.pyc``: that copy is masked too."""
    from shequn.grading.sandbox import Sandbox

    site = tmp_path / "site"
    (site / "oldmod_probe").mkdir(parents=True)
    (site / "oldmod_probe" / "__init__.py").write_text("X = 1\n", encoding="utf-8")
    (site / "old.py").write_text("def lurker_share():\n    return 1\n", encoding="utf-8")
    stale = site / "__pycache__" / "oldmod_probe.cpython-311.pyc"
    py_compile.compile(str(site / "old.py"), cfile=str(stale))
    (site / "__pycache__" / "other.cpython-311.pyc").write_bytes(b"")
    monkeypatch.syspath_prepend(str(site))
    masks = Sandbox._masks(SimpleNamespace(block_modules=("oldmod_probe",), stub_dir=tmp_path / "stubs"))
    stub = tmp_path / "stubs" / "oldmod_probe"
    assert masks == [[str(stub), str(site / "oldmod_probe")], [str(stub / "stub.py"), str(stale)]]
