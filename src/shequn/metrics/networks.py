"""Reply networks: a group's reply/mention graph, and its summary (size, ties, centralisation, strong nodes).

:func:`network_summaries` is the one implementation of the summary: every group in one
vectorised pass over the messages, with no graph built (``benchmarks/metrics_bench.py`` runs it
on about a million messages against DuckDB; ``tests/test_metrics_networks.py`` checks the numbers
against networkx graphs).  :func:`reply_network` builds the networkx graph itself, for
drawing and for the lessons' own network measures.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from shequn.metrics._columns import codes, positions

__all__ = ["network_summaries", "reply_network"]


def reply_network(messages: pd.DataFrame, group_id: str | None = None) -> nx.DiGraph:
    """Directed, weighted reply/mention network: an edge u → v when u replies to or mentions v.

    Nodes: every sender, and every member replied to or mentioned.  Weights
    count replies plus mentions; self-replies and self-mentions are dropped.
    With ``group_id``, only that group's messages (and replies within it).
    """
    m = messages if group_id is None else messages[messages["group_id"] == group_id]
    target = positions(m["reply_to"], m["message_id"])
    author = m["sender_id"].to_numpy()
    replies = pd.DataFrame({"u": author[target >= 0], "v": author[target[target >= 0]]})
    mentions = pd.DataFrame({"u": m["sender_id"], "v": m["mention_id"]}).dropna()
    edges = pd.concat([replies, mentions], ignore_index=True)
    edges = edges[edges["u"] != edges["v"]].value_counts().rename("weight").reset_index()
    g = nx.DiGraph()
    g.add_nodes_from(m["sender_id"].unique())
    g.add_weighted_edges_from(edges[["u", "v", "weight"]].itertuples(index=False, name=None))
    return g


def _node_codes(senders: pd.Series, mentions: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Codes of senders and of mentioned members (-1 if none) in one sorted id space, and the ids."""
    sender, names = codes(senders)
    mentioned = positions(mentions, pd.Series(names))
    extra = mentions[(mentioned < 0) & mentions.notna().to_numpy()]
    if len(extra):  # members mentioned who never sent anything: merge them into the (sorted) id space
        every = names.append(pd.Index(extra.unique())).unique().sort_values()
        sender = np.append(every.get_indexer(names), -1)[sender]
        mentioned = positions(mentions, pd.Series(every))
        names = every
    return sender, mentioned, names


def _distinct(columns: list[np.ndarray], sizes: list[int]) -> list[np.ndarray]:
    """Distinct rows of non-negative integer columns (column ``i`` below ``sizes[i]``), sorted."""
    if (
        float(np.prod(np.array(sizes, dtype=float))) < 2.0**62
    ):  # one int64 key per row: hash, then sort the few
        key = np.zeros(len(columns[0]), dtype=np.int64)
        for column, size in zip(columns, sizes, strict=True):
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
    """The undirected reply network of every group with messages, summarised in one vectorised pass.

    Index ``group_id`` (sorted); columns ``members_in_network``, ``ties``
    (distinct undirected pairs), ``centralization`` (Freeman degree
    centralisation, 0 below 3 nodes) and ``strong_nodes`` (the ``k`` members of
    highest degree, ties broken by id) -- the same values as networkx gives on
    :func:`reply_network` made undirected.  One group:
    ``network_summaries(messages[messages["group_id"] == g]).loc[g]`` (no row
    when the group has no messages).
    """
    g_code, groups = codes(messages["group_id"])
    sender, mention, names = _node_codes(messages["sender_id"], messages["mention_id"])
    target = positions(messages["reply_to"], messages["message_id"])
    reply = target >= 0
    reply[reply] = g_code[target[reply]] == g_code[reply]  # replies within the group only
    has_mention = mention >= 0
    u = np.concatenate([sender[reply], sender[has_mention]])
    v = np.concatenate([sender[target[reply]], mention[has_mention]])
    g = np.concatenate([g_code[reply], g_code[has_mention]])
    valid = (u != v) & (g >= 0) & (u >= 0) & (v >= 0)
    n_groups, n_names = len(groups), len(names)
    tie_g, tie_a, tie_b = _distinct(
        [g[valid], np.minimum(u, v)[valid], np.maximum(u, v)[valid]], [n_groups, n_names, n_names]
    )
    # Nodes: senders and both ends of every tie, once per group; degree = ties at the node.
    sent = (g_code >= 0) & (sender >= 0)
    node_group, node = _distinct(
        [np.concatenate([g_code[sent], tie_g, tie_g]), np.concatenate([sender[sent], tie_a, tie_b])],
        [n_groups, n_names],
    )
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
    strong = (
        pd.Series(np.asarray(names, dtype=object)[node[top]], dtype=object)
        .groupby(node_group[top])
        .agg(list)
        .reindex(range(n_groups))
    )
    out = pd.DataFrame(
        {
            "members_in_network": size,
            "ties": np.bincount(tie_g, minlength=n_groups),
            "centralization": centralization.astype(float),
            "strong_nodes": [s if isinstance(s, list) else [] for s in strong],
        },
        index=pd.Index(groups, name="group_id"),
    )
    return out[out["members_in_network"] > 0]
