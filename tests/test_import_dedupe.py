"""Two files of one chat: records that are the same (time, sender, content hash) are kept once.

The hand-built export of tests/test_import_identity.py (12 records) is cut into two files
that overlap: lines 1–8 and lines 5–12, so records 5–8 (2 notices, 2 messages) are in
both → 4 merged, and the import equals the import of the whole file.  Inside one file two
equal records (the same "+1" twice in a second) are two messages, never merged.
"""

from __future__ import annotations

import pandas as pd

from helpers.imports import load
from shequn.data.importers import import_exports
from test_import_identity import LINES, _export


def test_overlapping_files_equal_the_whole_and_report_merged(tmp_path):
    whole = import_exports([_export(tmp_path / "all.txt")], tmp_path / "whole", keep_names=True)
    first, second = _export(tmp_path / "a.txt", LINES[:8]), _export(tmp_path / "b.txt", LINES[4:])
    both = import_exports([first, second], tmp_path / "both", keep_names=True)
    assert both.summary["merged_duplicates"] == 4 and whole.summary["merged_duplicates"] == 0
    for name in ("members", "messages"):
        a, b = getattr(load(tmp_path / "whole"), name), getattr(load(tmp_path / "both"), name)
        pd.testing.assert_frame_equal(a, b)
    assert both.summary["events_by_kind"] == whole.summary["events_by_kind"]


def test_the_same_file_twice_merges_everything(tmp_path):
    path = _export(tmp_path / "a.txt")
    result = import_exports([path, path], tmp_path / "out")
    assert result.summary["merged_duplicates"] == len(LINES) and result.summary["messages"] == 6


def test_equal_lines_inside_one_file_are_two_messages(tmp_path):
    lines = [("09:00:00", "小王(10001)", "+1"), ("09:00:00", "小王(10001)", "+1")]
    result = import_exports([_export(tmp_path / "a.txt", lines)], tmp_path / "out")
    assert result.summary["messages"] == 2 and result.summary["merged_duplicates"] == 0
    again = import_exports(
        [_export(tmp_path / "b.txt", lines), _export(tmp_path / "c.txt", lines[:1])], tmp_path / "out2"
    )
    assert again.summary["messages"] == 2 and again.summary["merged_duplicates"] == 1


def test_chatlab_json_and_jsonl_of_one_chat_merge(tmp_path):
    from helpers.imports import FIXTURES

    one = import_exports([FIXTURES / "chatlab_group.json"], tmp_path / "one")
    two = import_exports(
        [FIXTURES / "chatlab_group.json", FIXTURES / "chatlab_group.jsonl"], tmp_path / "two"
    )
    assert two.summary["messages"] == one.summary["messages"] == 5
    assert two.summary["members"] == one.summary["members"] == 3
    assert two.summary["merged_duplicates"] == 5 + 2 + 3  # messages, 2 events, 3 listed members
