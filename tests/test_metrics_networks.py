"""Reply networks on a hand-made network: edges and weights, and summaries checked against networkx."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from helpers.metric_tables import network_tables, tables
from helpers.reply_ties import networkx_summary
from shequn import metrics as M


def test_reply_network_edges_and_weights():
    g = M.reply_network(network_tables()["messages"], "g1")
    assert isinstance(g, nx.DiGraph)
    assert set(g.nodes) == {"a", "b", "c", "d", "e"}  # d is only mentioned; e replied across groups
    assert {(u, v): w for u, v, w in g.edges(data="weight")} == {("b", "a"): 2, ("a", "b"): 2, ("c", "d"): 1}


def test_network_summaries_match_networkx_on_hand_made_network():
    messages = network_tables()["messages"]
    summaries = M.network_summaries(messages)
    assert summaries.index.tolist() == ["g1", "g2"]
    assert list(summaries.columns) == ["members_in_network", "ties", "centralization", "strong_nodes"]
    g1 = summaries.loc["g1"]
    assert (g1["members_in_network"], g1["ties"]) == (5, 2)
    assert g1["centralization"] == pytest.approx(1 / 12)  # degrees 1, 1, 1, 1, 0: (5 * 1 - 4) / (4 * 3)
    assert g1["strong_nodes"] == ["a", "b", "c"]  # equal degree: by id
    for group in ("g1", "g2"):
        one = networkx_summary(messages, group)
        assert summaries.loc[group, "strong_nodes"] == one["strong_nodes"]
        assert summaries.loc[
            group, ["members_in_network", "ties", "centralization"]
        ].tolist() == pytest.approx([one["members_in_network"], one["ties"], one["centralization"]])


def test_network_summaries_of_one_group_and_of_a_group_without_messages():
    messages = network_tables()["messages"]
    # g1 by hand (see the test above): five members, ties a-b and c-d, degrees 1, 1, 1, 1, 0
    one = M.network_summaries(messages[messages["group_id"] == "g1"], k=2)
    assert one.index.tolist() == ["g1"]
    assert one.loc["g1", ["members_in_network", "ties", "centralization"]].tolist() == pytest.approx(
        [5, 2, 1 / 12]
    )
    assert one.loc["g1", "strong_nodes"] == ["a", "b"]
    assert M.network_summaries(messages[messages["group_id"] == "nobody"]).empty


def test_star_network_is_fully_centralised():
    messages = [{"message_id": "0", "group_id": "g1", "sender_id": "hub", "sent_at": "2026-01-06T09:00"}]
    messages += [
        {
            "message_id": f"{i}",
            "group_id": "g1",
            "sender_id": s,
            "sent_at": "2026-01-06T10:00",
            "reply_to": "0",
        }
        for i, s in enumerate(["s1", "s2", "s3", "s4"], start=1)
    ]
    summary = M.network_summaries(tables(messages=messages)["messages"]).loc["g1"]
    assert summary["centralization"] == pytest.approx(1.0)
    assert summary["strong_nodes"][0] == "hub" and summary["ties"] == 4


def test_network_summaries_break_ties_by_id_with_unsorted_categories():
    messages = network_tables()["messages"]
    plain = M.network_summaries(messages)
    shuffled = messages.assign(
        sender_id=pd.Categorical(
            messages["sender_id"], categories=["e", "d", "c", "b", "a", "y", "x", "unused"]
        ),
        group_id=pd.Categorical(messages["group_id"], categories=["g9", "g2", "g1"]),
    )
    pd.testing.assert_frame_equal(M.network_summaries(shuffled), plain, check_index_type=False)
