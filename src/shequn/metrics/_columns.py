"""Column helpers shared by the metrics: id lookups, times as int64 microseconds, sorted codes.

Hand-written on numpy and pyarrow rather than pandas joins and ``groupby().apply``
because the metrics must run at about a million messages at least as fast as the same
SQL in DuckDB (``benchmarks/metrics_bench.py``): ids are matched with Arrow hash
lookups (:func:`positions`) instead of string joins, times are handled as int64
microseconds (:func:`us`), and groups are integer codes in sorted-id order
(:func:`codes`), so that per-group statistics are ``bincount`` and sorted arrays.
The id lookups and codes of Arrow-backed columns are computed once per column
(:mod:`shequn.metrics._memo`): most metrics start with the same ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shequn.metrics._memo import memoised

try:  # Arrow hash lookups for ids (pandas' default string dtype is Arrow-backed when pyarrow is installed)
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover - without pyarrow, positions falls back to Index.get_indexer
    pa = pc = None

US_PER_HOUR = 3600 * 10**6
US_PER_DAY = 24 * US_PER_HOUR
US_PER_WEEK = 7 * US_PER_DAY
NAT = np.iinfo(np.int64).min  # NaT as int64


def positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Position in ``keys`` (unique ids) of each of ``values``; -1 where missing or not found.

    An Arrow hash lookup (``pyarrow.compute.index_in``) is several times faster
    than ``Series.map`` or ``Index.get_indexer`` on a million strings; inputs
    Arrow cannot take fall back to ``Index.get_indexer``.  Memoised for Arrow-backed
    columns (:mod:`shequn.metrics._memo`); the result is read-only.
    """
    return memoised("positions", (values, keys), lambda: _positions(values, keys))


def _positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    if pa is not None:
        try:
            v, k = pa.array(values, from_pandas=True), pa.array(keys, from_pandas=True)
            if pa.types.is_dictionary(v.type):
                v = v.dictionary_decode()
            if pa.types.is_dictionary(k.type):
                k = k.dictionary_decode()
            if v.type != k.type:
                v = v.cast(k.type)
            if v.null_count == 0:
                return _index_in(v, k)
            out = np.full(
                len(v), -1, dtype=np.int64
            )  # sparse columns (reply_to): look up the present values only
            out[v.is_valid().to_numpy(zero_copy_only=False)] = _index_in(v.drop_null(), k)
            return out
        except (pa.ArrowException, TypeError, ValueError):
            pass
    return pd.Index(keys).get_indexer(values).astype(np.int64, copy=False)


def _index_in(values, keys) -> np.ndarray:
    """Position in the Arrow array ``keys`` of each Arrow ``values`` item (none null); -1 if absent.

    A hash table is built on one side and probed with the other, so it is built on
    the smaller: on the keys, or (a few hundred thousand replies among a million
    message ids) on the values' distinct ids, each key then finding its value.
    Both give the first position of a repeated key.
    """
    if 2 * len(values) >= len(keys):
        return (
            pc.index_in(values, value_set=keys).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        )
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    where = pc.index_in(keys, value_set=encoded.dictionary).fill_null(-1).to_numpy(zero_copy_only=False)
    first = np.full(len(encoded.dictionary), len(keys), dtype=np.int64)
    hit = np.flatnonzero(where >= 0)
    np.minimum.at(first, where[hit], hit)
    first[first == len(keys)] = -1
    return first[encoded.indices.to_numpy(zero_copy_only=False)]


def us(times: pd.Series) -> np.ndarray:
    """Instants as int64 microseconds since the epoch (UTC); NaT as :data:`NAT`."""
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        times = times.dt.tz_convert(None)
    return pd.to_datetime(times).to_numpy().astype("datetime64[us]").view(np.int64)


def local(times: pd.Series) -> pd.Series:
    """Naive local wall-clock times (timezone-aware input keeps its own zone's clock)."""
    return times.dt.tz_localize(None) if isinstance(times.dtype, pd.DatetimeTZDtype) else times


def period_start(naive: pd.Series, freq: str) -> pd.Series:
    """Start of the ``freq`` period of each naive time; daily and weekly (Monday) without Periods."""
    if freq == "D":
        return naive.dt.floor("D")
    if freq == "W":
        day = naive.dt.floor("D")
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    return naive.dt.to_period(freq).dt.start_time


def codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) and the distinct values, sorted (a fast, sorted factorize).

    Code order is the values' sort order, which breaks ties by id (strong nodes).
    Memoised for Arrow-backed columns (:mod:`shequn.metrics._memo`); the codes are read-only.
    """
    return memoised("codes", (values,), lambda: _codes(values))


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    if isinstance(values.dtype, pd.CategoricalDtype):  # categorical input: only the used categories, sorted
        cat = values.cat.remove_unused_categories()
        cat = cat.cat.reorder_categories(cat.cat.categories.sort_values())
    else:
        cat = values.astype("category")  # inferred categories are sorted
    return cat.cat.codes.to_numpy().astype(np.int64), cat.cat.categories


def weeks_after_joining(members: pd.DataFrame, messages: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each message by a member: the sender's row in ``members`` and the week after joining it is in.

    Week ``k`` is days ``[7k, 7k + 7)`` after the member's own ``joined_at``
    (negative before joining).  Messages by senders not in ``members`` are left out.
    """
    pos = positions(messages["sender_id"], members["member_id"])
    known = pos >= 0
    pos = pos[known]
    return pos, (us(messages["sent_at"])[known] - us(members["joined_at"])[pos]) // US_PER_WEEK


def message_counts(
    members: pd.DataFrame, messages: pd.DataFrame, mask: np.ndarray | None = None
) -> np.ndarray:
    """Messages (optionally only those in ``mask``) sent by each row of ``members``."""
    pos = positions(messages["sender_id"], members["member_id"])
    if mask is not None:
        pos = pos[mask]
    return np.bincount(pos[pos >= 0], minlength=len(members))
