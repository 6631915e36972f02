"""Identity resolution (issue 26): one member per real person, never a phantom.

A hand-built QQ text export (written below, line by line) holds every case:

    09:00 小王(10001) posts            09:01 小王(10002) posts      → two accounts, one nickname
    09:02 notice 小王撤回了一条消息     → both hold 小王 now: unresolved, no member
    09:03 notice 郭晓燕加入本群。       → nobody holds it now; 20001 is first seen as 郭晓燕
                                          at 10:00 → that join is 20001's (joined_at 09:03)
    09:04 notice 小钱(10005) 加入本群。 → an account: a member who never posts (a lurker)
    09:05 notice 路人甲加入本群。       → no account ever held it: unresolved, no member
    10:00 郭晓燕(20001) posts
    10:05 阿强(30001) posts
    10:06 notice 阿强撤回了一条消息     → 30001 holds 阿强 now
    11:00 强哥(30001) posts             → 30001 renamed
    11:30 阿强(30002) posts             → another account takes the name
    12:00 notice 阿强 退出了本群        → 30002 holds 阿强 now (30001 is 强哥): 30002 left

Worked out by hand: members 10001, 10002, 10005, 20001, 30001, 30002 = 6; posters 5, so
1 lurker (10005); 1 left (30002, at 12:00); join events 3, of which 2 reach a member
(20001 at 09:03, 10005 at 09:04); unresolved nicknames 2 (小王, 路人甲); recall events 2
(the first with no member, the second by 30001).  The old rule (one global name → account
map, else a member per nickname) gave 9 members: phantoms 小王, 路人甲 and 阿强.
"""

from __future__ import annotations

import pandas as pd

from helpers.imports import events, load, lurkers
from shequn.data.importers import import_exports

LINES = [
    ("09:00:00", "小王(10001)", "早"),
    ("09:01:00", "小王(10002)", "我也叫小王"),
    ("09:02:00", "系统消息(10000)", "小王撤回了一条消息"),
    ("09:03:00", "系统消息(10000)", "郭晓燕加入本群。"),
    ("09:04:00", "系统消息(10000)", "小钱(10005) 加入本群。"),
    ("09:05:00", "系统消息(10000)", "路人甲加入本群。"),
    ("10:00:00", "郭晓燕(20001)", "大家好"),
    ("10:05:00", "阿强(30001)", "你好"),
    ("10:06:00", "系统消息(10000)", "阿强撤回了一条消息"),
    ("11:00:00", "强哥(30001)", "我改名了"),
    ("11:30:00", "阿强(30002)", "新人报到"),
    ("12:00:00", "系统消息(10000)", "阿强 退出了本群"),
]


def _export(path, lines=LINES):
    body = "".join(f"2024-01-01 {t} {who}\n{text}\n\n" for t, who, text in lines)
    path.write_text(
        "消息分组:我的QQ群\n" + "=" * 64 + "\n消息对象:测试群\n" + "=" * 64 + "\n\n" + body, encoding="utf-8"
    )
    return path


def _at(clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"2024-01-01 {clock}", tz="Asia/Shanghai")


def test_members_lurkers_joins_and_unresolved_actors(tmp_path):
    result = import_exports([_export(tmp_path / "chat.txt")], tmp_path / "out", keep_names=True)
    ds = load(tmp_path / "out")
    assert len(ds.members) == 6
    assert lurkers(ds) == 1 and result.summary["lurkers"] == 1
    assert int(ds.members["left_at"].notna().sum()) == 1
    assert result.summary["joins"] == 3 and result.summary["unresolved_actors"] == 2
    assert sorted(ds.members["nickname"]) == sorted(["小王", "小王", "郭晓燕", "小钱", "强哥", "阿强"])
    by_sender = ds.messages.groupby("sender_id").size()
    m = ds.members.assign(posts=ds.members["member_id"].map(by_sender).fillna(0).astype(int))
    guo = m[m["nickname"] == "郭晓燕"].iloc[0]
    assert guo["joined_at"] == _at("09:03:00") and guo["posts"] == 1  # the join became 20001's
    qian = m[m["nickname"] == "小钱"].iloc[0]
    assert qian["joined_at"] == _at("09:04:00") and qian["posts"] == 0
    new_aqiang = m[m["nickname"] == "阿强"].iloc[0]  # 30002: renamed 30001 is 强哥
    assert new_aqiang["left_at"] == _at("12:00:00")
    assert m.loc[m["nickname"] == "强哥", "left_at"].isna().all()


