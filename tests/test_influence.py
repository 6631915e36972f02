"""Lesson 3 model: strong nodes and how far they reach (influence), and its widget."""

import networkx as nx
import numpy as np
import pytest

from helpers.explorers import check_spec
from shequn.models import influence as inf
from shequn.models import networks
from shequn.widgets.influence import influence_explorer_spec


# ------------------------------------------------------------------ influence
def test_hop_reach_on_a_path():
    g = nx.path_graph(6)
    assert inf.hop_reach(g, [0], 1) == 1
    assert inf.hop_reach(g, [0], 2) == 2
    assert inf.hop_reach(g, [2], 2) == 4
    assert inf.hop_reach(g, [0, 5], 1) == 2
    with pytest.raises(ValueError):
        inf.hop_reach(g, [99], 1)


def test_cascade_extremes_and_closed_form_on_a_path():
    g = nx.path_graph(3)
    assert np.all(inf.cascade_reach(g, [[0]] * 50, 0.0) == 0)
    assert np.all(inf.cascade_reach(g, [[0]] * 50, 1.0) == 2)
    runs, q = 40_000, 0.4
    reach = inf.cascade_reach(g, [[0]] * runs, q, seed=3)
    expected = q + q * q  # node 1 with q, node 2 with q^2
    sd = np.sqrt(((np.array([0, 1, 2]) - expected) ** 2 @ np.array([1 - q, q * (1 - q), q * q])) / runs)
    assert abs(reach.mean() - expected) < 4 * sd


def test_cascade_on_a_disconnected_graph_stays_in_the_seeds_component():
    g = nx.disjoint_union(nx.complete_graph(4), nx.complete_graph(6))
    assert np.all(inf.cascade_reach(g, [[0]] * 10, 1.0) == 3)
    assert np.all(inf.cascade_reach(g, [[0, 5]] * 10, 1.0) == 8)


def test_seed_ranking_uses_the_shared_strong_node_function():
    g = inf.community_graph()
    for measure in ("degree", "eigenvector"):
        top = [v for v, _ in networks.strong_nodes(g, 5, measure)]
        assert list(inf.seed_ranking(measure)[:5]) == top
    with pytest.raises(ValueError):
        inf.seed_ranking("random")


def test_choose_seeds():
    g = inf.community_graph()
    strong = inf.choose_seeds(g, "degree", 3)
    degrees = dict(g.degree())
    assert min(degrees[v] for v in strong) >= max(d for v, d in degrees.items() if v not in strong)
    assert inf.choose_seeds(g, "random", 4, seed=1) == inf.choose_seeds(g, "random", 4, seed=1)
    assert len(set(inf.choose_seeds(g, "random", 10, seed=1))) == 10
    with pytest.raises(ValueError):
        inf.choose_seeds(g, "degree", 0)
    with pytest.raises(ValueError):
        inf.choose_seeds(g, "loudest", 3)


def test_reach_is_heavy_tailed():
    dist = inf.reach_distribution(inf.community_graph(), hops=2)
    assert dist.max() > 5 * dist.median()
    assert dist.max() / max(dist.min(), 1) > 20


@pytest.mark.parametrize("measure", ["degree", "betweenness", "eigenvector"])
@pytest.mark.parametrize("k", [1, 5])
def test_strong_nodes_reach_more_than_random_members_when_spreading_is_hard(measure, k):
    strong = inf.influence_reach(measure, k, 0.05)
    rand = inf.influence_reach("random", k, 0.05)
    assert strong.one_hop > 3 * rand.one_hop
    assert strong.two_hop > rand.two_hop
    assert strong.cascade > 3 * rand.cascade


def test_when_spreading_is_easy_who_you_seed_matters_less():
    ratio = {
        q: inf.influence_reach("degree", 10, q).cascade / inf.influence_reach("random", 10, q).cascade
        for q in (0.05, 0.3)
    }
    assert ratio[0.3] < ratio[0.05] / 2


def test_reach_grows_with_spread_probability_and_seeds():
    assert inf.influence_reach("degree", 5, 0.2).cascade > inf.influence_reach("degree", 5, 0.05).cascade
    assert inf.influence_reach("degree", 10, 0.1).two_hop >= inf.influence_reach("degree", 2, 0.1).two_hop


def test_influence_is_deterministic_and_validated():
    assert inf.influence_reach("random", 5, 0.1) == inf.influence_reach("random", 5, 0.1)
    assert inf.influence_reach("random", 5, 0.1, seed=1) != inf.influence_reach("random", 5, 0.1, seed=2)
    for kwargs in ({"k": 0}, {"spread_prob": 1.5}, {"runs": 0}, {"strategy": "loudest"}):
        args = dict(strategy="degree", k=5, spread_prob=0.1) | kwargs
        with pytest.raises(ValueError):
            inf.influence_reach(**args)
    with pytest.raises(ValueError):
        inf.community_graph(n=5)


def test_influence_table_rows():
    table = inf.influence_table(k=5, spread_prob=0.05)
    assert list(table.index) == list(inf.SEED_STRATEGY_ZH.values())
    assert (
        table.loc["随机成员", "级联传播平均触达人数"]
        < table.loc["强节点（度中心性）", "级联传播平均触达人数"]
    )


def test_influence_explorer():
    spec = influence_explorer_spec()
    assert spec.grid_size == 4 * 5 * 5
    check_spec(spec, {"strategy": "random", "k": 20, "spread_prob": 0.2})


def _plain_cascade(g, seeds, p, rng):
    """Independent cascade in plain Python (not the package's vectorised version): each newly
    reached member gets one chance to pass the message along each tie, with probability p."""
    reached, frontier = set(seeds), list(seeds)
    while frontier:
        nxt = []
        for u in frontier:
            for v in g.neighbors(u):
                if v not in reached and rng.random() < p:
                    reached.add(v)
                    nxt.append(v)
        frontier = nxt
    return len(reached) - len(seeds)


@pytest.mark.parametrize(
    "p, low, high", [(0.02, 5.0, None), (0.05, 5.0, None), (0.2, 0.9, 1.1), (0.3, 0.9, 1.1)]
)
def test_sensitivity_exercise_strong_nodes_matter_only_when_spreading_is_hard(p, low, high):
    """Lesson 3's influence sensitivity answer: with 5 seeds the strong nodes reach about ten times as
    many as random members at p = 0.02-0.05 and about as many at p >= 0.2, by an independent cascade."""
    g = inf.community_graph()
    strong = sorted(g.nodes, key=lambda v: (-g.degree(v), v))[:5]
    rng = np.random.default_rng(11)
    nodes = list(g.nodes)
    runs = 150
    strong_mean = np.mean([_plain_cascade(g, strong, p, rng) for _ in range(runs)])
    random_mean = np.mean(
        [_plain_cascade(g, list(rng.choice(nodes, 5, replace=False)), p, rng) for _ in range(runs)]
    )
    ratio = strong_mean / max(random_mean, 1e-9)
    assert ratio > low and (high is None or ratio < high), ratio
    package = inf.influence_reach("degree", 5, p).cascade / inf.influence_reach("random", 5, p).cascade
    assert package > low and (high is None or package < high), package
