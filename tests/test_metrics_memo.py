"""The metrics' shared lookups: memoised on immutable Arrow columns, never on stale data; both join sides.

Expected values come from plain-Python dictionaries and loops, not from the package.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from helpers.metric_tables import msgs, tables
from shequn import metrics as M
from shequn.metrics import _memo
from shequn.metrics._columns import codes, positions


def _first_positions(values, keys) -> list[int]:
    """Position of each value's first occurrence among the keys, -1 if absent or missing (a dict)."""
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if isinstance(key, str):
            first.setdefault(key, i)
    return [first.get(v, -1) if isinstance(v, str) else -1 for v in values]


@pytest.fixture(autouse=True)
def _empty_memo():
    _memo.clear()
    yield
    _memo.clear()


def test_a_lookup_is_reused_for_the_same_column_and_recomputed_when_a_value_changes():
    messages = pd.Series(["a", "b", "c", "a"], dtype="str")
    members = pd.Series(["c", "a"], dtype="str")
    first = positions(messages, members)
    assert first.tolist() == [1, -1, 0, 1]
    assert positions(messages, members) is first  # the same column: the stored result
    assert not first.flags.writeable  # nobody can change what the next caller gets
    before = messages.copy()  # keeps the old values (and their Arrow array) alive
    messages.iloc[1] = "c"  # pandas gives the column a new Arrow array
    assert positions(messages, members).tolist() == [1, 0, 0, 1]
    assert positions(before, members) is first
    members.iloc[0] = "b"
    assert positions(messages, members).tolist() == [1, -1, -1, 1]


def test_codes_follow_a_changed_column():
    groups = pd.Series(["g2", "g1", None, "g2"], dtype="str")
    code, names = codes(groups)
    assert (code.tolist(), list(names)) == ([1, 0, -1, 1], ["g1", "g2"])
    groups.iloc[2] = "g0"
    code, names = codes(groups)
    assert (code.tolist(), list(names)) == ([2, 1, 0, 2], ["g0", "g1", "g2"])


def test_numpy_backed_columns_are_never_memoised():
    values = pd.Series(["a", "b"], dtype=object)
    keys = pd.Series(["b", "a"], dtype=object)
    assert positions(values, keys).tolist() == [1, 0]
    keys.iloc[0], keys.iloc[1] = "a", "b"  # numpy buffers are changed in place
    assert positions(values, keys).tolist() == [0, 1]
    assert len(_memo._entries) == 0


def test_a_result_is_dropped_with_its_column():
    keys = pd.Series(["x", "y"], dtype="str")
    values = pd.Series(["y"] * 3, dtype="str")
    positions(values, keys)
    assert len(_memo._entries) == 1
    del values
    gc.collect()
    assert len(_memo._entries) == 0


def test_the_memo_keeps_at_most_its_limit():
    keys = pd.Series(["k"], dtype="str")
    columns = [pd.Series(["k", str(i)], dtype="str") for i in range(_memo.MAX_ENTRIES + 5)]
    for column in columns:
        assert positions(column, keys).tolist() == [0, -1]
    assert len(_memo._entries) == _memo.MAX_ENTRIES


@pytest.mark.parametrize("seed", range(4))
def test_positions_match_a_dictionary_on_both_sides_of_the_hash_join(seed):
    """Few values among many keys (the table is built on the values) and the other way round;
    repeated keys give their first position, missing values and keys never match."""
    rng = np.random.default_rng(seed)
    alphabet = np.array([f"id{i}" for i in range(50)] + [None], dtype=object)
    for n_values, n_keys in [(5, 200), (200, 5), (30, 61), (0, 10), (10, 0), (1, 1)]:
        values = pd.Series(rng.choice(alphabet, n_values), dtype="str")
        keys = pd.Series(rng.choice(alphabet, n_keys), dtype="str")
        expected = _first_positions(values, keys)
        assert positions(values, keys).tolist() == expected
        assert positions(values.astype("category"), keys).tolist() == expected
        assert positions(
            values.astype(object), keys.astype(object).drop_duplicates()
        ).tolist() == _first_positions(values, keys.drop_duplicates())


def _activity_by_hand(rows: list[dict], freq: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(group, period start) -> (distinct senders, messages) from Python dates in Beijing time."""
    senders, counts = defaultdict(set), Counter()
    for row in rows:
        day = pd.Timestamp(row["sent_at"]).date()  # the rows' times are naive Beijing times
        if freq == "W":
            day -= timedelta(days=day.weekday())
        cell = (row["group_id"], str(day))
        counts[cell] += 1
        if row["sender_id"]:
            senders[cell].add(row["sender_id"])
    return {cell: (len(senders[cell]), n) for cell, n in counts.items()}


@pytest.mark.parametrize("n_groups", [3, 700])
def test_activity_matches_dates_worked_out_by_hand_on_a_dense_and_a_sparse_calendar(n_groups):
    """3 groups over six years fill a small (group, day) grid; 700 groups over six years do not
    (the sparse path).  Times before 1970 and around midnight in Beijing included."""
    rows = []
    for g in range(n_groups):
        times = [
            "1969-12-31T23:30",
            "1970-01-01T00:30",
            "2020-02-29T23:59",
            "2026-01-12T00:00",
            "2026-01-11T23:59",
        ][: 2 + g % 4]
        rows += msgs(f"g{g:03d}", f"s{g % 7}", times, start=0)
        rows += msgs(f"g{g:03d}", f"s{(g + 1) % 7}", times[-1:], start=10)
    rows += msgs("g000", "", ["2026-01-12T08:00"], start=20)
    messages = tables(messages=rows)["messages"]
    messages.loc[messages["message_id"] == "g000--20", "sender_id"] = None  # a message with no sender
    for freq in ("D", "W"):
        got = M.activity(messages, freq)
        assert got["period"].dt.tz is None
        assert got[["group_id", "period"]].equals(
            got[["group_id", "period"]].sort_values(["group_id", "period"])
        )
        table = {(r.group_id, str(r.period.date())): (r.active_members, r.messages) for r in got.itertuples()}
        assert table == _activity_by_hand(rows, freq)
