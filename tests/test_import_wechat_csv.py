"""WeChat chatlog CSV: counts against the hand-worked fixture.

tests/fixtures/exports/wechat_chatlog.csv: group 跑步打卡群 (12345678@chatroom) and a
private chat with 老周.  In the group, by hand:
- system rows: 小吴 invited by 老周; 小郑 and 小冯 joined through 老周's QR code (invite);
  小吴 recalled a message; 小冯 was removed (你将"小冯"移出了群聊).  小吴 and 小郑 post later
  under their wxids, so their joins are theirs; 小冯 never posts and no account held that name:
  an unresolved actor, no member (issue 26) → 3 members, 0 lurkers, 0 left;
- 7 member rows: text 3 (早上好…, @小吴…, quote + 谢谢老板), image 2 (![图片], [动画表情]),
  red_packet 1 ([红包]: no amount in the export → red_packets.csv empty), link 1 ([链接|…]);
- per day: 04-01 → 6, 04-02 → 1.
"""

from __future__ import annotations

import pytest

from helpers.imports import FIXTURES, copy_fixture, counts, events, load, per_day
from shequn.data import DataError
from shequn.data.importers import import_exports


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
def test_counts(tmp_path, encoding):
    path = tmp_path / "chat.csv"
    path.write_bytes((FIXTURES / "wechat_chatlog.csv").read_text(encoding="utf-8").encode(encoding))
    result = import_exports([path], tmp_path / "out", group="跑步打卡群", keep_names=True)
    assert result.format == "wechat-csv"
    ds = load(tmp_path / "out")
    assert counts(ds) == {
        "members": 3,
        "types": {"text": 3, "image": 2, "red_packet": 1, "link": 1},
        "lurkers": 0,
        "left": 0,
        "red_packets": 0,
    }  # 小冯: joins and is removed by name only
    assert per_day(ds) == {"2024-04-01": 6, "2024-04-02": 1}
    m = ds.members.set_index("nickname")
    assert set(m.loc[["小吴", "小郑"], "invited_by"]) == {m.loc["老周", "member_id"]}
    ev = events(tmp_path / "out")
    assert ev["target_unresolved"].tolist().count("小冯") == 2 and result.summary["unresolved_actors"] == 1
    assert ds.messages.loc[ds.messages["mention_id"].notna(), "mention_id"].tolist() == [
        m.loc["小吴", "member_id"]
    ]
    assert events(tmp_path / "out")["kind"].value_counts().to_dict() == {"join": 3, "recall": 1, "leave": 1}
    assert "red_packets (amounts)" in result.unknown


def test_group_chosen_by_talker_id(tmp_path):
    import_exports(
        [copy_fixture(tmp_path, "wechat_chatlog.csv")], tmp_path / "out", group="12345678@chatroom"
    )
    assert len(load(tmp_path / "out").messages) == 7


def test_garbage_rows_are_refused_with_their_line(tmp_path):
    lines = (FIXTURES / "wechat_chatlog.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines[:3] + ["@@@,垃圾,,"] + lines[3:]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        import_exports([path], tmp_path / "out", group="跑步打卡群")
    assert err.value.line == 4 and "字段" in str(err.value) and "fields" in str(err.value)
    path.write_text("\n".join(lines[:3] + ["昨天,a,wxid_a,群,1@chatroom,hi"]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        import_exports([path], tmp_path / "out", group="跑步打卡群")
    assert err.value.line == 4 and err.value.column == "Time"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "text, kind, actor, targets, method",
    [
        ('"张三"邀请"李四"、"王五"加入了群聊', "join", "张三", ["李四", "王五"], "invite"),
        ('"李四"通过扫描"张三"分享的二维码加入群聊', "join", "张三", ["李四"], "invite"),
        ('"李四"通过"张三"的邀请二维码加入群聊', "join", "张三", ["李四"], "invite"),
        ('你邀请"李四"加入了群聊', "join", None, ["李四"], "invite"),
        ('"李四"加入了群聊', "join", None, ["李四"], None),
        ('你将"李四"移出了群聊', "leave", None, ["李四"], None),
        ('"李四"被"张三"移出群聊', "leave", "张三", ["李四"], None),
        ('"张三" 撤回了一条消息', "recall", "张三", ["张三"], None),
        ('"张三"修改群名为"晨跑团"', "rename", "张三", [], None),
        ("管理员将 小赵 禁言10分钟", "mute", None, ["小赵"], None),
        ('"张三" 拍了拍 "李四"', "other", None, [], None),
    ],
)
def test_wechat_and_qq_notices(text, kind, actor, targets, method):
    from shequn.data.importers.notices import parse_notice

    r = parse_notice(text, "2024-01-01 00:00:00", 1)
    assert (r.kind, r.name, [n for _, n in r.targets], r.method) == (kind, actor, targets, method)