def test_events_keep_unresolved_nicknames_and_follow_renames(tmp_path):
    import_exports([_export(tmp_path / "chat.txt")], tmp_path / "out", keep_names=True)
    ds = load(tmp_path / "out")
    ev = events(tmp_path / "out")
    recalls = ev[ev["kind"] == "recall"]
    assert recalls["actor_id"].tolist()[0] == "" and recalls["actor_unresolved"].tolist()[0] == "小王"
    qiang = ds.members.loc[ds.members["nickname"] == "强哥", "member_id"].iloc[0]
    assert recalls["actor_id"].tolist()[1] == qiang  # 阿强 at 10:06 was 30001 (强哥 since 11:00)
    joins = ev[ev["kind"] == "join"]
    assert joins["target_unresolved"].tolist() == ["", "", "路人甲"]


def test_unresolved_nicknames_are_pseudonymised_by_default(tmp_path):
    import_exports([_export(tmp_path / "chat.txt")], tmp_path / "out", salt=b"s")
    ev = events(tmp_path / "out")
    names = set(ev["actor_unresolved"]) | set(ev["target_unresolved"])
    assert names - {""} and all(n.startswith("成员-") for n in names - {""})


def test_name_only_discussion_group_export(tmp_path):
    """tests/fixtures/exports/qq_text_discussion.txt (讨论组, headers without QQ numbers), by hand:
    senders 阿山, 阿水, 阿林 → 3 members; 阿水's join (09:01:10) precedes her first post → hers;
    阿云 joins and never posts → unresolved; 阿林's recall resolves; messages text 4 (集合, 地图,
    the two-line one starting "2024-07-07 08:00" — a body line, not a header —, 出发), image 1,
    link 1; per day 07-06 → 5, 07-07 → 1."""
    from helpers.imports import FIXTURES, counts, per_day

    result = import_exports([FIXTURES / "qq_text_discussion.txt"], tmp_path / "out", keep_names=True)
    ds = load(tmp_path / "out")
    assert counts(ds) == {
        "members": 3,
        "types": {"text": 4, "image": 1, "link": 1},
        "lurkers": 0,
        "left": 0,
        "red_packets": 0,
    }
    assert per_day(ds) == {"2024-07-06": 5, "2024-07-07": 1}
    assert ds.members.set_index("nickname").loc["阿水", "joined_at"] == pd.Timestamp(
        "2024-07-06 09:01:10", tz="Asia/Shanghai"
    )
    assert result.summary["unresolved_actors"] == 1 and result.summary["events_by_kind"] == {
        "join": 2,
        "recall": 1,
    }
    assert any("renames cannot be followed" in w for w in result.summary["warnings"])
    assert ds.groups.loc[0, "name"] == "周末徒步讨论组"


def test_cli_summary_reports_unresolved_actors_merged_records_and_the_name_only_warning(tmp_path):
    from helpers.imports import FIXTURES, cli

    path = _export(tmp_path / "chat.txt")
    proc = cli("data", "import", str(path), str(path), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "unresolved actors) 2" in proc.stdout and f"merged duplicates) {len(LINES)}" in proc.stdout
    proc = cli("data", "import", str(FIXTURES / "qq_text_discussion.txt"), "--out", str(tmp_path / "d"))
    assert "renames cannot be followed" in proc.stdout
