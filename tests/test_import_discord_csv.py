"""DiscordChatExporter CSV: counts against the hand-worked fixture.

tests/fixtures/exports/discord_channel.csv (en-US dates, pattern "g", read in --tz), by hand:
- authors alice 501, bob 502, carol 503, dave 504; "Joined the server." rows are joins (bob,
  dave), "Pinned a message." a pin → 4 members, dave the lurker (joins, never posts);
- messages: text 2 (hello all; "notes\\nsecond line" with a PDF attachment: content wins),
  image 1 (bob's photo.png only), link 1 (carol's URL) → in Asia/Shanghai 07-01 → 3, 07-02 → 1;
- "notes\\nsecond line" is 17 characters.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.imports import FIXTURES, copy_fixture, counts, events, load, per_day
from shequn.data import DataError
from shequn.data.importers import import_exports


def test_counts_joins_and_local_dates(tmp_path):
    result = import_exports(
        [copy_fixture(tmp_path, "discord_channel.csv")], tmp_path / "out", keep_names=True
    )
    assert result.format == "discord-csv"
    ds = load(tmp_path / "out")
    assert counts(ds) == {
        "members": 4,
        "types": {"text": 2, "image": 1, "link": 1},
        "lurkers": 1,
        "left": 0,
        "red_packets": 0,
    }
    assert per_day(ds) == {"2024-07-01": 3, "2024-07-02": 1}
    m = ds.members.set_index("nickname")
    assert m.loc["dave", "joined_at"] == pd.Timestamp("2024-07-02 11:00", tz="Asia/Shanghai")
    assert sorted(ds.messages.loc[ds.messages["type"] == "text", "length"]) == [9, 17]
    assert events(tmp_path / "out")["kind"].value_counts().to_dict() == {"join": 2, "pin": 1}


def test_other_tz_shifts_the_days(tmp_path):
    import_exports(
        [copy_fixture(tmp_path, "discord_channel.csv")], tmp_path / "out", tz="America/Los_Angeles"
    )
    assert per_day(load(tmp_path / "out")) == {
        "2024-07-02": 3,
        "2024-07-03": 1,
    }  # 09:00 PDT = 00:00+1 Beijing


def test_wrong_columns_are_refused_naming_the_exporter(tmp_path):
    text = (FIXTURES / "discord_channel.csv").read_text(encoding="utf-8")
    path = tmp_path / "dc.csv"
    path.write_text(text.replace("Attachments,Reactions", "Attachments"), encoding="utf-8")
    with pytest.raises(DataError) as err:
        import_exports([path], tmp_path / "out")
    assert "DiscordChatExporter" in str(err.value)
