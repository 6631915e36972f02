"""The trusted grader's per-run cache of hidden data (shequn.grading.trusted.memo)."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from shequn.grading.trusted.memo import _memoized, cached_data


def _counting():
    calls = []

    def make(seed, groups=2):
        calls.append((seed, groups))
        return {"t": pd.DataFrame({"seed": [seed] * groups, "x": range(groups)})}

    return make, calls


def test_a_result_is_made_once_per_run_and_every_caller_gets_its_own_copy(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    make, calls = _counting()
    first = _memoized(make, folder, {})(7, groups=3)
    first["t"].loc[0, "x"] = 99  # a test changing its table changes nobody else's
    # another notebook of the run: a new process memory, the same folder
    second = _memoized(make, folder, {})(7, groups=3)
    assert calls == [(7, 3)]
    pd.testing.assert_frame_equal(second["t"], pd.DataFrame({"seed": [7, 7, 7], "x": [0, 1, 2]}))
    assert _memoized(make, folder, {})(8, groups=3)["t"]["seed"].tolist() == [8, 8, 8]
    assert calls == [(7, 3), (8, 3)]


def test_calls_with_other_than_plain_arguments_are_not_cached(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    make, calls = _counting()
    cached = _memoized(make, folder, {})
    cached([1], groups=1)
    cached([1], groups=1)
    assert calls == [([1], 1), ([1], 1)]
    assert list(folder.iterdir()) == []


def test_cached_data_patches_only_inside_the_block(tmp_path):
    import shequn.data.generate as gen

    original = gen.generate
    with cached_data(tmp_path / "cache"):
        assert gen.generate is not original and gen.generate.__wrapped__ is original
        made = gen.generate(seed=3, groups=2)
    assert gen.generate is original
    for name, table in original(seed=3, groups=2).items():
        pd.testing.assert_frame_equal(made[name], table)
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1


def test_a_cache_folder_others_can_open_is_refused(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    os.chmod(folder, 0o755)
    with pytest.raises(RuntimeError, match="private"):
        with cached_data(folder):
            pass
