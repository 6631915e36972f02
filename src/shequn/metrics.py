"""Group-chat metrics with pandas and networkx idioms (no Python loops over rows).

Inputs are the tables of :func:`shequn.data.load_dataset` (or of
:func:`shequn.data.generate.generate` after :func:`as_typed`): timestamps are
timezone-aware, ids are strings.  Every function returns a pandas object with
documented columns, so the lessons' widgets, the instructors' checks and the
benchmark share one definition of each metric.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from shequn.data.schema import TABLES, TIMEZONE

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
    "owner_departure_effect",
    "compare_thresholds",
]


def as_typed(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Convert generator output (ISO strings, empty strings) to loaded dtypes."""
    out = {}
    for name, frame in tables.items():
        frame = frame.copy()
        for col in TABLES[name].columns:
            if col.kind == "datetime":
                frame[col.name] = pd.to_datetime(frame[col.name].replace("", None), format="ISO8601").dt.tz_convert(
                    TIMEZONE)
            elif col.nullable:
                frame[col.name] = frame[col.name].replace("", None)
        out[name] = frame
    return out


def activity(messages: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    """Active members and messages per group and period (``freq``: ``"D"`` daily, ``"W"`` weekly).

    Columns: ``group_id``, ``period`` (period start, naive local date), ``active_members``, ``messages``.
    """
    period = messages["sent_at"].dt.tz_localize(None).dt.to_period(freq).dt.start_time
    grouped = messages.assign(period=period).groupby(["group_id", "period"], observed=True)
    return grouped.agg(active_members=("sender_id", "nunique"), messages=("message_id", "size")).reset_index()


def retention_by_cohort(members: pd.DataFrame, messages: pd.DataFrame, periods: int = 8) -> pd.DataFrame:
    """Share of each weekly join cohort that posts in week ``k`` after joining (k = 0..periods-1).

    Rows: cohort (the Monday of the join week); columns: ``0 .. periods-1``;
    plus ``size``.  A member counts as retained in week ``k`` if they sent at
    least one message in days ``[7k, 7k+7)`` after their own join time.
    """
    joined = members.set_index("member_id")["joined_at"]
    cohort = joined.dt.tz_localize(None).dt.to_period("W").dt.start_time.rename("cohort")
    m = messages[["sender_id", "sent_at"]].join(joined, on="sender_id")
    week = ((m["sent_at"] - m["joined_at"]).dt.total_seconds() // (7 * 86400)).astype("int64")
    active = pd.DataFrame({"member_id": m["sender_id"], "week": week})
    active = active[(active["week"] >= 0) & (active["week"] < periods)].drop_duplicates()
    active["cohort"] = active["member_id"].map(cohort)
    counts = active.groupby(["cohort", "week"]).size().unstack("week", fill_value=0)
    counts = counts.reindex(columns=range(periods), fill_value=0)
    size = cohort.value_counts().sort_index().rename("size")
    table = counts.reindex(size.index, fill_value=0).div(size, axis=0)
    table.columns = [int(c) for c in table.columns]
    return table.assign(size=size)


def lurker_share(members: pd.DataFrame, messages: pd.DataFrame, max_messages: int = 0) -> pd.Series:
    """Per group: share of members who sent at most ``max_messages`` messages."""
    counts = messages.groupby("sender_id").size()
    per_member = members.set_index("member_id")["group_id"].to_frame()
    per_member["n"] = counts.reindex(per_member.index, fill_value=0)
    return (per_member["n"] <= max_messages).groupby(per_member["group_id"]).mean().rename("lurker_share")


def _packet_window_mask(messages: pd.DataFrame, red_packets: pd.DataFrame, hours: float) -> np.ndarray:
    """True for messages sent within ``hours`` after a red packet in the same group."""
    if red_packets.empty:
        return np.zeros(len(messages), dtype=bool)
    m = messages[["group_id", "sent_at"]].reset_index(names="_row").sort_values("sent_at")
    p = red_packets[["group_id", "sent_at"]].rename(columns={"sent_at": "packet_at"}).sort_values("packet_at")
    joined = pd.merge_asof(m, p, left_on="sent_at", right_on="packet_at", by="group_id", direction="backward")
    inside = (joined["sent_at"] - joined["packet_at"]) <= pd.Timedelta(hours=hours)
    mask = np.zeros(len(messages), dtype=bool)
    mask[joined.loc[inside.fillna(False).to_numpy(), "_row"].to_numpy()] = True
    return mask


def quiet_members(members: pd.DataFrame, messages: pd.DataFrame, red_packets: pd.DataFrame,
                  max_messages: int = 2, window_hours: float = 6) -> pd.Index:
    """Lurkers: members with at most ``max_messages`` messages outside red-packet windows."""
    outside = messages.loc[~_packet_window_mask(messages, red_packets, window_hours)]
    counts = outside.groupby("sender_id").size().reindex(members["member_id"], fill_value=0)
    return pd.Index(counts[counts <= max_messages].index, name="member_id")


def red_packet_lift(messages: pd.DataFrame, red_packets: pd.DataFrame, *, senders: pd.Index | None = None,
                    before_hours: int = 24, after_hours: int = 48) -> pd.DataFrame:
    """Messages per hour around red packets, relative to the 24 hours before.

    For every red packet, count the group's messages (optionally only from
    ``senders``) in each hour from ``-before_hours`` to ``after_hours - 1``,
    excluding the red-packet messages themselves.  Returns one row per hour
    offset with ``messages_per_packet`` (mean over packets) and ``lift``
    (that mean divided by the mean over the hours before).
    """
    m = messages[messages["type"] != "red_packet"]
    if senders is not None:
        m = m[m["sender_id"].isin(senders)]
    hour = m["sent_at"].dt.floor("h")
    counts = m.groupby([m["group_id"], hour]).size().rename("n")
    offsets = np.arange(-before_hours, after_hours)
    p = red_packets[["red_packet_id", "group_id", "sent_at"]].copy()
    p["hour0"] = p["sent_at"].dt.floor("h")
    grid = p.loc[p.index.repeat(len(offsets))].reset_index(drop=True)
    grid["offset"] = np.tile(offsets, len(p))
    grid["hour"] = grid["hour0"] + pd.to_timedelta(grid["offset"], unit="h")
    grid = grid.join(counts, on=["group_id", "hour"]).fillna({"n": 0})
    curve = grid.groupby("offset")["n"].mean().rename("messages_per_packet").to_frame()
    baseline = curve.loc[curve.index < 0, "messages_per_packet"].mean()
    curve["lift"] = curve["messages_per_packet"] / baseline if baseline > 0 else np.nan
    return curve


def lift_half_life(curve: pd.DataFrame) -> float:
    """Hours after the red packet until the excess lift first falls below half its peak."""
    after = curve.loc[curve.index >= 0, "lift"] - 1.0
    if after.empty or after.max() <= 0:
        return float("nan")
    peak_at = after.idxmax()
    below = after.loc[peak_at:][after.loc[peak_at:] < after.max() / 2]
    return float(below.index[0]) if len(below) else float("inf")


def gini(values) -> float:
    """Gini coefficient of non-negative values (0: equal, → 1: one member does everything)."""
    x = np.sort(np.asarray(values, dtype=float))
    if x.size == 0 or x.sum() == 0:
        return 0.0
    n = x.size
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


def top_share(values, fraction: float = 0.1) -> float:
    """Share of the total contributed by the top ``fraction`` of members (at least one member)."""
    x = np.sort(np.asarray(values, dtype=float))[::-1]
    if x.size == 0 or x.sum() == 0:
        return 0.0
    k = max(1, int(np.ceil(fraction * x.size)))
    return float(x[:k].sum() / x.sum())


def participation(members: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame:
    """Per group: members, messages, Gini of messages per member, top-10% share (members with 0 included)."""
    counts = messages.groupby("sender_id").size()
    per_member = members[["member_id", "group_id"]].assign(
        n=lambda d: d["member_id"].map(counts).fillna(0).astype(int))
    grouped = per_member.groupby("group_id")["n"]
    return pd.DataFrame({
        "members": grouped.size(),
        "messages": grouped.sum(),
        "gini": grouped.apply(gini),
        "top10_share": grouped.apply(top_share),
    })


def reply_network(messages: pd.DataFrame, group_id: str | None = None) -> nx.DiGraph:
    """Directed, weighted reply/mention network: an edge u → v when u replies to or mentions v."""
    m = messages if group_id is None else messages[messages["group_id"] == group_id]
    author = m.set_index("message_id")["sender_id"]
    replies = pd.DataFrame({"u": m["sender_id"], "v": m["reply_to"].map(author)}).dropna()
    mentions = pd.DataFrame({"u": m["sender_id"], "v": m["mention_id"]}).dropna()
    edges = pd.concat([replies, mentions])
    edges = edges[edges["u"] != edges["v"]].value_counts().rename("weight").reset_index()
    g = nx.DiGraph()
    g.add_nodes_from(m["sender_id"].unique())
    g.add_weighted_edges_from(edges[["u", "v", "weight"]].itertuples(index=False, name=None))
    return g


def network_summary(messages: pd.DataFrame, group_id: str, k: int = 3) -> dict:
    """Centralisation and strong nodes of one group's reply network (undirected view)."""
    from shequn.networks import degree_centralization, strong_nodes

    g = reply_network(messages, group_id).to_undirected()
    return {
        "group_id": group_id,
        "members_in_network": g.number_of_nodes(),
        "ties": g.number_of_edges(),
        "centralization": degree_centralization(g),
        "strong_nodes": [v for v, _ in strong_nodes(g, k, "degree")] if g.number_of_nodes() else [],
    }


def owner_departure_effect(groups: pd.DataFrame, members: pd.DataFrame, messages: pd.DataFrame,
                           days: int = 14) -> pd.DataFrame:
    """For groups whose owner left: the others' messages per day in ``days`` after vs before.

    Columns: ``topology``, ``threshold``, ``before``, ``after``, ``ratio`` (after / before).
    """
    owners = groups.set_index("group_id")[["owner_id", "topology", "threshold"]]
    left = members.set_index("member_id")["left_at"]
    owners = owners.assign(left_at=owners["owner_id"].map(left)).dropna(subset=["left_at"])
    m = messages.join(owners[["owner_id", "left_at"]], on="group_id", how="inner")
    m = m[m["sender_id"] != m["owner_id"]]
    delta = (m["sent_at"] - m["left_at"]).dt.total_seconds() / 86400
    window = pd.Series(np.select([(delta >= -days) & (delta < 0), (delta >= 0) & (delta < days)],
                                 ["before", "after"], default=""), index=m.index)
    counts = m[window != ""].groupby([m["group_id"], window[window != ""]]).size().unstack(fill_value=0)
    counts = counts.reindex(index=owners.index, columns=["before", "after"], fill_value=0) / days
    out = owners[["topology", "threshold"]].join(counts)
    return out.assign(ratio=out["after"] / out["before"].where(out["before"] > 0))


def compare_thresholds(groups: pd.DataFrame, members: pd.DataFrame, messages: pd.DataFrame,
                       week: int = 3) -> pd.DataFrame:
    """Per threshold type: groups, members, messages per member, lurker share, week-``week`` retention."""
    by_group = participation(members, messages).join(lurker_share(members, messages))
    by_group = by_group.join(groups.set_index("group_id")["threshold"])
    # Retention per threshold: members who post in week `week` after their own join.
    joined = members.set_index("member_id")["joined_at"]
    m = messages[["sender_id", "sent_at"]].join(joined, on="sender_id")
    in_week = ((m["sent_at"] - m["joined_at"]).dt.total_seconds() // (7 * 86400)) == week
    retained = members["member_id"].isin(m.loc[in_week, "sender_id"])
    threshold = members["group_id"].map(groups.set_index("group_id")["threshold"])
    return pd.DataFrame({
        "groups": by_group.groupby("threshold").size(),
        "members": by_group.groupby("threshold")["members"].sum(),
        "messages_per_member": by_group.groupby("threshold")["messages"].sum()
        / by_group.groupby("threshold")["members"].sum(),
        "lurker_share": (by_group["lurker_share"] * by_group["members"]).groupby(by_group["threshold"]).sum()
        / by_group.groupby("threshold")["members"].sum(),
        f"retained_week_{week}": retained.groupby(threshold).mean(),
    })
