"""Mechanisms the metrics recover from generated data: red packets, owners leaving, paid groups, networks."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.metric_tables import generated_datasets
from helpers.reply_ties import independent_ties, networkx_summary
from shequn import metrics as M


@pytest.fixture(scope="module")
def generated() -> list[dict[str, pd.DataFrame]]:
    return generated_datasets()


def _pooled_quiet_lift(datasets) -> pd.DataFrame:
    """The quiet members' lift curve over all packets of all seeds (as if one dataset)."""
    curves, packets = [], []
    for t in datasets:
        quiet = M.quiet_members(t["members"], t["messages"], t["red_packets"])
        curves.append(
            M.red_packet_lift(t["messages"], t["red_packets"], senders=quiet)["messages_per_packet"]
        )
        packets.append(len(t["red_packets"]))
    per_packet = sum(c * n for c, n in zip(curves, packets, strict=True)) / sum(packets)
    curve = per_packet.rename("messages_per_packet").to_frame()
    return curve.assign(
        lift=curve["messages_per_packet"] / curve.loc[curve.index < 0, "messages_per_packet"].mean()
    )


def test_red_packets_wake_quiet_members_only_briefly(generated):
    curve = _pooled_quiet_lift(generated)
    assert (curve.loc[0:2, "lift"] > 3).all(), curve.loc[0:2, "lift"]
    assert 0.5 <= curve.loc[24:47, "lift"].mean() <= 2, curve.loc[24:47, "lift"].mean()
    half_life = M.lift_half_life(curve)
    assert math.isfinite(half_life) and half_life < 12
    for t in generated:  # and in every seed on its own: a clear peak that has faded by the next day
        quiet = M.quiet_members(t["members"], t["messages"], t["red_packets"])
        single = M.red_packet_lift(t["messages"], t["red_packets"], senders=quiet)
        assert single.loc[0:2, "lift"].mean() > 3 and M.lift_half_life(single) < 12


def test_star_groups_lose_more_when_the_owner_leaves(generated):
    effect = pd.concat(
        [M.owner_departure_effect(t["groups"], t["members"], t["messages"]) for t in generated]
    )
    ratio = effect.dropna(subset=["ratio"]).groupby("topology")["ratio"]
    assert ratio.size().min() >= 3
    assert ratio.median()["star"] < 0.5 < ratio.median()["mesh"]


def test_paid_groups_have_fewer_lurkers(generated):
    for t in generated:
        by_threshold = M.compare_thresholds(t["groups"], t["members"], t["messages"])
        assert by_threshold.loc["paid", "lurker_share"] < by_threshold.loc["free", "lurker_share"]


def test_network_summaries_match_networkx_on_generated_data(generated):
    messages = generated[0]["messages"]
    summaries = M.network_summaries(messages)
    assert len(summaries) == messages["group_id"].nunique()
    for group in summaries.index:
        one = networkx_summary(messages, group)
        row = summaries.loc[group]
        assert (row["members_in_network"], row["ties"]) == (one["members_in_network"], one["ties"]), group
        assert row["centralization"] == pytest.approx(one["centralization"], abs=1e-12), group
        assert row["strong_nodes"] == one["strong_nodes"], group
    for group in summaries.index[:10]:  # reply_network: the same directed pairs (weights: see the hand test)
        assert set(M.reply_network(messages, group).edges) == independent_ties(messages, group)[1], group
