"""Red-packet metrics on hand-made tables: quiet members, the lift curve around packets and its half-life."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.metric_tables import members_of, msgs, red_packet, tables
from shequn import metrics as M


def test_quiet_members_count_only_messages_outside_packet_windows():
    pm, packet = red_packet("g1", "boss", "2026-01-06T12:00", 1)
    t = tables(
        members=[*members_of("g1", "boss", "x", "y", "silent"), *members_of("g2", "z")],
        messages=[
            pm,
            *msgs(
                "g1",
                "x",
                [
                    "2026-01-06T12:10",
                    "2026-01-06T13:00",
                    "2026-01-06T18:00",  # inside (<= 6 h)
                    "2026-01-06T18:01",
                    "2026-01-06T19:00",
                ],
            ),  # outside: 2 messages
            *msgs("g1", "y", ["2026-01-06T11:59", "2026-01-05T12:00", "2026-01-07T12:00"]),  # 3 outside
            *msgs("g2", "z", ["2026-01-06T12:30"] * 3),
        ],  # another group's packet does not count
        red_packets=[packet],
    )
    quiet = M.quiet_members(t["members"], t["messages"], t["red_packets"])
    assert isinstance(quiet, pd.Index) and quiet.name == "member_id"
    assert list(quiet) == ["boss", "x", "silent"]  # boss's only message is the packet itself
    # With a 30-minute window x has 4 messages outside it; without packets, 5.
    assert list(M.quiet_members(t["members"], t["messages"], t["red_packets"], window_hours=0.5)) == [
        "boss",
        "silent",
    ]
    assert list(M.quiet_members(t["members"], t["messages"], t["red_packets"].iloc[:0])) == ["boss", "silent"]


def test_quiet_members_packet_windows_stay_in_their_group():
    # The last event of all is g1's packet, the first g2's messages: a lookup that mixed groups
    # could put z's messages just "after" the packet.
    pm, packet = red_packet("g1", "boss", "2026-01-06T12:00", 1)
    t = tables(
        members=[*members_of("g1", "boss"), *members_of("g2", "z")],
        messages=[pm, *msgs("g2", "z", ["2026-01-05T12:00"] * 3)],
        red_packets=[packet],
    )
    assert list(M.quiet_members(t["members"], t["messages"], t["red_packets"])) == ["boss"]


def test_red_packet_lift_on_hand_made_hours():
    # Packet 1 (g1, 12:20): hours -2..2 hold 1, 1, 4, 2, 0 messages; packet 2 (g2, 08:05): 0, 2, 0, 0, 1.
    p1m, p1 = red_packet("g1", "a", "2026-01-10T12:20", 1)
    p2m, p2 = red_packet("g2", "c", "2026-01-10T08:05", 2)
    messages = [
        p1m,
        p2m,
        *msgs("g1", "a", ["2026-01-10T10:59", "2026-01-10T11:30", "2026-01-10T12:00", "2026-01-10T12:59"]),
        *msgs("g1", "b", ["2026-01-10T12:21", "2026-01-10T12:50", "2026-01-10T13:00", "2026-01-10T13:10"]),
        *msgs("g1", "b", ["2026-01-10T09:59", "2026-01-10T15:00"], start=10),  # outside the window
        *msgs("g2", "c", ["2026-01-10T07:00", "2026-01-10T07:59", "2026-01-10T10:30"]),
    ]
    t = tables(messages=messages, red_packets=[p1, p2])
    curve = M.red_packet_lift(t["messages"], t["red_packets"], before_hours=2, after_hours=3)
    assert curve.index.name == "offset" and curve.index.tolist() == [-2, -1, 0, 1, 2]
    assert curve["messages_per_packet"].tolist() == pytest.approx([0.5, 1.5, 2.0, 1.0, 0.5])
    assert curve["lift"].tolist() == pytest.approx([0.5, 1.5, 2.0, 1.0, 0.5])  # baseline (0.5 + 1.5) / 2 = 1
    only_b = M.red_packet_lift(
        t["messages"], t["red_packets"], senders=pd.Index(["b"]), before_hours=2, after_hours=3
    )
    # b: hours -2..2 of packet 1 hold 0, 0, 2, 2, 0 (packet 2's group has no b): baseline 0, lift undefined.
    assert only_b["messages_per_packet"].tolist() == pytest.approx([0, 0, 1, 1, 0])
    assert only_b["lift"].isna().all()


def test_red_packet_lift_without_red_packets_is_nan():
    t = tables(members=members_of("g1", "a"), messages=msgs("g1", "a", ["2026-01-06T10:00"]))
    curve = M.red_packet_lift(t["messages"], t["red_packets"])
    assert len(curve) == 72 and curve.index[0] == -24 and curve.index[-1] == 47
    assert curve.isna().all().all()
    assert math.isnan(M.lift_half_life(curve))


def test_lift_half_life():
    curve = pd.DataFrame(
        {"lift": [1.0, 1.0, 9.0, 5.0, 4.0, 2.0]}, index=pd.Index([-2, -1, 0, 1, 2, 3], name="offset")
    )
    assert M.lift_half_life(curve) == 2.0  # excess 8, 4, 3: first below 4 at hour 2
    flat = curve.assign(lift=[1.0, 1.0, 1.0, 0.9, 1.0, 0.8])
    assert math.isnan(M.lift_half_life(flat))
    stuck = curve.assign(lift=[1.0, 1.0, 3.0, 2.9, 2.8, 2.7])
    assert M.lift_half_life(stuck) == math.inf
