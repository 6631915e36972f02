"""Synthesis lesson: the lifecycle measures, checked on a five-member dataset worked by hand."""

import math

import pytest

from shequn.data import load_dataset
from shequn.models import lifecycle as lc

GROUPS = """group_id,name,created_at,threshold,fee_yuan,topology,owner_id
g1,读书群,2026-01-05T00:00:00+08:00,free,0.0,star,a
g2,跑步群,2026-01-05T00:00:00+08:00,paid,50.0,mesh,c
"""
MEMBERS = """member_id,group_id,nickname,joined_at,join_method,invited_by,left_at
a,g1,甲,2026-01-05T00:00:00+08:00,founder,,
b,g1,乙,2026-01-05T12:00:00+08:00,free,a,
c,g2,丙,2026-01-05T00:00:00+08:00,founder,,
d,g2,丁,2026-01-20T00:00:00+08:00,paid,,
e,g2,戊,2026-02-20T00:00:00+08:00,paid,,
"""
MESSAGES = """message_id,group_id,sender_id,sent_at,type,length,reply_to,mention_id
x1,g1,a,2026-01-06T00:00:00+08:00,text,5,,
x2,g1,b,2026-02-03T00:00:00+08:00,text,5,,
x3,g2,c,2026-01-07T00:00:00+08:00,text,5,,
x4,g2,c,2026-03-01T00:00:00+08:00,text,5,,
"""
PACKETS = "red_packet_id,message_id,group_id,sender_id,sent_at,amount_yuan,shares,claimed\n"


@pytest.fixture
def dataset(tmp_path):
    for name, text in {
        "groups": GROUPS,
        "members": MEMBERS,
        "messages": MESSAGES,
        "red_packets": PACKETS,
    }.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    return load_dataset(tmp_path)


def test_member_flags_match_the_hand_worked_table(dataset):
    # b joined 12 h after a and first posted 28.5 days later: not activated, but retained in
    # week 4 (days 28-35). d never posted. e joined 9 days before the last message, so her
    # week 4 cannot be observed yet.
    flags = lc.member_flags(dataset)
    assert flags["invited"].tolist() == [False, True, False, False, False]
    assert flags["activated"].tolist() == [True, False, True, False, False]
    assert flags["never_posted"].tolist() == [False, False, False, True, True]
    assert flags["retained"].iloc[:4].tolist() == [0.0, 1.0, 0.0, 0.0]
    assert math.isnan(flags["retained"].iloc[4])


def test_funnel_by_threshold(dataset):
    table = lc.funnel(dataset)
    assert table.loc["免费"].tolist() == [1, 2, 0.5, 0.5, 0.0, 0.5]
    assert table.loc["收费"].tolist() == [1, 3, 0.0, round(1 / 3, 3), round(2 / 3, 3), 0.0]
    assert table.loc["全部", "成员数"] == 5
    assert table.loc["全部", "第4周留存率"] == 0.25  # b only, among the four observable members


def test_funnel_by_structure_and_bad_inputs(dataset):
    table = lc.funnel(dataset, by="topology")
    assert list(table.index) == ["星形", "网状", "全部"]
    with pytest.raises(ValueError, match="threshold"):
        lc.funnel(dataset, by="colour")
    with pytest.raises(ValueError, match="activate_days"):
        lc.member_flags(dataset, activate_days=0)
    with pytest.raises(TypeError, match="load_dataset"):
        lc.funnel({"members": None})


def test_stage_map_lists_the_five_stages_in_order():
    assert list(lc.stage_map().index) == ["吸引", "准入", "激活", "留存", "自运转"]


def test_self_run_is_empty_when_no_owner_left(dataset):
    assert len(lc.self_run(dataset)) == 0


def test_sample_folder_is_found_from_a_lesson_folder_and_missing_names_are_refused(monkeypatch):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root / "book")
    assert lc.sample_folder() == root / "datasets" / "group_chats"
    with pytest.raises(FileNotFoundError, match="datasets/no_such_data"):
        lc.sample_folder("no_such_data")


def test_sensitivity_exercise_rankings_survive_the_windows():
    """Synthesis sensitivity answer on the sample data, recomputed with pandas (not member_flags):
    paid > invite > free for activation windows of 1-14 days; star groups cool down far more than
    mesh groups for comparison windows of 3-28 days."""
    import pandas as pd

    chats = load_dataset(lc.sample_folder())
    members, messages = chats.members, chats.messages
    joined = pd.to_datetime(members.set_index("member_id")["joined_at"], utc=True)
    sent = pd.to_datetime(messages["sent_at"], utc=True)
    age = sent - messages["sender_id"].map(joined)
    threshold = members["group_id"].map(chats.groups.set_index("group_id")["threshold"])
    for days in (1, 3, 7, 14):
        early = set(messages.loc[(age >= pd.Timedelta(0)) & (age < pd.Timedelta(days=days)), "sender_id"])
        share = members["member_id"].isin(early).groupby(threshold.to_numpy()).mean()
        assert share["paid"] > share["invite"] > share["free"], (days, share)
        table = lc.funnel(chats, activate_days=days)
        assert table.loc["收费", f"{days}天内发言"] == pytest.approx(share["paid"], abs=5e-4)
    for window in (3, 7, 14, 28):
        run = lc.self_run(chats, days=window)
        star, mesh = run[run["结构"] == "星形"], run[run["结构"] == "网状"]
        assert star["离开后÷离开前"].max() < 0.4 < 0.7 < mesh["离开后÷离开前"].min()
