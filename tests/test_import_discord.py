"""DiscordChatExporter JSON: counts against the hand-worked fixture.

tests/fixtures/exports/discord_channel.json (Photo Club / #general, +02:00 timestamps):
- 3 GuildMemberJoin (bo, cy, di) + ann who posts first → 4 members, di the lurker, nobody left;
- messages: text 2 (hello all; the reply to bo's photo mentioning bo), image 2 (png attachment,
  sticker), link 1; the pin is an event → per day (Beijing): 07-01 → 3, 07-02 → 2.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.imports import copy_fixture, counts, load, per_day
from shequn.data import DataError
from shequn.data.importers import import_exports


def test_counts_reply_mention_and_offsets(tmp_path):
    result = import_exports(
        [copy_fixture(tmp_path, "discord_channel.json")], tmp_path / "out", keep_names=True
    )
    assert result.format == "discord"
    ds = load(tmp_path / "out")
    assert counts(ds) == {
        "members": 4,
        "types": {"text": 2, "image": 2, "link": 1},
        "lurkers": 1,
        "left": 0,
        "red_packets": 0,
    }
    assert per_day(ds) == {"2024-07-01": 3, "2024-07-02": 2}
    assert ds.messages["sent_at"].iloc[0] == pd.Timestamp("2024-07-01 07:00:00", tz="UTC")
    m = ds.members.set_index("nickname")
    reply = ds.messages.loc[ds.messages["reply_to"].notna()].iloc[0]
    assert reply["mention_id"] == m.loc["Bo B.", "member_id"]
    assert (
        ds.messages.set_index("message_id").loc[reply["reply_to"], "sender_id"] == m.loc["Bo B.", "member_id"]
    )


def test_partitioned_export_in_two_files_is_one_channel(tmp_path):
    root = json.loads(copy_fixture(tmp_path, "discord_channel.json").read_text(encoding="utf-8"))
    first, second = dict(root, messages=root["messages"][:5]), dict(root, messages=root["messages"][5:])
    paths = [tmp_path / "part1.json", tmp_path / "part2.json"]
    for path, part in zip(paths, (first, second), strict=True):
        path.write_text(json.dumps(part), encoding="utf-8")
    import_exports(paths, tmp_path / "out")
    assert counts(load(tmp_path / "out"))["types"] == {"text": 2, "image": 2, "link": 1}


def test_newest_first_export_is_refused_as_running_backwards(tmp_path):
    root = json.loads(copy_fixture(tmp_path, "discord_channel.json").read_text(encoding="utf-8"))
    root["messages"].reverse()
    path = tmp_path / "desc.json"
    path.write_text(json.dumps(root), encoding="utf-8")
    with pytest.raises(DataError) as err:
        import_exports([path], tmp_path / "out")
    assert "时间倒退" in str(err.value) and "backwards" in str(err.value) and str(path) in str(err.value)
    assert not (tmp_path / "out").exists()
