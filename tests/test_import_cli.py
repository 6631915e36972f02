"""`shequn data import`: privacy defaults, format list, detection, and every kind of bad input.

Bad input must fail with a bilingual message naming the file, without a traceback,
and leave the output folder exactly as it was.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from helpers.imports import FIXTURES, ROOT, cli, copy_fixture, counts, load
from shequn.data import DataError
from shequn.data.importers import FORMATS, import_exports

sys.path.insert(0, str(ROOT / "benchmarks"))
from import_bench import make_qq_text  # noqa: E402

REAL_NAMES = ["小王", "小李", "小赵", "小钱", "小孙", "10001", "10002", "10004", "10005", "10006"]


def _all_output(out: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.iterdir()))


def test_format_list_names_every_format():
    proc = cli("data", "import", "--format", "list")
    assert proc.returncode == 0, proc.stderr
    for name in FORMATS:
        assert name in proc.stdout


def test_default_import_is_pseudonymised_text_free_and_notes_pipl(tmp_path):
    export = copy_fixture(tmp_path, "qq_text_export_all.txt")
    proc = cli("data", "import", str(export), "--out", str(tmp_path / "out"), "--group", "读书交流群")
    assert proc.returncode == 0, proc.stderr
    assert "PIPL" in proc.stdout and "同意" in proc.stdout and "consent" in proc.stdout
    out = tmp_path / "out"
    assert (out / "PRIVACY.txt").exists() and not (out / "message_texts.csv").exists()
    written = _all_output(out)
    for secret in REAL_NAMES + ["第三章", "明天见", "example.com"]:
        assert secret not in written, secret
    ds = load(out)
    assert ds.members["nickname"].str.fullmatch(r"成员-[0-9a-f]{8}").all()
    assert ds.members["nickname"].nunique() == len(ds.members)


def test_salt_is_per_import(tmp_path):
    export = copy_fixture(tmp_path, "telegram_result.json")
    import_exports([export], tmp_path / "a")
    import_exports([export], tmp_path / "b")
    import_exports([export], tmp_path / "c", salt=b"s")
    import_exports([export], tmp_path / "d", salt=b"s")
    names = {k: load(tmp_path / k).members["nickname"].tolist() for k in "abcd"}
    assert set(names["a"]).isdisjoint(names["b"])
    assert names["c"] == names["d"]


def test_keep_text_then_default_removes_the_texts(tmp_path):
    export = copy_fixture(tmp_path, "discord_channel.json")
    out = tmp_path / "out"
    assert cli("data", "import", str(export), "--out", str(out), "--keep-text").returncode == 0
    texts = (out / "message_texts.csv").read_text(encoding="utf-8")
    assert "hello all" in texts and texts.count("\n") == 1 + 5
    assert cli("data", "import", str(export), "--out", str(out)).returncode == 0
    assert not (out / "message_texts.csv").exists()


def test_import_qq_alias_and_validate_accept_the_output(tmp_path):
    export = copy_fixture(tmp_path, "qq_text_export_all.txt")
    proc = cli("data", "import-qq", str(export), "--out", str(tmp_path / "out"), "--group", "读书交流群")
    assert proc.returncode == 0, proc.stderr
    files = sorted(str(p) for p in (tmp_path / "out").glob("*.csv"))  # as in `shequn data validate out/*.csv`
    assert len(files) == 5  # the four tables and events.csv
    proc = cli("data", "validate", *files)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("通过") == 4 and proc.stdout.count("跳过") == 1


def test_generated_export_counts_match_construction(tmp_path):
    export = tmp_path / "big.txt"
    expected = make_qq_text(export, lines=3000, seed=5)
    result = import_exports([export], tmp_path / "out")
    ds = load(tmp_path / "out")
    got = counts(ds)
    assert got["members"] == expected["members"]
    assert got["types"] == {k: v for k, v in expected["types"].items() if v}
    assert got["lurkers"] == expected["lurkers"]
    assert got["red_packets"] == expected["red_packets"]
    assert result.summary["joins"] == expected["joins"] and result.summary["leaves"] == expected["leaves"]


def _bad_cases(tmp_path: Path) -> dict[str, tuple[Path, str, str]]:
    cases = {}
    tg = (FIXTURES / "telegram_result.json").read_text(encoding="utf-8")
    p = tmp_path / "cut.json"
    p.write_text(tg[: len(tg) // 2], encoding="utf-8")
    cases["truncated_json"] = (p, "JSON 不完整", "truncated JSON")
    lines = (FIXTURES / "wechat_chatlog.csv").read_text(encoding="utf-8").splitlines()
    p = tmp_path / "garbage.csv"
    p.write_text("\n".join(lines[:2] + ["\x01\x02,垃圾", "?"] + lines[2:]) + "\n", encoding="utf-8")
    cases["garbage_rows"] = (p, "字段", "fields")
    text = (
        (FIXTURES / "qq_text_export_all.txt")
        .read_text(encoding="utf-8")
        .split("=" * 64 + "\n消息分组:我的好友")[0]
    )
    p = tmp_path / "backwards.txt"
    p.write_text(text.replace("2024-03-03 10:00:00", "2024-02-28 10:00:00"), encoding="utf-8")
    cases["backwards"] = (p, "时间倒退", "backwards")
    p = tmp_path / "huge.txt"
    with p.open("wb") as fh:
        fh.truncate(2 * 1024**3)  # sparse: 2 GB on paper, no disk used
    cases["two_gigabytes"] = (p, "文件太大", "too large")
    p = tmp_path / "wechatmsg.csv"
    p.write_text(
        "localId,TalkerId,Type,IsSender,CreateTime,StrContent,StrTime,NickName,Sender\n"  # columns missing
        "1,2,1,1,1700000000,hi,2023-11-14 22:13:20,a,wxid_a\n",
        encoding="utf-8",
    )
    cases["wechatmsg_csv"] = (p, "WeChatMsg", "WeChatMsg")
    p = tmp_path / "messages.html"
    p.write_text("<!DOCTYPE html><html><body>chat</body></html>", encoding="utf-8")
    cases["html"] = (p, "HTML", "HTML")
    p = tmp_path / "odd.json"
    p.write_text(json.dumps({"conversation": []}), encoding="utf-8")
    cases["unknown_json"] = (p, "无法识别", "unrecognised JSON")
    p = tmp_path / "db.sqlite"
    p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    cases["sqlite"] = (p, "SQLite", "SQLite")
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    cases["empty"] = (p, "空", "empty")
    qq = (FIXTURES / "qq_text_export_all.txt").read_text(encoding="utf-8")
    p = tmp_path / "mixed.txt"
    p.write_bytes(qq.encode("utf-8") + "\n2024-03-05 09:00:00 小王(10001)\n再见\n".encode("gbk"))
    cases["mixed_encodings"] = (p, "混有两种编码", "mixed encodings")
    cl = (FIXTURES / "chatlab_group.jsonl").read_text(encoding="utf-8")
    p = tmp_path / "cut.jsonl"
    p.write_text(cl[:-30], encoding="utf-8")
    cases["truncated_chatlab_jsonl"] = (p, "不是完整的 JSON", "not a complete JSON line")
    p = tmp_path / "dce.csv"
    p.write_text("AuthorID,Author,Date,Content\n1,a,7/1/2024 9:00 AM,hi\n", encoding="utf-8")
    cases["discord_csv_wrong_columns"] = (p, "DiscordChatExporter", "DiscordChatExporter")
    return cases


@pytest.mark.parametrize(
    "case",
    [
        "truncated_json",
        "garbage_rows",
        "backwards",
        "two_gigabytes",
        "wechatmsg_csv",
        "html",
        "unknown_json",
        "sqlite",
        "empty",
        "mixed_encodings",
        "truncated_chatlab_jsonl",
        "discord_csv_wrong_columns",
    ],
)
def test_bad_input_fails_clearly_and_leaves_the_output_untouched(tmp_path, case):
    path, zh, en = _bad_cases(tmp_path)[case]
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier work", encoding="utf-8")
    proc = cli("data", "import", str(path), "--out", str(out))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert str(path) in proc.stderr and zh in proc.stderr and en in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no staging left behind


def test_unsupported_csv_never_suggests_a_false_rename(tmp_path):
    path = _bad_cases(tmp_path)["wechatmsg_csv"][0]
    proc = cli("data", "validate", "--table", "messages", str(path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "IsSender」是否应为" not in proc.stderr and "shequn data import" in proc.stderr
    proc = cli("data", "import", str(path), "--out", str(tmp_path / "o"))
    assert "IsSender" not in proc.stderr
    json_file = copy_fixture(tmp_path, "telegram_result.json")
    proc = cli("data", "validate", "--table", "messages", str(json_file))
    assert "shequn data import" in proc.stderr and "Convert it to CSV" not in proc.stderr


def test_forced_wrong_format_and_bad_tz_are_explained(tmp_path):
    export = copy_fixture(tmp_path, "telegram_result.json")
    with pytest.raises(DataError, match="discord"):
        import_exports([export], tmp_path / "o", fmt="discord")
    with pytest.raises(DataError, match="Mars/Olympus"):
        import_exports([export], tmp_path / "o", tz="Mars/Olympus")
    with pytest.raises(DataError, match="unknown format"):
        import_exports([export], tmp_path / "o", fmt="icq")
    assert not (tmp_path / "o").exists()


def test_lines_are_named_for_mixed_encodings_and_truncated_jsonl(tmp_path):
    cases = _bad_cases(tmp_path)
    qq_lines = (FIXTURES / "qq_text_export_all.txt").read_text(encoding="utf-8").count("\n")
    proc = cli("data", "import", str(cases["mixed_encodings"][0]), "--out", str(tmp_path / "o"))
    assert f"第 {qq_lines + 2} 行" in proc.stderr  # the GBK header line follows the UTF-8 part
    proc = cli("data", "import", str(cases["truncated_chatlab_jsonl"][0]), "--out", str(tmp_path / "o"))
    assert "第 12 行" in proc.stderr and "line 12" in proc.stderr and "ChatLab" in proc.stderr
    proc = cli("data", "import", str(cases["truncated_json"][0]), "--out", str(tmp_path / "o"))
    assert "Telegram Desktop" in proc.stderr  # the likely exporter of a file cut in half


def test_over_max_mb_is_refused_before_reading(tmp_path):
    path = tmp_path / "g.json"
    path.write_bytes((FIXTURES / "chatlab_group.json").read_bytes())
    proc = cli("data", "import", str(path), "--out", str(tmp_path / "o"), "--max-mb", "0.001")
    assert (
        proc.returncode == 1
        and "文件太大" in proc.stderr
        and "too large" in proc.stderr
        and str(path) in proc.stderr
    )
    assert "Traceback" not in proc.stderr and not (tmp_path / "o").exists()


def test_multi_chat_file_without_group_lists_the_chats(tmp_path):
    proc = cli("data", "import", str(FIXTURES / "qq_text_export_all.txt"), "--out", str(tmp_path / "o"))
    assert (
        proc.returncode == 1
        and "读书交流群" in proc.stderr
        and "小王" in proc.stderr
        and "--group" in proc.stderr
    )
    assert not (tmp_path / "o").exists()
