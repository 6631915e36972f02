"""Group-chat metrics with pandas, numpy and networkx idioms (no Python loops over rows).

Inputs are the tables of :func:`shequn.data.load_dataset` (or of
:func:`shequn.data.generate.generate` after :func:`shequn.data.as_typed`, which is also
importable from here as ``shequn.metrics.as_typed``): timestamps are
timezone-aware, ids are strings.  Every function returns a pandas object with
documented columns, so the lessons' widgets, the instructors' checks and the
benchmark share one definition of each metric.

Speed (``benchmarks/metrics_bench.py``: about a million messages, compared with
the same metrics in DuckDB SQL): ids are matched with Arrow hash lookups
(:func:`_positions`) instead of string joins, times are handled as int64
microseconds, and per-group statistics (Gini, top share, reply-network degrees)
are computed for all groups at once with sorted numpy arrays and ``bincount``
instead of ``groupby().apply``.  :func:`network_summaries` is the one implementation of the
reply-network summary (every group in one pass, no graphs built); :func:`network_summary` is
one of its rows.  ``tests/test_metrics.py`` checks it against networkx graphs.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

try:  # Arrow hash lookups for ids (pandas' default string dtype is Arrow-backed when pyarrow is installed)
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover - without pyarrow, _positions falls back to Index.get_indexer
    pa = pc = None

__all__ = [
    "as_typed",
    "activity",
    "retention_by_cohort",
    "lurker_share",
    "quiet_members",
    "red_packet_lift",
    "lift_half_life",
    "gini",
    "top_share",
    "participation",
    "reply_network",
    "network_summary",
    "network_summaries",
    "owner_departure_effect",
    "compare_thresholds",
]

_US_PER_HOUR = 3600 * 10**6
_US_PER_DAY = 24 * _US_PER_HOUR
_US_PER_WEEK = 7 * _US_PER_DAY
_NAT = np.iinfo(np.int64).min


def __getattr__(name: str):
    # ``as_typed`` (type conversion) lives in :mod:`shequn.data.convert`; it is re-exported here, lazily,
    # because assignments import it as ``shequn.metrics.as_typed``, and importing :mod:`shequn.data`
    # (pandera) eagerly would slow down ``import shequn.metrics``.
    if name == "as_typed":
        from shequn.data.convert import as_typed

        return as_typed
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- helpers


def _positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Position in ``keys`` (unique ids) of each of ``values``; -1 where missing or not found.

    An Arrow hash lookup (``pyarrow.compute.index_in``) is several times faster
    than ``Series.map`` or ``Index.get_indexer`` on a million strings; inputs
    Arrow cannot take fall back to ``Index.get_indexer``.
    """
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
                found = pc.index_in(v, value_set=k, skip_nulls=True).fill_null(-1)
                return found.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
            out = np.full(len(v), -1, dtype=np.int64)  # sparse columns (reply_to): look up the present values only
            found = pc.index_in(v.drop_null(), value_set=k, skip_nulls=True).fill_null(-1)
            out[v.is_valid().to_numpy(zero_copy_only=False)] = found.to_numpy(zero_copy_only=False)
            return out
        except (pa.ArrowException, TypeError, ValueError):
            pass
    return pd.Index(keys).get_indexer(values).astype(np.int64, copy=False)


def _us(times: pd.Series) -> np.ndarray:
    """Instants as int64 microseconds since the epoch (UTC); NaT as the minimum int64."""
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        times = times.dt.tz_convert(None)
    return pd.to_datetime(times).to_numpy().astype("datetime64[us]").view(np.int64)


def _local(times: pd.Series) -> pd.Series:
    """Naive local wall-clock times (timezone-aware input keeps its own zone's clock)."""
    return times.dt.tz_localize(None) if isinstance(times.dtype, pd.DatetimeTZDtype) else times


