"""Reply-network summaries computed independently of :mod:`shequn.metrics` (row by row, then networkx)."""

from __future__ import annotations

import networkx as nx
import pandas as pd


def independent_ties(messages: pd.DataFrame, group: str) -> tuple[list, set]:
    """A group's senders and its (replier or mentioner, other member) pairs, read row by row from messages.

    A pair is a reply to a message of the same group, or a mention, between two different members.
    """
    rows = messages[messages["group_id"] == group]
    author = dict(zip(rows["message_id"], rows["sender_id"], strict=True))
    pairs = set()
    for sender, reply_to, mention in zip(
        rows["sender_id"], rows["reply_to"], rows["mention_id"], strict=True
    ):
        for other in (
            author.get(reply_to) if isinstance(reply_to, str) else None,
            mention if isinstance(mention, str) else None,
        ):
            if other is not None and other != sender:
                pairs.add((sender, other))
    return list(rows["sender_id"]), pairs


def networkx_summary(messages: pd.DataFrame, group: str, k: int = 3) -> dict:
    """The reply-network summary computed independently: a networkx graph of :func:`independent_ties`.

    Nodes: every sender and every member at the end of a tie.  Freeman degree centralisation
    ``sum(max - d) / ((n - 1)(n - 2))``; strong nodes by degree, then id.
    """
    senders, pairs = independent_ties(messages, group)
    g = nx.Graph()
    g.add_nodes_from(senders)
    g.add_edges_from(pairs)
    n, degree = g.number_of_nodes(), dict(g.degree)
    top = max(degree.values(), default=0)
    return {
        "members_in_network": n,
        "ties": g.number_of_edges(),
        "centralization": sum(top - d for d in degree.values()) / ((n - 1) * (n - 2)) if n >= 3 else 0.0,
        "strong_nodes": [v for v, _ in sorted(degree.items(), key=lambda item: (-item[1], item[0]))[:k]],
    }
