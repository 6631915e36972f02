"""The synthetic generator: determinism, the shipped sample, calibration, the datasheet, and the data CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shequn.data import load_dataset
from shequn.data.calibration import TARGETS, achieved, typed_tables
from shequn.data.calibration_measures import invitation_depths
from shequn.data.design import GeneratorConfig, design
from shequn.data.generate import GENERATOR_VERSION, generate, write_dataset
from shequn.data.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "datasets" / "group_chats"
DATASHEET = ROOT / "datasets" / "README.md"
SAMPLE_SEED, SAMPLE_GROUPS = 2026, 30
SAMPLE_COMMAND = (
    f"shequn data generate --seed {SAMPLE_SEED} --groups {SAMPLE_GROUPS} --out datasets/group_chats"
)
OTHER_SEEDS, OTHER_GROUPS = (1, 2), 150  # fixed in advance; large enough for the invitation statistics


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "shequn.cli", *args], capture_output=True, text=True, encoding="utf-8", cwd=cwd
    )


@pytest.fixture(scope="module")
def sample():
    return load_dataset(SAMPLE)


@pytest.fixture(scope="module")
def datasheet() -> str:
    return DATASHEET.read_text(encoding="utf-8")


# ---------------------------------------------------------------------- determinism and the shipped sample


def test_same_seed_gives_identical_tables_and_another_seed_does_not():
    first, again, other = generate(seed=5, groups=6), generate(seed=5, groups=6), generate(seed=6, groups=6)
    assert list(first) == list(TABLES)
    for name in TABLES:
        assert list(first[name].columns) == TABLES[name].column_names
        pd.testing.assert_frame_equal(first[name], again[name])
    assert not first["messages"].equals(other["messages"])
    assert not first["members"]["joined_at"].equals(other["members"]["joined_at"])


def test_generate_refuses_no_groups():
    with pytest.raises(ValueError, match="groups must be >= 1"):
        generate(seed=1, groups=0)


def test_shipped_sample_is_a_fresh_generation(tmp_path):
    written = write_dataset(
        generate(seed=SAMPLE_SEED, groups=SAMPLE_GROUPS),
        tmp_path / "group_chats",
        seed=SAMPLE_SEED,
        groups=SAMPLE_GROUPS,
    )
    assert sorted(p.name for p in written) == sorted(p.name for p in SAMPLE.iterdir())
    for spec in TABLES.values():  # byte-identical CSVs
        assert (tmp_path / "group_chats" / spec.file).read_bytes() == (SAMPLE / spec.file).read_bytes(), (
            spec.file
        )
    # The provenance note differs only in the --out folder; the shipped one records the exact command.
    fresh = (tmp_path / "group_chats" / "README.txt").read_text(encoding="utf-8").splitlines()
    shipped = (SAMPLE / "README.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in fresh if not line.startswith("command:")] == [
        line for line in shipped if not line.startswith("command:")
    ]
    assert f"command: {SAMPLE_COMMAND}" in shipped
    assert f"generator: shequn.data.generate version {GENERATOR_VERSION}" in shipped
    assert shipped[0].startswith("SYNTHETIC DATA / 合成数据")


def test_design_allocates_the_published_shares():
    plans = design(np.random.default_rng(0), GeneratorConfig(), 20)
    assert Counter(p.lifetime_class for p in plans) == {0: 8, 1: 6, 2: 6}
    assert Counter(p.threshold for p in plans) == {"free": 10, "paid": 5, "invite": 5}
    assert Counter(p.topology for p in plans) == {"mesh": 12, "star": 8}
    for lifetime_class in range(3):  # every lifetime class gets every threshold
        assert {p.threshold for p in plans if p.lifetime_class == lifetime_class} == {
            "free",
            "paid",
            "invite",
        }
    leaving = [p for p in plans if p.owner_leaves]
    assert all(p.lifetime_class == 2 for p in leaving)
    assert Counter(p.topology for p in leaving) == {"star": 1, "mesh": 1}


# --------------------------------------------------------------------------- calibration


def _unmet(table: pd.DataFrame) -> str:
    bad = table.loc[~table["met"], ["key", "target", "tolerance", "achieved"]]
    return bad.to_string(index=False)


def test_every_target_is_met_on_the_shipped_sample(sample):
    table = achieved(sample)
    assert list(table["key"]) == [t.key for t in TARGETS]
    assert table["met"].all(), _unmet(table)


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_every_target_is_met_on_other_seeds(seed):
    table = achieved(generate(seed=seed, groups=OTHER_GROUPS))
    assert table["met"].all(), _unmet(table)


def test_achieved_is_the_same_for_generated_and_loaded_tables(sample):
    loaded = achieved(sample)["achieved"].to_numpy()
    fresh = achieved(generate(seed=SAMPLE_SEED, groups=SAMPLE_GROUPS))["achieved"].to_numpy()
    np.testing.assert_allclose(loaded, fresh, rtol=0, atol=1e-12)


def _hand_tables() -> dict[str, pd.DataFrame]:
    """One group: founder f invites a, a invites b and c, b invites d; e joins freely and invites g."""
    day = lambda d: (pd.Timestamp("2026-01-05T10:00:00+08:00") + pd.Timedelta(days=d)).isoformat()  # noqa: E731
    rows = [
        ("f", "", 0, "founder", ""),
        ("a", "f", 1, "invite", ""),
        ("e", "", 1, "free", day(10)),
        ("b", "a", 2, "invite", day(5)),
        ("c", "a", 9, "invite", ""),
        ("d", "b", 3, "invite", ""),
        ("g", "e", 4, "invite", day(30)),
    ]
    members = pd.DataFrame(
        [
            {
                "member_id": m,
                "group_id": "g1",
                "nickname": m,
                "joined_at": day(j),
                "join_method": how,
                "invited_by": by,
                "left_at": left,
            }
            for m, by, j, how, left in rows
        ]
    )
    groups = pd.DataFrame(
        [
            {
                "group_id": "g1",
                "name": "群",
                "created_at": day(0),
                "threshold": "invite",
                "fee_yuan": 0.0,
                "topology": "mesh",
                "owner_id": "f",
            }
        ]
    )
    messages = pd.DataFrame(
        [
            {
                "message_id": f"x{i}",
                "group_id": "g1",
                "sender_id": s,
                "sent_at": day(d),
                "type": kind,
                "length": 3,
                "reply_to": "",
                "mention_id": "",
            }
            for i, (s, d, kind) in enumerate(
                [("f", 0, "text"), ("a", 2, "image"), ("a", 8, "text"), ("f", 40, "text")]
            )
        ]
    )
    red_packets = pd.DataFrame(columns=TABLES["red_packets"].column_names)
    return typed_tables(
        {"groups": groups, "members": members, "messages": messages, "red_packets": red_packets}
    )


def test_measures_on_hand_made_tables():
    t = _hand_tables()
    by_key = {target.key: target.compute(t) for target in TARGETS if target.key != "max_red_packet_yuan"}
    assert invitation_depths(t["members"]).to_dict() == {"a": 1, "b": 2, "c": 2, "d": 3, "g": 1}
    assert by_key["deep_invitation_share"] == pytest.approx(1 / 5)
    # Invited inviters: a (joined day 1, first invitation day 2) and b (day 2, first invitation day 3).
    assert by_key["first_invitation_within_5_days"] == 1.0
    assert by_key["invitation_interval_within_2_days"] == 0.0  # a's two invitations are 7 days apart
    assert by_key["silent_within_7_days"] == 0.0 and by_key["active_after_30_days"] == 1.0
    assert by_key["mean_lurker_share"] == pytest.approx(5 / 7)
    assert by_key["media_share"] == pytest.approx(1 / 4)
    assert by_key["max_group_size"] == 7


# --------------------------------------------------------------------------- the datasheet


def _markdown_tables(text: str, header_start: str) -> list[tuple[str, list[list[str]]]]:
    """(nearest heading above, rows as cell lists) of each table whose header starts with ``header_start``."""
    lines = text.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.startswith(header_start):
            heading = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].startswith("#")), "")
            rows = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append([cell.strip() for cell in row.strip().strip("|").split("|")])
            found.append((heading, rows))
    return found


def test_datasheet_is_labelled_synthetic(datasheet):
    top = "\n".join(datasheet.splitlines()[:8])
    assert "合成数据" in top and "SYNTHETIC" in top
    assert "Datasheets for Datasets" in datasheet


def test_datasheet_column_tables_equal_the_schema(datasheet):
    tables = _markdown_tables(datasheet, "| 列 column |")
    listed = {}
    for heading, rows in tables:
        name = re.search(r"表 `(\w+)`", heading).group(1)
        assert f"`{TABLES[name].file}`" in heading
        listed[name] = [(r[0].strip("`"), r[1], r[2]) for r in rows]
    assert listed == {name: [(c.name, c.kind, c.unit) for c in spec.columns] for name, spec in TABLES.items()}


def test_datasheet_calibration_table_matches_the_sample(datasheet, sample):
    ((_, rows),) = _markdown_tables(datasheet, "| 指标 key |")
    printed = {r[0].strip("`"): r for r in rows}
    assert list(printed) == [t.key for t in TARGETS]
    recomputed = achieved(sample).set_index("key")["achieved"]
    for target in TARGETS:
        _, _, target_text, tolerance, value, met, _ = printed[target.key]
        assert target_text == target.target_text(), target.key
        assert float(tolerance) == target.tolerance, target.key
        assert abs(float(value) - recomputed[target.key]) <= 0.5 * 10**-target.decimals + 1e-12, target.key
        assert target.met(float(value)) and met == "✓", target.key


def test_datasheet_states_the_command_version_and_sample_size(datasheet, sample):
    assert f"`{SAMPLE_COMMAND}`" in datasheet
    assert f'GENERATOR_VERSION = "{GENERATOR_VERSION}"' in datasheet
    size_row = next(line for line in datasheet.splitlines() if line.startswith("| 规模 size |"))
    numbers = [int(n.replace(",", "")) for n in re.findall(r"(\d[\d,]*) [个条]", size_row)]
    assert numbers == [len(sample.groups), len(sample.members), len(sample.messages), len(sample.red_packets)]


def test_datasheet_csv_examples_load(datasheet, tmp_path):
    for spec in TABLES.values():
        block = re.search(rf"^`{spec.file}`\n\n```text\n(.*?)```", datasheet, flags=re.S | re.M)
        assert block, spec.file
        (tmp_path / spec.file).write_text(block.group(1), encoding="utf-8")
    ds = load_dataset(tmp_path)
    assert (len(ds.groups), len(ds.members), len(ds.messages), len(ds.red_packets)) == (1, 2, 3, 1)


# --------------------------------------------------------------------------- the data CLI


@pytest.mark.parametrize("groups", ["0", "-3"])
def test_cli_generate_without_groups_fails_clearly_and_writes_nothing(tmp_path, groups):
    proc = _cli(
        "data", "generate", "--seed", "1", "--groups", groups, "--out", str(tmp_path / "out"), "--quiet"
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "--groups" in proc.stderr and "≥ 1" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_generate_then_validate_round_trip(tmp_path):
    out = tmp_path / "chats"
    proc = _cli("data", "generate", "--seed", "7", "--groups", "4", "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(["README.txt", *(s.file for s in TABLES.values())])
    assert "SYNTHETIC" in (out / "README.txt").read_text(encoding="utf-8")
    fresh = generate(seed=7, groups=4)
    assert len(fresh["red_packets"]) > 0  # `validate` refuses a header-only file; this seed has red packets
    proc = _cli("data", "validate", *(str(out / s.file) for s in TABLES.values()))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("通过") == len(TABLES)
    ds = load_dataset(out)
    assert {name: len(getattr(ds, name)) for name in TABLES} == {name: len(f) for name, f in fresh.items()}


QQ_EXPORT = """消息记录（此消息记录为文本格式，不支持重新导入）

