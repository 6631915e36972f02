"""qq-chat-exporter JSON (QQ NT): counts against the hand-worked fixture.

tests/fixtures/exports/qq_chat_exporter_group.json, group 摄影交流群, 11 entries:
- 2 system gray tips with joins (阿木 invited by 阿青; 阿林 by himself) and 1 leave (阿林):
  阿林 is named only by nickname and never posts, so no account ever held that name: an
  unresolved actor, not a member (issue 26: no phantom members) → 2 members (阿青 20001,
  阿木 20002), 0 lurkers, 0 left; the events stay (2 joins, 1 leave), 阿林 unresolved;
- 1 recalled message (an event, not a message);
- 7 messages: text 2 (大家好…, reply "@阿木 好图"), image 2 (picture, market_face sticker),
  link 2 (json card with url, text with https://), red_packet 1 (6.66 元 × 3 from the element);
- day (Beijing time, from the millisecond timestamps): 05-01 → 4, 05-02 → 3.
"""

from __future__ import annotations

import json

import pandas as pd

from helpers.imports import copy_fixture, counts, events, load, per_day
from shequn.data.importers import import_exports


def test_counts_members_and_links(tmp_path):
    result = import_exports(
        [copy_fixture(tmp_path, "qq_chat_exporter_group.json")],
        tmp_path / "out",
        keep_names=True,
        tz="America/New_York",
    )  # the file's timestamps win over --tz
    assert result.format == "qq-json"
    ds = load(tmp_path / "out")
    assert counts(ds) == {
        "members": 2,
        "types": {"text": 2, "image": 2, "link": 2, "red_packet": 1},
        "lurkers": 0,
        "left": 0,
        "red_packets": 1,
    }
    assert result.summary["unresolved_actors"] == 1  # 阿林
    assert per_day(ds) == {"2024-05-01": 4, "2024-05-02": 3}
    assert ds.messages["sent_at"].iloc[0] == pd.Timestamp("2024-05-01 10:00:00", tz="Asia/Shanghai")
    m = ds.members.set_index("nickname")
    assert m.loc["阿木", "invited_by"] == m.loc["阿青", "member_id"]
    reply = ds.messages.loc[ds.messages["reply_to"].notna()].iloc[0]
    image = ds.messages.loc[ds.messages["type"] == "image"].iloc[0]
    assert reply["reply_to"] == image["message_id"] and reply["mention_id"] == m.loc["阿木", "member_id"]
    rp = ds.red_packets.iloc[0]
    assert (rp["amount_yuan"], rp["shares"]) == (6.66, 3)
    assert events(tmp_path / "out")["kind"].value_counts().to_dict() == {"join": 2, "recall": 1, "leave": 1}


def test_uin_is_the_identity_even_when_names_change(tmp_path):
    root = json.loads(copy_fixture(tmp_path, "qq_chat_exporter_group.json").read_text(encoding="utf-8"))
    root["messages"][3]["sender"]["name"] = "阿木（改名了）"  # same uin 20002, new group card
    path = tmp_path / "renamed.json"
    path.write_text(json.dumps(root, ensure_ascii=False), encoding="utf-8")
    import_exports([path], tmp_path / "out", keep_names=True)
    ds = load(tmp_path / "out")
    assert len(ds.members) == 2
    assert ds.messages["sender_id"].nunique() == 2