def _period_start(local: pd.Series, freq: str) -> pd.Series:
    """Start of the ``freq`` period of each naive time; daily and weekly (Monday) without Periods."""
    if freq == "D":
        return local.dt.floor("D")
    if freq == "W":
        day = local.dt.floor("D")
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    return local.dt.to_period(freq).dt.start_time


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) and the distinct values, sorted (a fast, sorted factorize).

    Code order is the values' sort order, which breaks ties by id (strong nodes).
    """
    if isinstance(values.dtype, pd.CategoricalDtype):  # categorical input: only the used categories, sorted
        cat = values.cat.remove_unused_categories()
        cat = cat.cat.reorder_categories(cat.cat.categories.sort_values())
    else:
        cat = values.astype("category")  # inferred categories are sorted
    return cat.cat.codes.to_numpy().astype(np.int64), cat.cat.categories


def _message_counts(members: pd.DataFrame, messages: pd.DataFrame, mask: np.ndarray | None = None) -> np.ndarray:
    """Messages (optionally only those in ``mask``) sent by each row of ``members``."""
    pos = _positions(messages["sender_id"], members["member_id"])
    if mask is not None:
        pos = pos[mask]
    return np.bincount(pos[pos >= 0], minlength=len(members))


# --------------------------------------------------------------------------- activity and retention


def activity(messages: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    """Active members and messages per group and period (``freq``: ``"D"`` daily, ``"W"`` weekly).

    Columns: ``group_id``, ``period`` (period start, naive local date; weeks
    start on Monday), ``active_members``, ``messages``.  Rows are sorted by
    group and period; periods without messages are absent.
    """
    frame = pd.DataFrame({"group_id": messages["group_id"],
                          "period": _period_start(_local(messages["sent_at"]), freq),
                          "sender_id": messages["sender_id"]})
    grouped = frame.groupby(["group_id", "period"], observed=True, sort=True)["sender_id"]
    return pd.DataFrame({"active_members": grouped.nunique(), "messages": grouped.size()}).reset_index()


def retention_by_cohort(members: pd.DataFrame, messages: pd.DataFrame, periods: int = 8) -> pd.DataFrame:
    """Share of each weekly join cohort that posts in week ``k`` after joining (k = 0..periods-1).

    Rows: cohort (the Monday of the join week, index ``cohort``); columns:
    ``0 .. periods-1``; plus ``size`` (members in the cohort).  A member counts
    as retained in week ``k`` if they sent at least one message in days
    ``[7k, 7k+7)`` after their own join time.  Messages from senders not in
    ``members`` are ignored.
    """
    cohort_code, cohorts = _codes(_period_start(_local(members["joined_at"]), "W"))
    pos = _positions(messages["sender_id"], members["member_id"])
    known = pos >= 0
    pos = pos[known]
    week = (_us(messages["sent_at"])[known] - _us(members["joined_at"])[pos]) // _US_PER_WEEK
    keep = (week >= 0) & (week < periods) & (cohort_code[pos] >= 0)
    member_week = np.unique(pos[keep] * periods + week[keep])  # each member once per week
    cell = cohort_code[member_week // periods] * periods + member_week % periods
    counts = np.bincount(cell, minlength=len(cohorts) * periods).reshape(len(cohorts), periods)
    size = np.bincount(cohort_code[cohort_code >= 0], minlength=len(cohorts))
    index = pd.DatetimeIndex(cohorts, name="cohort")
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame(counts / size[:, None], index=index, columns=list(range(periods)))
    return table.assign(size=size)


def lurker_share(members: pd.DataFrame, messages: pd.DataFrame, max_messages: int = 0) -> pd.Series:
    """Per group (index ``group_id``): share of members who sent at most ``max_messages`` messages."""
    lurking = pd.Series(_message_counts(members, messages) <= max_messages, index=members.index)
    return lurking.groupby(members["group_id"]).mean().rename("lurker_share")


# --------------------------------------------------------------------------- red packets


def _packet_window_mask(messages: pd.DataFrame, red_packets: pd.DataFrame, hours: float) -> np.ndarray:
    """True for messages sent within ``hours`` after (or at) a red packet in the same group."""
    if red_packets.empty or messages.empty:
        return np.zeros(len(messages), dtype=bool)
    g_code, groups = _codes(messages["group_id"])
    p_code = _positions(red_packets["group_id"], pd.Series(groups))
    t_msg, t_pkt = _us(messages["sent_at"]), _us(red_packets["sent_at"])
    ok = (p_code >= 0) & (t_pkt != _NAT)
    if not ok.any():
        return np.zeros(len(messages), dtype=bool)
    p_code, t_pkt = p_code[ok], t_pkt[ok]
    # One sortable key per (group, time): the packets' keys are sorted once and every
    # message finds the latest packet at or before it in its group by binary search.
    t0 = min(t_msg[t_msg != _NAT].min(initial=t_pkt.min()), t_pkt.min())
    span = int(max(t_msg.max(), t_pkt.max()) - t0) + 1
    if span * (len(groups) + 1) < 2**62:
        key_pkt = np.sort(p_code * span + (t_pkt - t0))
        key_msg = g_code * span + (t_msg - t0)
        i = np.searchsorted(key_pkt, key_msg, side="right") - 1
        hit = i >= 0
        prev = key_pkt[np.maximum(i, 0)]
        same_group = hit & (prev // span == g_code)
        inside = same_group & (key_msg - prev <= hours * _US_PER_HOUR)
        return inside & (g_code >= 0) & (t_msg != _NAT)
    # Very long spans with many groups: fall back to an as-of merge.
    m = pd.DataFrame({"g": g_code, "t": t_msg, "row": np.arange(len(t_msg))}).sort_values("t")
    p = pd.DataFrame({"g": p_code, "tp": t_pkt}).sort_values("tp")
    joined = pd.merge_asof(m, p, left_on="t", right_on="tp", by="g", direction="backward")
    inside = ((joined["t"] - joined["tp"]) <= hours * _US_PER_HOUR).to_numpy()
    mask = np.zeros(len(messages), dtype=bool)
    mask[joined["row"].to_numpy()[inside]] = True
    return mask


def quiet_members(members: pd.DataFrame, messages: pd.DataFrame, red_packets: pd.DataFrame,
                  max_messages: int = 2, window_hours: float = 6) -> pd.Index:
    """Lurkers: members with at most ``max_messages`` messages outside red-packet windows.

    A red-packet window is the ``window_hours`` after a red packet, in the
    packet's group (the red-packet message itself is inside it).  Returns the
    ``member_id`` values in the order of ``members``.
    """
    outside = ~_packet_window_mask(messages, red_packets, window_hours)
    counts = _message_counts(members, messages, outside)
    return pd.Index(members["member_id"].to_numpy()[counts <= max_messages], name="member_id",
                    dtype=members["member_id"].dtype)


def red_packet_lift(messages: pd.DataFrame, red_packets: pd.DataFrame, *, senders: pd.Index | None = None,
                    before_hours: int = 24, after_hours: int = 48) -> pd.DataFrame:
    """Messages per hour around red packets, relative to the 24 hours before.

    For every red packet, count the group's messages (optionally only from
    ``senders``) in each clock hour from ``-before_hours`` to ``after_hours - 1``
    (hour 0 is the hour the packet was sent in), excluding the red-packet
    messages themselves.  Returns one row per hour offset (index ``offset``)
    with ``messages_per_packet`` (mean over packets) and ``lift`` (that mean
    divided by the mean over the hours before; NaN when that is 0).  Without
    red packets both columns are NaN.
    """
    offsets = np.arange(-before_hours, after_hours)
    index = pd.Index(offsets, name="offset")
    keep = (messages["type"] != "red_packet").to_numpy(dtype=bool, copy=True)
    if senders is not None:
        keep &= _positions(messages["sender_id"], pd.Series(pd.unique(np.asarray(senders, dtype=object)))) >= 0
    g_code, groups = _codes(messages["group_id"])
    p_code = _positions(red_packets["group_id"], pd.Series(groups))
    t_pkt = _us(red_packets["sent_at"])
    if not (t_pkt != _NAT).any():
        return pd.DataFrame({"messages_per_packet": np.nan, "lift": np.nan}, index=index)
    p_code, hour_pkt = p_code[t_pkt != _NAT], t_pkt[t_pkt != _NAT] // _US_PER_HOUR
    t_msg = _us(messages["sent_at"])
    keep &= (g_code >= 0) & (t_msg != _NAT)
    hour_msg = t_msg // _US_PER_HOUR  # absolute clock hours (floor)
    # Messages per (group, hour), looked up for every (packet, offset) pair.
    base = min(hour_msg[keep].min(initial=hour_pkt.min()), hour_pkt.min()) - before_hours
    width = int(max(hour_msg[keep].max(initial=hour_pkt.max()), hour_pkt.max()) + after_hours - base) + 1
    counts = pd.Series(g_code[keep] * width + (hour_msg[keep] - base)).value_counts()
    grid = ((p_code * width + (hour_pkt - base))[:, None] + offsets[None, :])
    n = counts.reindex(grid.ravel(), fill_value=0).to_numpy().reshape(grid.shape)
    n = np.where((p_code < 0)[:, None], 0, n)  # a packet in a group without messages
    curve = pd.DataFrame({"messages_per_packet": n.mean(axis=0)}, index=index)
    baseline = curve.loc[curve.index < 0, "messages_per_packet"].mean()
    curve["lift"] = curve["messages_per_packet"] / baseline if baseline > 0 else np.nan
    return curve


def lift_half_life(curve: pd.DataFrame) -> float:
    """Hours after the red packet until the excess lift first falls below half its peak.

    NaN when there is no excess after the packet (or no lift at all), ``inf``
    when the excess never falls below half its peak within the curve.
    """
    after = (curve.loc[curve.index >= 0, "lift"] - 1.0).dropna()
    if after.empty or after.max() <= 0:
        return float("nan")
    peak_at = after.idxmax()
    tail = after.loc[peak_at:]
    below = tail[tail < after.max() / 2]
    return float(below.index[0]) if len(below) else float("inf")


# --------------------------------------------------------------------------- participation


def gini(values) -> float:
    """Gini coefficient of non-negative values (0: equal, → 1: one member does everything).

    ``sum_i (2i - n - 1) x_(i) / (n sum x)`` with ``x`` sorted ascending
    (``i = 1..n``); e.g. ``[0, 0, 0, 10]`` gives 0.75 (= 1 - 1/n).
    """
    x = np.sort(np.asarray(values, dtype=float))
    if x.size == 0 or x.sum() == 0:
        return 0.0
    n = x.size
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


def _top_count(fraction: float, n):
    """``ceil(fraction * n)``, at least 1, without float noise (0.14 * 50 is 7.000000000000001: 7, not 8)."""
    return np.maximum(1, np.ceil(np.round(fraction * np.asarray(n, dtype=float), 9))).astype(np.int64)


def top_share(values, fraction: float = 0.1) -> float:
    """Share of the total contributed by the top ``fraction`` of members (``ceil(fraction * n)``, at least one)."""
    x = np.sort(np.asarray(values, dtype=float))[::-1]
    if x.size == 0 or x.sum() == 0:
        return 0.0
    k = int(_top_count(fraction, x.size))
    return float(x[:k].sum() / x.sum())


def participation(members: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame:
    """Per group: members, messages, Gini of messages per member, top-10% share (members with 0 included).

    Index ``group_id`` (groups with at least one member, sorted); columns
    ``members``, ``messages`` (messages sent by those members), ``gini`` and
    ``top10_share`` -- the same numbers as :func:`gini` and :func:`top_share`
    on each group's messages per member, for all groups at once.
    """
    g_code, groups = _codes(members["group_id"])
    x = _message_counts(members, messages).astype(float)
    known = g_code >= 0
    g_code, x = g_code[known], x[known]
    order = np.lexsort((x, g_code))  # by group, then ascending count
    g_sorted, x_sorted = g_code[order], x[order]
    size = np.bincount(g_sorted, minlength=len(groups))
    start = np.cumsum(size) - size
    rank = np.arange(len(x_sorted)) - start[g_sorted] + 1  # 1..n within the group
    total = np.bincount(g_sorted, weights=x_sorted, minlength=len(groups))
    weighted = np.bincount(g_sorted, weights=(2 * rank - size[g_sorted] - 1) * x_sorted, minlength=len(groups))
    top = rank > size[g_sorted] - _top_count(0.1, size)[g_sorted]
    top_total = np.bincount(g_sorted, weights=np.where(top, x_sorted, 0.0), minlength=len(groups))
    denominator = np.where(total > 0, total, 1.0)
    out = pd.DataFrame({
        "members": size,
        "messages": total.astype(np.int64),
        "gini": np.where(total > 0, weighted / (np.maximum(size, 1) * denominator), 0.0),
        "top10_share": np.where(total > 0, top_total / denominator, 0.0),
    }, index=pd.Index(groups, name="group_id"))
    return out[out["members"] > 0]


# --------------------------------------------------------------------------- networks


def reply_network(messages: pd.DataFrame, group_id: str | None = None) -> nx.DiGraph:
    """Directed, weighted reply/mention network: an edge u → v when u replies to or mentions v.

    Nodes: every sender, and every member replied to or mentioned.  Weights
    count replies plus mentions; self-replies and self-mentions are dropped.
    With ``group_id``, only that group's messages (and replies within it).
    """
    m = messages if group_id is None else messages[messages["group_id"] == group_id]
    target = _positions(m["reply_to"], m["message_id"])
    author = m["sender_id"].to_numpy()
    replies = pd.DataFrame({"u": author[target >= 0], "v": author[target[target >= 0]]})
    mentions = pd.DataFrame({"u": m["sender_id"], "v": m["mention_id"]}).dropna()
    edges = pd.concat([replies, mentions], ignore_index=True)
    edges = edges[edges["u"] != edges["v"]].value_counts().rename("weight").reset_index()
    g = nx.DiGraph()
    g.add_nodes_from(m["sender_id"].unique())
    g.add_weighted_edges_from(edges[["u", "v", "weight"]].itertuples(index=False, name=None))
    return g


def network_summary(messages: pd.DataFrame, group_id: str, k: int = 3) -> dict:
    """Centralisation and strong nodes of one group's reply network (undirected view), as a dict.

    One row of :func:`network_summaries` (the one implementation of this metric), with
    ``group_id``; a group without messages has an empty network (zeros, no strong nodes).
    """
    rows = network_summaries(messages[messages["group_id"] == group_id], k)
    if group_id not in rows.index:
        return {"group_id": group_id, "members_in_network": 0, "ties": 0, "centralization": 0.0,
                "strong_nodes": []}
    row = rows.loc[group_id]
    return {
        "group_id": group_id,
        "members_in_network": int(row["members_in_network"]),
        "ties": int(row["ties"]),
        "centralization": float(row["centralization"]),
        "strong_nodes": list(row["strong_nodes"]),
    }


def _node_codes(senders: pd.Series, mentions: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Codes of senders and of mentioned members (-1 if none) in one sorted id space, and the ids."""
    sender, names = _codes(senders)
    mentioned = _positions(mentions, pd.Series(names))
    extra = mentions[(mentioned < 0) & mentions.notna().to_numpy()]
    if len(extra):  # members mentioned who never sent anything: merge them into the (sorted) id space
        every = names.append(pd.Index(extra.unique())).unique().sort_values()
        sender = np.append(every.get_indexer(names), -1)[sender]
        mentioned = _positions(mentions, pd.Series(every))
        names = every
    return sender, mentioned, names


