"""Loading: bad input gets a bilingual message naming file, line, column (API and CLI); type conversion."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from shequn.data import DataError, as_typed, load_dataset, read_table, validate_file
from shequn.data.generate import generate, write_dataset
from shequn.data.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "datasets" / "group_chats"
HEADER = "group_id,name,created_at,threshold,fee_yuan,topology,owner_id\n"
ROW1 = "g1,读书群,2026-03-01T09:15:00+08:00,free,0,mesh,m1\n"
ROW2 = "g2,跑步群,2026-03-02T09:15:00+08:00,paid,9.9,star,m5\n"


def _write(tmp_path: Path, content: bytes | str, name: str = "groups.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _xlsx(tmp_path: Path) -> Path:
    path = tmp_path / "groups.csv"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return path


BAD = {
    "empty": (b"", "文件是空的", "empty", None, None),
    "header_only": (HEADER, "只有表头", "header only", 2, None),
    "binary": (b"\x00\x01\x02garbage\xff\xfe" * 100, "二进制", "binary", None, None),
    "json": ('[{"group_id": "g1"}]', "JSON", "JSON", None, None),
    "missing_column": (
        HEADER.replace(",owner_id", "") + ROW1.rsplit(",", 1)[0] + "\n",
        "缺少列：owner_id",
        "missing column",
        1,
        "owner_id",
    ),
    "renamed_column": (
        HEADER.replace("created_at", "create_time") + ROW1,
        "「create_time」是否应为「created_at」",
        "missing column",
        1,
        "created_at",
    ),
    "bad_timestamp": (
        HEADER + ROW1.replace("2026-03-01T09:15:00+08:00", "昨天下午"),
        "无法解析的时间",
        "unparseable",
        2,
        "created_at",
    ),
    "future_timestamp": (
        HEADER + ROW1 + ROW2.replace("2026-03-02", "2099-03-02"),
        "在未来",
        "future",
        3,
        "created_at",
    ),
    "duplicate_row": (HEADER + ROW1 + ROW2 + ROW1, "完全重复", "duplicate row", 4, None),
    "duplicate_id": (
        HEADER + ROW1 + ROW2.replace("g2,", "g1,"),
        "编号「g1」重复",
        "duplicate id",
        3,
        "group_id",
    ),
    "truncated": (HEADER + ROW1 + "g2,跑步群,2026-03-02T09:1", "最后一行不完整", "truncated", 3, None),
    "naive_and_offset": (
        HEADER + ROW1 + ROW2.replace("T09:15:00+08:00", " 09:15:00"),
        "时区不一致",
        "mixed time zones",
        3,
        "created_at",
    ),
    "bad_category": (
        HEADER + ROW1.replace(",free,", ",vip,"),
        "不在允许范围内",
        "not allowed",
        2,
        "threshold",
    ),
    "not_a_number": (HEADER + ROW1.replace(",0,", ",免费,"), "不是数字", "not a number", 2, "fee_yuan"),
    "latin1": (
        "group_id,name,created_at,threshold,fee_yuan,topology,owner_id\ng1,caf\xe9,2026-03-01T09:15:00+08:00,free,0,mesh,m1\n".encode(
            "latin-1"
        ),
        "UTF-8",
        "UTF-8",
        2,
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_is_refused_with_a_clear_message(tmp_path, case):
    content, zh, en, line, column = BAD[case]
    path = _write(tmp_path, content)
    with pytest.raises(DataError) as err:
        read_table(path, "groups")
    message = str(err.value)
    assert str(path) in message and zh in message and en in message
    assert err.value.line == line
    assert err.value.column == column


def test_excel_file_is_refused(tmp_path):
    with pytest.raises(DataError, match="Excel"):
        read_table(_xlsx(tmp_path), "groups")


@pytest.mark.parametrize("case", sorted(BAD))
def test_cli_reports_bad_file_without_traceback_and_keeps_going(tmp_path, case):
    content, zh, en, line, _ = BAD[case]
    bad = _write(tmp_path, content)
    good = SAMPLE / "groups.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "shequn.cli", "data", "validate", str(bad), str(good)],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert str(bad) in proc.stderr and en in proc.stderr
    assert f"{good}：通过" in proc.stdout  # the rest of the batch goes on
    assert sorted(p.name for p in tmp_path.iterdir()) == ["groups.csv"]  # nothing written


def test_gbk_and_bom_files_are_read_correctly(tmp_path):
    text = HEADER + ROW1 + ROW2
    expected = read_table(_write(tmp_path, text, "utf8.csv"), "groups")
    for name, data in [("gbk.csv", text.encode("gbk")), ("bom.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))]:
        got = read_table(_write(tmp_path, data, name), "groups")
        pd.testing.assert_frame_equal(got, expected)
        assert got.loc[0, "name"] == "读书群"
        assert validate_file(tmp_path / name, "groups") == 2


def test_mixed_offsets_are_normalised_to_beijing_time(tmp_path):
    path = _write(tmp_path, HEADER + ROW1 + ROW2.replace("T09:15:00+08:00", "T01:15:00Z"))
    frame = read_table(path, "groups")
    assert str(frame["created_at"].dt.tz) == "Asia/Shanghai"
    assert frame.loc[1, "created_at"] == pd.Timestamp("2026-03-02 09:15:00", tz="Asia/Shanghai")


def test_huge_file_is_refused_by_size_without_reading_it(tmp_path):
    path = tmp_path / "messages.csv"
    with path.open("wb") as fh:  # a sparse 3 GB file: costs no disk, would exhaust memory if read
        fh.write(b"message_id,group_id,sender_id,sent_at,type,length,reply_to,mention_id\n")
        fh.truncate(3 * 1024**3)
    with pytest.raises(DataError, match="文件太大") as err:
        read_table(path, "messages")
    assert "shequn data validate" in str(err.value)
    with pytest.raises(DataError, match="binary"):  # streaming validation looks at the bytes and stops early
        validate_file(path, "messages")


def test_streaming_validation_finds_errors_across_chunks(tmp_path):
    rows = [f"g{i},群{i},2026-03-01T09:15:00+08:00,free,0,mesh,m{i}\n" for i in range(1000)]
    rows[750] = rows[10].replace("群10", "另一个群")  # a duplicate id (not a duplicate row) in a later chunk
    path = _write(tmp_path, HEADER + "".join(rows))
    with pytest.raises(DataError, match="编号重复") as err:
        validate_file(path, "groups", chunk_rows=100)
    assert err.value.line == 752
    rows[750] = "g750,群,2026-03-01T09:15:00+08:00,free,0,mesh,m1\n"
    path = _write(tmp_path, HEADER + "".join(rows))
    assert validate_file(path, "groups", chunk_rows=100) == 1000


def test_dataset_links_are_checked_and_nothing_is_half_loaded(tmp_path):
    for f in SAMPLE.glob("*.csv"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    lines = (tmp_path / "messages.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[5].split(",")
    fields[2] = "m999999"  # a sender who is not a member
    lines[5] = ",".join(fields)
    (tmp_path / "messages.csv").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError, match="m999999") as err:
        load_dataset(tmp_path)
    assert err.value.line == 6 and err.value.column == "sender_id"


def test_sample_dataset_loads_with_the_right_types():
    ds = load_dataset(SAMPLE)
    assert str(ds.messages["sent_at"].dt.tz) == "Asia/Shanghai"
    assert ds.messages["length"].dtype == "int64"
    assert set(ds.groups["threshold"]) <= {"free", "paid", "invite"}
    assert ds.members["invited_by"].isna().any() and ds.members["invited_by"].notna().any()


def test_cli_refuses_excel_and_huge_files_clearly(tmp_path):
    excel = _xlsx(tmp_path)
    huge = tmp_path / "messages.csv"
    with huge.open("wb") as fh:
        fh.write(b"message_id,group_id,sender_id,sent_at,type,length,reply_to,mention_id\n")
        fh.truncate(3 * 1024**3)
    proc = subprocess.run(
        [sys.executable, "-m", "shequn.cli", "data", "validate", str(excel), str(huge)],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "Excel" in proc.stderr and "binary" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["groups.csv", "messages.csv"]


# ---------------------------------------------------------------------- type conversion (shequn.data.convert)


def test_as_typed_gives_generated_tables_the_types_of_loaded_ones(tmp_path):
    raw = generate(seed=3, groups=4)
    write_dataset(raw, tmp_path / "chats", seed=3, groups=4)
    loaded = load_dataset(tmp_path / "chats")  # the other path: CSV files read and validated
    typed = as_typed(raw)
    for name, frame in typed.items():
        other = getattr(loaded, name)
        times = [c for c in frame if isinstance(other[c].dtype, pd.DatetimeTZDtype)]
        assert times == [c for c in frame if isinstance(frame[c].dtype, pd.DatetimeTZDtype)], name
        # the same values; the storage of strings (object or str, None or NaN) and the datetime resolution
        # may differ
        ns = {c: "datetime64[ns, Asia/Shanghai]" for c in times}
        plain = [c for c in frame if c not in times]
        pd.testing.assert_frame_equal(frame[times].astype(ns), other[times].astype(ns), obj=name)
        a, b = frame[plain].astype(object), other[plain].astype(object)
        pd.testing.assert_frame_equal(a.where(a.notna(), None), b.where(b.notna(), None), obj=name)


def test_as_typed_handles_empty_and_blank_time_columns():
    raw = {
        name: pd.DataFrame({c: pd.Series([], dtype=str) for c in spec.column_names})
        for name, spec in TABLES.items()
    }
    raw["members"] = pd.DataFrame(
        [
            {
                "member_id": "a",
                "group_id": "g1",
                "nickname": "某",
                "joined_at": "2026-01-05T08:00:00+08:00",
                "join_method": "free",
                "invited_by": "",
                "left_at": "",
            }
        ]
    )  # nobody left, no red packets
    t = as_typed(raw)
    assert (
        isinstance(t["members"]["left_at"].dtype, pd.DatetimeTZDtype) and t["members"]["left_at"].isna().all()
    )
    assert isinstance(t["red_packets"]["sent_at"].dtype, pd.DatetimeTZDtype)
    assert str(t["members"]["joined_at"].dt.tz) == "Asia/Shanghai"
    assert t["members"].loc[0, "joined_at"] == pd.Timestamp("2026-01-05T00:00:00Z")
    assert t["members"]["invited_by"].isna().all()
