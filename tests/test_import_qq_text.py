"""Legacy QQ text export: every count against the hand-worked fixture.

tests/fixtures/exports/qq_text_export_all.txt ("export all": a group and a
private chat).  Worked out by hand from the file, group 读书交流群:

- senders: 小王(10001, 【群主】), 小李(10002), 小赵(10004), 小孙(10006); 小钱(10005)
  only joins (09:07) and leaves (03-03) → 5 members, 1 lurker, 1 left;
- member lines (not 系统消息): 8 = text 4 (欢迎…, @小王…, 好的/明天见, 大家早),
  link 1 (https://…), image 2 ([图片], [表情]), red_packet 1 (8.88 元, 5 个);
- notices: 3 joins (小李, 小赵 invited by 小王, 小钱), 2 claims of 小王's packet,
  1 recall, 1 mute, 1 leave;
- per day: 03-01 → 5 messages, 03-02 → 2, 03-03 → 1;
- 8:43:38 PM is 20:43:38, 下午9:00:00 is 21:00:00.
"""

from __future__ import annotations

import codecs

import pandas as pd
import pytest

from helpers.imports import FIXTURES, copy_fixture, counts, events, load, per_day
from shequn.data import DataError
from shequn.data.importers import import_exports

SALT = b"fixed-test-salt"
EXPECTED = {
    "members": 5,
    "types": {"text": 4, "link": 1, "image": 2, "red_packet": 1},
    "lurkers": 1,
    "left": 1,
    "red_packets": 1,
}


def _import(tmp_path, path, **kw):
    kw.setdefault("group", "读书交流群")
    return import_exports([path], tmp_path / "out", salt=SALT, **kw)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "gb18030"])
def test_counts_in_every_encoding(tmp_path, encoding):
    text = (FIXTURES / "qq_text_export_all.txt").read_text(encoding="utf-8")
    raw = (
        codecs.BOM_UTF16_BE + text.encode("utf-16-be")
        if encoding == "utf-16-be-bom"
        else text.encode(encoding)
    )
    path = tmp_path / "export.txt"
    path.write_bytes(raw)
    result = _import(tmp_path, path)
    ds = load(tmp_path / "out")
    assert result.format == "qq-text"
    assert counts(ds) == EXPECTED
    assert per_day(ds) == {"2024-03-01": 5, "2024-03-02": 2, "2024-03-03": 1}
    ev = events(tmp_path / "out")
    assert ev["kind"].value_counts().to_dict() == {"join": 3, "claim": 2, "recall": 1, "mute": 1, "leave": 1}


def test_members_joins_owner_mentions_and_red_packet(tmp_path):
    _import(tmp_path, copy_fixture(tmp_path, "qq_text_export_all.txt"), keep_names=True)
    ds = load(tmp_path / "out")
    m = ds.members.set_index("nickname")
    assert list(m.index) == ["小王", "小李", "小赵", "小钱", "小孙"]  # title 【群主】 stripped
    assert ds.groups.loc[0, "owner_id"] == m.loc["小王", "member_id"]
    assert (
        m.loc["小赵", "join_method"] == "invite" and m.loc["小赵", "invited_by"] == m.loc["小王", "member_id"]
    )
    assert m.loc["小钱", "joined_at"] == pd.Timestamp("2024-03-01 09:07:00", tz="Asia/Shanghai")
    assert m.loc["小钱", "left_at"] == pd.Timestamp("2024-03-03 09:00:00", tz="Asia/Shanghai")
    assert m.loc["小孙", "join_method"] == "unknown"  # no join notice: first seen
    msgs = ds.messages
    mention = msgs.loc[msgs["mention_id"].notna()]
    assert len(mention) == 1 and mention["mention_id"].iloc[0] == m.loc["小王", "member_id"]
    assert mention["sender_id"].iloc[0] == m.loc["小李", "member_id"]
    assert msgs.loc[msgs["type"] == "image", "sent_at"].iloc[0] == pd.Timestamp(
        "2024-03-01 20:43:38", tz="Asia/Shanghai"
    )
    rp = ds.red_packets.iloc[0]
    assert (rp["amount_yuan"], rp["shares"], rp["claimed"]) == (8.88, 5, 2)
    assert rp["sent_at"] == pd.Timestamp("2024-03-01 21:00:00", tz="Asia/Shanghai")
    assert msgs["length"].tolist() == [
        len("欢迎大家，这周读第三章。"),
        len("@小王 第三章在哪里下载？"),
        0,
        0,
        0,
        0,
        len("好的\n明天见"),
        len("大家早"),
    ]
    assert "系统消息" not in set(ds.members["nickname"])


def test_tz_applies_to_naive_times(tmp_path):
    _import(tmp_path, copy_fixture(tmp_path, "qq_text_export_all.txt"), tz="UTC")
    ds = load(tmp_path / "out")
    assert ds.messages["sent_at"].iloc[0] == pd.Timestamp("2024-03-01 09:00:00", tz="UTC")


def test_private_chat_is_its_own_conversation(tmp_path):
    _import(tmp_path, copy_fixture(tmp_path, "qq_text_export_all.txt"), group="小王")
    ds = load(tmp_path / "out")
    assert (len(ds.members), len(ds.messages)) == (1, 1)


def test_export_all_without_group_lists_the_chats(tmp_path):
    with pytest.raises(DataError) as err:
        import_exports([copy_fixture(tmp_path, "qq_text_export_all.txt")], tmp_path / "out")
    assert "读书交流群" in str(err.value) and "小王" in str(err.value) and "--group" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_times_running_backwards_are_refused(tmp_path):
    text = (FIXTURES / "qq_text_export_all.txt").read_text(encoding="utf-8")
    path = tmp_path / "back.txt"
    path.write_text(text.replace("2024-03-02 08:00:00 小赵", "2024-02-02 08:00:00 小赵"), encoding="utf-8")
    with pytest.raises(DataError) as err:
        _import(tmp_path, path)
    lineno = text.splitlines().index("2024-03-02 08:00:00 小赵(10004)") + 1
    assert err.value.line == lineno and "时间倒退" in str(err.value) and "backwards" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_twelve_hour_clock_with_bad_hour_is_refused(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("消息对象:群\n\n2024-03-01 13:00:00 PM 小王(10001)\n你好\n", encoding="utf-8")
    with pytest.raises(DataError, match="12"):
        import_exports([path], tmp_path / "out")


def test_title_in_mention_and_recall_logged_as_member_line(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text(
        "消息对象:群\n\n2024-03-01 09:00:00 【群主】小王(10001)\n开会\n\n"
        "2024-03-01 09:01:00 小李(10002)\n@【群主】小王 收到\n\n"
        "2024-03-01 09:02:00 小李(10002)\n小李撤回了一条消息\n",
        encoding="utf-8",
    )
    import_exports([path], tmp_path / "out", keep_names=True)
    ds = load(tmp_path / "out")
    assert len(ds.messages) == 2  # the recall is an event
    owner = ds.members.set_index("nickname").loc["小王", "member_id"]
    assert ds.messages["mention_id"].tolist()[1] == owner
    assert events(tmp_path / "out")["kind"].tolist() == ["recall"]
