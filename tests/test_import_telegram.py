"""Telegram Desktop result.json: counts against the hand-worked fixture.

tests/fixtures/exports/telegram_result.json (chat "Runners"; `date` written on a UTC+3
clock, `date_unixtime` is the truth):
- service: Anna creates the group with Boris (founder + invite), Clara joins by link,
  Anna invites Dmitri, Clara leaves (remove_members of herself), Anna pins → 4 joins;
  `members` lists names only: Boris later posts as user222, so that join is his; Dmitri never
  posts, no account held that name → unresolved, no member (issue 26) → 3 members, 0 lurkers,
  Clara left;
- messages: text 2 (Welcome!, "nice Boris" replying to the photo and mentioning user222),
  image 2 (photo, sticker), link 1 → per day (Beijing): 06-01 → 4, 06-02 → 1.
"""

from __future__ import annotations

import json

import pandas as pd

from helpers.imports import copy_fixture, counts, events, load, per_day
from shequn.data.importers import import_exports


def test_counts_roles_and_unixtime(tmp_path):
    result = import_exports(
        [copy_fixture(tmp_path, "telegram_result.json")],
        tmp_path / "out",
        keep_names=True,
        tz="Europe/Moscow",
    )
    assert result.format == "telegram"
    ds = load(tmp_path / "out")
    assert counts(ds) == {
        "members": 3,
        "types": {"text": 2, "image": 2, "link": 1},
        "lurkers": 0,
        "left": 1,
        "red_packets": 0,
    }
    assert per_day(ds) == {"2024-06-01": 4, "2024-06-02": 1}
    assert ds.messages["sent_at"].iloc[0] == pd.Timestamp("2024-06-01 10:01:00", tz="UTC")
    m = ds.members.set_index("nickname")
    assert (
        m.loc["Anna", "join_method"] == "founder"
        and ds.groups.loc[0, "owner_id"] == m.loc["Anna", "member_id"]
    )
    assert m.loc["Boris", "invited_by"] == m.loc["Anna", "member_id"] and "Dmitri" not in m.index
    reply = ds.messages.loc[ds.messages["reply_to"].notna()].iloc[0]
    assert reply["mention_id"] == m.loc["Boris", "member_id"]
    assert ds.messages.set_index("message_id").loc[reply["reply_to"], "type"] == "image"
    assert events(tmp_path / "out")["kind"].value_counts().to_dict() == {"join": 4, "leave": 1, "pin": 1}


def test_full_account_export_lists_chats_and_naive_dates_use_tz(tmp_path):
    chat = json.loads(copy_fixture(tmp_path, "telegram_result.json").read_text(encoding="utf-8"))
    for msg in chat["messages"]:
        del msg["date_unixtime"]  # older exports: only the local `date`, read in --tz
    other = {"name": "Mum", "type": "personal_chat", "id": 5, "messages": chat["messages"][1:2]}
    path = tmp_path / "result.json"
    path.write_text(
        json.dumps({"about": "x", "chats": {"about": "y", "list": [chat, other]}}), encoding="utf-8"
    )
    import_exports([path], tmp_path / "out", group="Runners", tz="Europe/Moscow")
    ds = load(tmp_path / "out")
    assert ds.messages["sent_at"].iloc[0] == pd.Timestamp("2024-06-01 10:01:00", tz="UTC")
    assert len(ds.messages) == 5
