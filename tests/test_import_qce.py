"""qq-chat-exporter TXT and chunked JSONL (manifest + chunks): counts against hand-worked fixtures.

tests/fixtures/exports/qce_group.txt (编程学习群, senders by name only), by hand:
- blocks: 小明 ×3, 小红 ×2, 小刚 ×1, 系统消息 ×2 (小刚 joins 09:30 and posts 10:05 → his join;
  小美 joins 11:00 and never posts → unresolved, no member) → 3 members, 0 lurkers;
- messages: text 2 (大家好…, 收到/多谢), image 1 ([图片] with an image resource), link 2 (the
  tutorial URL, a file-only block), red_packet 1 ([QQ红包]…) → per day 03-01 → 4, 03-02 → 2;
- 小明's link mentions 小红 (提及: 小红).

tests/fixtures/exports/qce_group_v5.txt (读书会, the 6.x Rust exporter's TXT, banner V5), by hand:
- senders 阿青 (once as 「[群主] 阿青」), 小禾, 老周 (once as 「[管理员] 老周」): a group title is not
  part of the name → 3 members, 0 lurkers; the empty gray tip (「内容: [系统消息]」) makes no member;
- messages: text 3 (本周读…, 第一章…, 收到; the 回复 line is a quote, not a message), image 2
  (「[image消息]」 with an image resource, 「[表情消息]」), and 老周's 「[无文本内容]」 is a text of
  length 0 → 6 messages; per day 07-20 → 4, 07-21 → 2 (08:30 twice, 小禾 and 老周).

tests/fixtures/exports/qce_chunked/ (跑团群; chunk 1 has 4 lines, chunk 2 has 3), by hand:
- senders 老杨 30001, 小许 30002, 阿吕 30003; 小许加入了本群 (08:10) before 30002's first post
  (08:50, as 小许) → 30002's join; 阿吕撤回了一条消息 → 30003 → 3 members, 0 lurkers;
- messages: text 3 (晨跑, 拍得好 replying to seq 503 = the image, @阿吕 明天见 mentioning 30003),
  image 1, link 1 → per day (Beijing) 09-01 → 3, 09-02 → 2; events join 1, recall 1.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from helpers.imports import FIXTURES, copy_fixture, counts, events, load, per_day
from shequn.data import DataError
from shequn.data.importers import import_exports


def test_txt_counts_and_name_identity(tmp_path):
    result = import_exports([copy_fixture(tmp_path, "qce_group.txt")], tmp_path / "out", keep_names=True)
    assert result.format == "qq-chat-exporter-txt" and result.conversation == "编程学习群"
    ds = load(tmp_path / "out")
    assert counts(ds) == {
        "members": 3,
        "types": {"text": 2, "image": 1, "link": 2, "red_packet": 1},
        "lurkers": 0,
        "left": 0,
        "red_packets": 0,
    }
    assert per_day(ds) == {"2025-03-01": 4, "2025-03-02": 2}
    m = ds.members.set_index("nickname")
    assert m.loc["小刚", "joined_at"] == pd.Timestamp("2025-03-01 09:30:00", tz="Asia/Shanghai")
    assert ds.messages["mention_id"].dropna().tolist() == [m.loc["小红", "member_id"]]
    assert result.summary["unresolved_actors"] == 1 and result.summary["warnings"]
    assert events(tmp_path / "out")["kind"].tolist() == ["join", "join"]


def test_txt_v5_titles_and_placeholders(tmp_path):
    result = import_exports([copy_fixture(tmp_path, "qce_group_v5.txt")], tmp_path / "out", keep_names=True)
    assert result.format == "qq-chat-exporter-txt" and result.conversation == "读书会"
    ds = load(tmp_path / "out")
    assert sorted(ds.members["nickname"]) == ["小禾", "老周", "阿青"]
    assert counts(ds) == {
        "members": 3,
        "types": {"text": 4, "image": 2},
        "lurkers": 0,
        "left": 0,
        "red_packets": 0,
    }
    assert per_day(ds) == {"2026-07-20": 4, "2026-07-21": 2}
    texts = ds.messages.loc[ds.messages["type"] == "text", "length"].sort_values().tolist()
    assert texts == [0, 2, len("第一章周五前读完"), len("本周读《乡土中国》")]


def _chunked(tmp_path):
    folder = tmp_path / "export_chunked_jsonl"
    shutil.copytree(FIXTURES / "qce_chunked", folder)
    return folder


@pytest.mark.parametrize("given", ["folder", "manifest"])
def test_chunked_jsonl_counts_replies_and_mentions(tmp_path, given):
    folder = _chunked(tmp_path)
    result = import_exports(
        [folder if given == "folder" else folder / "manifest.json"], tmp_path / "out", keep_names=True
    )
    assert result.format == "qq-jsonl"
    ds = load(tmp_path / "out")
    assert counts(ds) == {
        "members": 3,
        "types": {"text": 3, "image": 1, "link": 1},
        "lurkers": 0,
        "left": 0,
        "red_packets": 0,
    }
    assert per_day(ds) == {"2024-09-01": 3, "2024-09-02": 2}
    m = ds.members.set_index("nickname")
    assert m.loc["小许", "joined_at"] == pd.Timestamp("2024-09-01 08:10:00", tz="Asia/Shanghai")
    reply = ds.messages.dropna(subset=["reply_to"]).iloc[0]
    assert ds.messages.set_index("message_id").loc[reply["reply_to"], "type"] == "image"
    assert ds.messages["mention_id"].dropna().tolist() == [m.loc["阿吕", "member_id"]]
    assert events(tmp_path / "out")["kind"].value_counts().to_dict() == {"join": 1, "recall": 1}


def test_chunk_shorter_than_its_manifest_is_refused(tmp_path):
    folder = _chunked(tmp_path)
    chunk = folder / "chunks" / "c000002.jsonl"
    chunk.write_text("\n".join(chunk.read_text(encoding="utf-8").splitlines()[:2]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="c000002.jsonl") as err:
        import_exports([folder], tmp_path / "out")
    assert "3" in err.value.zh and "2" in err.value.zh


def test_truncated_chunk_line_and_missing_chunk_are_named(tmp_path):
    folder = _chunked(tmp_path)
    chunk = folder / "chunks" / "c000001.jsonl"
    chunk.write_text(chunk.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    with pytest.raises(DataError) as err:
        import_exports([folder], tmp_path / "out")
    assert err.value.file.endswith("c000001.jsonl") and err.value.line == 4
    (folder / "chunks" / "c000002.jsonl").unlink()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["chunked"]["chunks"] = manifest["chunked"]["chunks"][1:]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(DataError, match="不存在"):
        import_exports([folder], tmp_path / "out")
    assert not (tmp_path / "out").exists()
