"""ChatLab Standard Format (JSON, JSONL) in, and `shequn data export --format chatlab` out.

tests/fixtures/exports/chatlab_group.json and .jsonl (the same chat 读书会, written from the
spec v0.0.2 examples), by hand:
- members u1 张三 (owner), u2 李四, u3 王五: 王五 never posts → 3 members, 1 lurker;
- messages: text 2 (type 0, type 25 reply to msg_001), image 1, red_packet 1 (no amount in the
  spec → red_packets.csv empty), link 1; type 80 王五加入了群聊 is a join event, type 81 a recall;
- timestamps (Unix seconds) in Beijing: 12-20 → 3, 12-21 → 2.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.imports import FIXTURES, cli, copy_fixture, counts, events, load, per_day
from shequn.data.importers import import_exports
from shequn.data.importers.chatlab_export import export_chatlab


@pytest.mark.parametrize("name", ["chatlab_group.json", "chatlab_group.jsonl"])
def test_counts_owner_and_replies(tmp_path, name):
    result = import_exports([copy_fixture(tmp_path, name)], tmp_path / "out", keep_names=True)
    assert result.format == "chatlab" and result.conversation == "读书会"
    ds = load(tmp_path / "out")
    assert counts(ds) == {
        "members": 3,
        "types": {"text": 2, "image": 1, "red_packet": 1, "link": 1},
        "lurkers": 1,
        "left": 0,
        "red_packets": 0,
    }
    assert per_day(ds) == {"2023-12-20": 3, "2023-12-21": 2}
    m = ds.members.set_index("member_id")
    assert m.loc[ds.groups.loc[0, "owner_id"], "nickname"] == "张三"
    reply = ds.messages.dropna(subset=["reply_to"]).iloc[0]
    assert reply["reply_to"] == ds.messages.iloc[0]["message_id"]
    assert events(tmp_path / "out")["kind"].value_counts().to_dict() == {"join": 1, "recall": 1}


def _comparable(ds) -> dict:
    """The four tables with member and message ids replaced by what they stand for (nickname, time)."""
    nick = dict(zip(ds.members["member_id"], ds.members["nickname"], strict=True))
    msgs = ds.messages.sort_values(["sent_at", "message_id"]).reset_index(drop=True)
    sent = dict(zip(msgs["message_id"], msgs.index, strict=True))
    members = ds.members.assign(invited_by=ds.members["invited_by"].map(nick)).drop(
        columns=["member_id", "group_id"]
    )
    messages = msgs.assign(
        sender_id=msgs["sender_id"].map(nick),
        mention_id=msgs["mention_id"].map(nick),
        reply_to=msgs["reply_to"].map(sent),
    ).drop(columns=["message_id", "group_id"])
    packets = ds.red_packets.assign(
        sender_id=ds.red_packets["sender_id"].map(nick), message_id=ds.red_packets["message_id"].map(sent)
    ).drop(columns=["red_packet_id", "group_id"])
    groups = ds.groups.assign(owner_id=ds.groups["owner_id"].map(nick)).drop(columns=["group_id"])
    return {
        "members": members.sort_values(["nickname", "joined_at"]).reset_index(drop=True),
        "messages": messages,
        "red_packets": packets.reset_index(drop=True),
        "groups": groups,
    }


@pytest.mark.parametrize(
    "fixture, group",
    [
        ("qq_text_export_all.txt", "读书交流群"),
        ("qq_chat_exporter_group.json", None),
        ("telegram_result.json", None),
    ],
)
def test_export_then_import_round_trips_the_tables(tmp_path, fixture, group):
    import_exports([copy_fixture(tmp_path, fixture)], tmp_path / "a", group=group, salt=b"k", keep_text=True)
    path = export_chatlab(tmp_path / "a", tmp_path / "a.chatlab.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["chatlab"]["version"] == "0.0.2" and doc["meta"]["type"] == "group"
    assert all(n["accountName"].startswith("成员-") for n in doc["members"])  # pseudonymised as imported
    result = import_exports(
        [path],
        tmp_path / "b",
        keep_names=True,
        keep_text=True,
        group_id=load(tmp_path / "a").groups.loc[0, "group_id"],
    )
    assert result.format == "chatlab"
    before, after = _comparable(load(tmp_path / "a")), _comparable(load(tmp_path / "b"))
    for table in before:
        pd.testing.assert_frame_equal(
            before[table], after[table], check_dtype=False, check_categorical=False, obj=table
        )
    texts = [
        pd.read_csv(tmp_path / d / "message_texts.csv", dtype=str, keep_default_na=False)["text"].tolist()
        for d in ("a", "b")
    ]
    assert texts[0] == texts[1]


def test_cli_export_writes_one_file_and_refuses_unknown_formats(tmp_path):
    import_exports([FIXTURES / "discord_channel.json"], tmp_path / "a")
    proc = cli(
        "data", "export", str(tmp_path / "a"), "--format", "chatlab", "--out", str(tmp_path / "x.json")
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))["meta"]["groupId"] == "dc001"
    bad = cli("data", "export", str(tmp_path / "a"), "--format", "whatsapp")
    assert bad.returncode == 2 and "chatlab" in bad.stderr and "Traceback" not in bad.stderr
    missing = cli("data", "export", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