def _distinct(columns: list[np.ndarray], sizes: list[int]) -> list[np.ndarray]:
    """Distinct rows of non-negative integer columns (column ``i`` below ``sizes[i]``), sorted."""
    if float(np.prod(np.array(sizes, dtype=float))) < 2.0**62:  # one int64 key per row: hash, then sort the few
        key = np.zeros(len(columns[0]), dtype=np.int64)
        for column, size in zip(columns, sizes):
            key = key * size + column
        key = np.sort(pd.unique(key))
        out = []
        for size in reversed(sizes):
            out.append(key % size)
            key = key // size
        return out[::-1]
    frame = pd.DataFrame(dict(enumerate(columns))).drop_duplicates().sort_values(list(range(len(columns))))
    return [frame[i].to_numpy() for i in range(len(columns))]


def network_summaries(messages: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    """:func:`network_summary` for every group with messages, in one vectorised pass (no graphs built).

    Index ``group_id`` (sorted); columns ``members_in_network``, ``ties``
    (distinct undirected pairs), ``centralization`` (Freeman degree
    centralisation, 0 below 3 nodes) and ``strong_nodes`` (the ``k`` members of
    highest degree, ties broken by id) -- the same values as networkx gives on
    :func:`reply_network` made undirected (checked in the tests).
    """
    g_code, groups = _codes(messages["group_id"])
    sender, mention, names = _node_codes(messages["sender_id"], messages["mention_id"])
    target = _positions(messages["reply_to"], messages["message_id"])
    reply = target >= 0
    reply[reply] = g_code[target[reply]] == g_code[reply]  # replies within the group only
    has_mention = mention >= 0
    u = np.concatenate([sender[reply], sender[has_mention]])
    v = np.concatenate([sender[target[reply]], mention[has_mention]])
    g = np.concatenate([g_code[reply], g_code[has_mention]])
    valid = (u != v) & (g >= 0) & (u >= 0) & (v >= 0)
    n_groups, n_names = len(groups), len(names)
    tie_g, tie_a, tie_b = _distinct([g[valid], np.minimum(u, v)[valid], np.maximum(u, v)[valid]],
                                    [n_groups, n_names, n_names])
    # Nodes: senders and both ends of every tie, once per group; degree = ties at the node.
    sent = (g_code >= 0) & (sender >= 0)
    node_group, node = _distinct([np.concatenate([g_code[sent], tie_g, tie_g]),
                                  np.concatenate([sender[sent], tie_a, tie_b])], [n_groups, n_names])
    node_keys = node_group * n_names + node  # sorted
    ends = np.concatenate([tie_g * n_names + tie_a, tie_g * n_names + tie_b])
    degree = np.bincount(np.searchsorted(node_keys, ends), minlength=len(node_keys))
    size = np.bincount(node_group, minlength=n_groups)
    total = np.bincount(node_group, weights=degree, minlength=n_groups)
    max_degree = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(max_degree, node_group, degree)
    with np.errstate(invalid="ignore", divide="ignore"):
        centralization = np.where(size >= 3, (size * max_degree - total) / ((size - 1) * (size - 2)), 0.0)
    # Strong nodes: by group, degree descending, then id (codes are in sorted id order).
    order = np.lexsort((node, -degree, node_group))
    rank = np.arange(len(order)) - (np.cumsum(size) - size)[node_group[order]]
    top = order[rank < k]
    strong = (pd.Series(np.asarray(names, dtype=object)[node[top]], dtype=object).groupby(node_group[top])
              .agg(list).reindex(range(n_groups)))
    out = pd.DataFrame({
        "members_in_network": size,
        "ties": np.bincount(tie_g, minlength=n_groups),
        "centralization": centralization.astype(float),
        "strong_nodes": [s if isinstance(s, list) else [] for s in strong],
    }, index=pd.Index(groups, name="group_id"))
    return out[out["members_in_network"] > 0]


# --------------------------------------------------------------------------- owners and thresholds


def owner_departure_effect(groups: pd.DataFrame, members: pd.DataFrame, messages: pd.DataFrame,
                           days: int = 14) -> pd.DataFrame:
    """For groups whose owner left: the others' messages per day in ``days`` after vs before.

    Index ``group_id``; columns ``topology``, ``threshold``, ``before``,
    ``after`` (messages per day by members other than the owner in the
    ``days`` before / after the owner's ``left_at``), ``ratio`` (after /
    before; NaN when before is 0).
    """
    owners = groups.set_index("group_id")[["owner_id", "topology", "threshold"]]
    owner_row = _positions(owners["owner_id"], members["member_id"])
    left = _us(members["left_at"])
    left_at = np.where(owner_row >= 0, left[np.maximum(owner_row, 0)], _NAT)
    keep = left_at != _NAT
    owners, owner_row, left_at = owners[keep], owner_row[keep], left_at[keep]
    row = _positions(messages["group_id"], owners.index.to_series())
    sender = _positions(messages["sender_id"], members["member_id"])
    mine = row >= 0
    row, sender = row[mine], sender[mine]
    others = sender != owner_row[row]
    delta = _us(messages["sent_at"])[mine] - left_at[row]
    window = days * _US_PER_DAY
    before = np.bincount(row[others & (delta >= -window) & (delta < 0)], minlength=len(owners)) / days
    after = np.bincount(row[others & (delta >= 0) & (delta < window)], minlength=len(owners)) / days
    out = owners[["topology", "threshold"]].assign(before=before, after=after)
    return out.assign(ratio=out["after"] / out["before"].where(out["before"] > 0))


def compare_thresholds(groups: pd.DataFrame, members: pd.DataFrame, messages: pd.DataFrame,
                       week: int = 3) -> pd.DataFrame:
    """Per threshold type: groups, members, messages per member, lurker share, week-``week`` retention.

    Index ``threshold``; columns ``groups`` (groups with members), ``members``,
    ``messages_per_member``, ``lurker_share`` (members who never posted) and
    ``retained_week_{week}`` (members who posted in days ``[7 week, 7 week + 7)``
    after their own join).
    """
    n = _message_counts(members, messages)
    pos = _positions(messages["sender_id"], members["member_id"])
    known = pos >= 0
    weeks = (_us(messages["sent_at"])[known] - _us(members["joined_at"])[pos[known]]) // _US_PER_WEEK
    retained = np.zeros(len(members), dtype=bool)
    retained[pos[known][weeks == week]] = True
    threshold = members["group_id"].map(groups.set_index("group_id")["threshold"])
    per_member = pd.DataFrame({"group_id": members["group_id"], "n": n, "lurker": n <= 0,
                               "retained": retained}, index=members.index)
    by = per_member.groupby(threshold.rename("threshold"), sort=True)
    count = by.size()
    return pd.DataFrame({
        "groups": by["group_id"].nunique(),
        "members": count,
        "messages_per_member": by["n"].sum() / count,
        "lurker_share": by["lurker"].mean(),
        f"retained_week_{week}": by["retained"].mean(),
    })
