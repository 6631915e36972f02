"""Tiny hand-made metric tables (rows as dicts, Beijing time); the generated datasets metric tests share."""

from __future__ import annotations

import functools

import pandas as pd

from shequn.data import as_typed
from shequn.data.generate import generate
from shequn.data.schema import TABLES

TZ = "Asia/Shanghai"
DEFAULTS = {
    "groups": {
        "name": "群",
        "created_at": "2026-01-05T00:00:00+08:00",
        "threshold": "free",
        "fee_yuan": 0.0,
        "topology": "mesh",
        "owner_id": "",
    },
    "members": {
        "nickname": "某",
        "joined_at": "2026-01-05T00:00:00+08:00",
        "join_method": "free",
        "invited_by": "",
        "left_at": "",
    },
    "messages": {"type": "text", "length": 5, "reply_to": "", "mention_id": ""},
    "red_packets": {"amount_yuan": 8.88, "shares": 5, "claimed": 3},
}


def beijing_time(text: str) -> pd.Timestamp:
    """A time in Beijing time (a naive time is read as Beijing time)."""
    return pd.Timestamp(text).tz_convert(TZ) if pd.Timestamp(text).tzinfo else pd.Timestamp(text, tz=TZ)


def _iso(when) -> str:
    return beijing_time(when).strftime("%Y-%m-%dT%H:%M:%S+08:00") if when else ""


def tables(groups=(), members=(), messages=(), red_packets=()) -> dict[str, pd.DataFrame]:
    """Typed tables from rows given as dicts (missing columns take defaults; times in Beijing time)."""
    raw = {}
    for name, rows in (
        ("groups", groups),
        ("members", members),
        ("messages", messages),
        ("red_packets", red_packets),
    ):
        rows = [{**DEFAULTS[name], **row} for row in rows]
        for row in rows:
            for col in TABLES[name].columns:
                if col.kind == "datetime" and col.name in row:
                    row[col.name] = _iso(row[col.name])
        frame = pd.DataFrame(rows, columns=TABLES[name].column_names)
        raw[name] = frame.astype(
            {
                c.name: "str"
                for c in TABLES[name].columns
                if c.kind in ("id", "ref", "str", "category", "datetime")
            }
        )
    return as_typed(raw)


def msgs(group: str, sender: str, times, start: int = 0, **extra) -> list[dict]:
    """Message rows of one sender in one group, one per time; ids ``group-sender-i``."""
    return [
        {
            "message_id": f"{group}-{sender}-{start + i}",
            "group_id": group,
            "sender_id": sender,
            "sent_at": t,
            **extra,
        }
        for i, t in enumerate(times)
    ]


def members_of(group: str, *ids: str, joined: str = "2026-01-05T00:00") -> list[dict]:
    """Member rows of one group, all joined at the same time."""
    return [{"member_id": m, "group_id": group, "joined_at": joined} for m in ids]


def red_packet(group: str, sender: str, when: str, i: int) -> tuple[dict, dict]:
    """A red packet: its message row and its red_packets row."""
    message = {
        "message_id": f"p{i}",
        "group_id": group,
        "sender_id": sender,
        "sent_at": when,
        "type": "red_packet",
        "length": 0,
    }
    packet = {
        "red_packet_id": f"r{i}",
        "message_id": f"p{i}",
        "group_id": group,
        "sender_id": sender,
        "sent_at": when,
    }
    return message, packet


def network_tables():
    """Two groups with replies and mentions, for the reply-network tests."""
    return tables(
        messages=[
            {"message_id": "1", "group_id": "g1", "sender_id": "a", "sent_at": "2026-01-06T10:00"},
            {
                "message_id": "2",
                "group_id": "g1",
                "sender_id": "b",
                "sent_at": "2026-01-06T10:01",
                "reply_to": "1",
            },
            {
                "message_id": "3",
                "group_id": "g1",
                "sender_id": "b",
                "sent_at": "2026-01-06T10:02",
                "reply_to": "1",
            },
            {
                "message_id": "4",
                "group_id": "g1",
                "sender_id": "a",
                "sent_at": "2026-01-06T10:03",
                "reply_to": "2",
                "mention_id": "b",
            },
            {
                "message_id": "5",
                "group_id": "g1",
                "sender_id": "c",
                "sent_at": "2026-01-06T10:04",
                "reply_to": "5",
            },
            {
                "message_id": "6",
                "group_id": "g1",
                "sender_id": "c",
                "sent_at": "2026-01-06T10:05",
                "mention_id": "d",
            },
            {
                "message_id": "7",
                "group_id": "g1",
                "sender_id": "e",
                "sent_at": "2026-01-06T10:06",
                "reply_to": "9",
            },
            {"message_id": "9", "group_id": "g2", "sender_id": "x", "sent_at": "2026-01-06T10:00"},
            {
                "message_id": "10",
                "group_id": "g2",
                "sender_id": "y",
                "sent_at": "2026-01-06T10:01",
                "reply_to": "9",
            },
        ]
    )


# --------------------------------------------------------------------------- generated data
SEEDS = (1, 2, 3)


@functools.cache
def generated_datasets() -> list[dict[str, pd.DataFrame]]:
    """Typed generated datasets (60 groups) for SEEDS, built once per process; tests must not modify them."""
    return [as_typed(generate(seed=s, groups=60)) for s in SEEDS]