================================================================
消息分组:我的QQ群
================================================================
消息对象:读书交流群
================================================================

2016-05-09 16:55:01 小王(12345)
大家好，这周读第三章。
第二行也是这条消息。

2016-05-09 16:56:10 小李<li@example.com>
[图片]

2016-05-09 17:02:45 小王(12345)
@小李 这张图是哪一页？ https://example.com/page

2016-05-10 20:00:00 小张(67890)
[QQ红包]我发了一个“拼手气红包”
"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_cli_import_qq_writes_tables_that_load(tmp_path, encoding):
    export = tmp_path / "读书群.txt"
    export.write_bytes(QQ_EXPORT.encode(encoding))
    proc = _cli(
        "data", "import-qq", str(export), "--out", str(tmp_path / "qq"), "--group-id", "qq7", "--keep-names"
    )
    assert proc.returncode == 0, proc.stderr
    ds = load_dataset(tmp_path / "qq")
    assert ds.groups.loc[0, "name"] == "读书交流群" and ds.groups.loc[0, "threshold"] == "unknown"
    assert ds.members["nickname"].tolist() == ["小王", "小李", "小张"]
    assert (ds.members["join_method"] == "unknown").all()
    assert ds.messages["type"].tolist() == ["text", "image", "link", "red_packet"]
    assert ds.messages.loc[2, "mention_id"] == ds.members.loc[1, "member_id"]
    assert ds.messages.loc[0, "length"] == len("大家好，这周读第三章。\n第二行也是这条消息。")
    assert ds.messages.loc[3, "sent_at"] == pd.Timestamp("2016-05-10 20:00:00", tz="Asia/Shanghai")
    assert ds.red_packets.empty  # amounts are not in the export


