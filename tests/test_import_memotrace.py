"""WeChatMsg / MemoTrace CSV: counts against the hand-worked fixture.

tests/fixtures/exports/memotrace_group_utf8.csv (UTF-8 with BOM, CRLF, XML in quoted
multi-line StrContent), by hand:
- rows 2 and 9 are type 10000 notices without a sender: 老张 invites 小陈 (小陈 posts from
  08:05 as wxid_chen → her join, invited by 老张) and 小林 (never posts → unresolved);
  row 6 is type 10002 revokemsg XML: "小陈" 撤回了一条消息 → a recall by wxid_chen;
- members 老张 (wxid_zhang), 小陈 (wxid_chen), 我 (wxid_me, IsSender=1) → 3, 0 lurkers;
- messages: text 2 (早上好, the two-line one), image 3 (type 3 image, 47 sticker, 34 voice),
  link 1 (type 49 / 5 with a URL in its XML), red_packet 1 (type 49 / 2001);
- CreateTime (Unix seconds) in Beijing: 06-01 → 4, 06-02 → 3.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.imports import FIXTURES, copy_fixture, counts, events, load, per_day
from shequn.data import DataError
from shequn.data.importers import import_exports


def test_counts_types_and_system_rows(tmp_path):
    result = import_exports(
        [copy_fixture(tmp_path, "memotrace_group_utf8.csv")],
        tmp_path / "out",
        keep_names=True,
        tz="America/New_York",
    )  # CreateTime is an instant: --tz does not apply
    assert result.format == "memotrace-csv" and result.conversation == "memotrace_group"
    ds = load(tmp_path / "out")
    assert counts(ds) == {
        "members": 3,
        "types": {"text": 2, "image": 3, "link": 1, "red_packet": 1},
        "lurkers": 0,
        "left": 0,
        "red_packets": 0,
    }
    assert per_day(ds) == {"2024-06-01": 4, "2024-06-02": 3}
    m = ds.members.set_index("nickname")
    assert m.loc["小陈", "invited_by"] == m.loc["老张", "member_id"]
    assert m.loc["小陈", "joined_at"] == pd.Timestamp("2024-06-01 08:02:00", tz="Asia/Shanghai")
    ev = events(tmp_path / "out")
    assert ev["kind"].value_counts().to_dict() == {"join": 2, "recall": 1}
    assert ev.loc[ev["kind"] == "recall", "actor_id"].tolist() == [m.loc["小陈", "member_id"]]
    assert result.summary["unresolved_actors"] == 1
    text = ds.messages[ds.messages["type"] == "text"]
    assert text["length"].tolist() == [3, 7]  # 早上好; 第一行\n第二行


def test_wrong_columns_name_the_exporter_and_line(tmp_path):
    text = (FIXTURES / "memotrace_group_utf8.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "edited.csv"
    path.write_text(text.replace("StrTime,Remark,", "StrTime,"), encoding="utf-8")
    with pytest.raises(DataError) as err:
        import_exports([path], tmp_path / "out")
    assert "WeChatMsg" in str(err.value) and err.value.file == str(path)
    assert not (tmp_path / "out").exists()