def test_cli_import_qq_without_message_lines_fails_and_writes_nothing(tmp_path):
    export = tmp_path / "notes.txt"
    export.write_text("消息记录\n消息对象:读书交流群\n这里没有任何消息行。\n", encoding="utf-8")
    proc = _cli("data", "import-qq", str(export), "--out", str(tmp_path / "qq"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert (
        str(export) in proc.stderr
        and "没有找到任何消息行" in proc.stderr
        and "no message lines found" in proc.stderr
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# ---------------------------------------------------------------------- the generator's rules, on its output


@pytest.mark.parametrize("seed", [9, 10])
def test_generated_tables_obey_the_generators_rules(seed):
    """Rules the module docstring states, checked by pandas joins on the typed tables (not the generator)."""
    t = typed_tables(generate(seed=seed, groups=40))
    groups, members, messages, packets = (t[name] for name in TABLES)
    by_sender = messages.merge(members, left_on="sender_id", right_on="member_id", suffixes=("", "_member"))
    assert len(by_sender) == len(messages) and (by_sender["group_id"] == by_sender["group_id_member"]).all()
    # Nobody posts before joining or after leaving.
    assert (by_sender["sent_at"] >= by_sender["joined_at"]).all()
    assert (by_sender["left_at"].isna() | (by_sender["sent_at"] < by_sender["left_at"])).all()
    # Replies go to an earlier message of someone else in the same group; a mention names the replied-to
    # member.
    replies = messages.dropna(subset=["reply_to"]).merge(
        messages, left_on="reply_to", right_on="message_id", suffixes=("", "_target")
    )
    assert len(replies) == messages["reply_to"].notna().sum() > 0
    assert (replies["group_id"] == replies["group_id_target"]).all()
    assert (replies["sent_at_target"] <= replies["sent_at"]).all()
    assert (replies["sender_id"] != replies["sender_id_target"]).all()
    mentions = replies.dropna(subset=["mention_id"])
    assert len(mentions) == messages["mention_id"].notna().sum() > 0
    assert (mentions["mention_id"] == mentions["sender_id_target"]).all()
    # Every red packet is one red_packet message with the same sender, group and time; 1 <= claimed <= shares.
    both = packets.merge(messages, on="message_id", suffixes=("", "_message"))
    assert len(both) == len(packets) == (messages["type"] == "red_packet").sum() > 0
    for col in ("group_id", "sender_id", "sent_at"):
        assert (both[col] == both[f"{col}_message"]).all(), col
    assert (both["type"] == "red_packet").all() and (both["length"] == 0).all()
    assert ((1 <= packets["claimed"]) & (packets["claimed"] <= packets["shares"])).all()
    # The owner founded the group; only paid groups charge a fee.
    owners = groups.merge(members, left_on="owner_id", right_on="member_id", suffixes=("", "_member"))
    assert (owners["join_method"] == "founder").all() and (
        owners["group_id"] == owners["group_id_member"]
    ).all()
    assert ((groups["fee_yuan"] > 0) == (groups["threshold"] == "paid")).all()
    # An inviter is in the same group, joined no later (same clock hour at most) and had not left.
    invited = members.dropna(subset=["invited_by"]).merge(
        members, left_on="invited_by", right_on="member_id", suffixes=("", "_inviter")
    )
    assert len(invited) == members["invited_by"].notna().sum() > 0
    assert (invited["group_id"] == invited["group_id_inviter"]).all()
    assert (invited["joined_at_inviter"].dt.floor("h") <= invited["joined_at"]).all()
    assert (invited["left_at_inviter"].isna() | (invited["left_at_inviter"] > invited["joined_at"])).all()
