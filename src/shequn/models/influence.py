"""Lesson 3 model: strong nodes and how far they reach (influence).

It illustrates a claim of seed ``004_6dd75580a06fa525.md``.  Every parameter is
an illustrative assumption, not a measurement; outputs are synthetic.  The lesson's
other model, the gas-station story, is :mod:`shequn.models.gas_station`; the
two models share nothing but the lesson.

A synthetic community is a Holme–Kim power-law cluster graph
(``networkx.powerlaw_cluster_graph``): members join one by one and tie to
``m`` existing members, preferring well-connected ones, and close triangles
with probability ``p``.  Strong nodes are the ``k`` members with the highest
centrality (``shequn.models.networks.strong_nodes``: degree, betweenness or
eigenvector).  Reach of a seed set ``S``:

* ``h``-hop reach: members within ``h`` ties of ``S`` (``S`` excluded);
* cascade reach, the live-edge form of the independent-cascade model: each tie
  is "live" independently with the spread probability ``q``; every member
  connected to ``S`` through live ties hears the message (``S`` excluded).
  It is averaged over ``runs`` draws with a fixed random seed.  Random seeding
  draws a new random seed set in every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from shequn.models import networks

__all__ = [
    "SeedStrategy",
    "SEED_STRATEGY_ZH",
    "community_graph",
    "seed_ranking",
    "choose_seeds",
    "hop_reach",
    "reach_distribution",
    "cascade_reach",
    "InfluenceResult",
    "influence_reach",
    "influence_table",
    "plot_reach_distribution",
    "plot_influence",
]

SeedStrategy = Literal["degree", "betweenness", "eigenvector", "random"]
SEED_STRATEGY_ZH = {
    "degree": "强节点（度中心性）",
    "betweenness": "强节点（中介中心性）",
    "eigenvector": "强节点（特征向量中心性）",
    "random": "随机成员",
}


@lru_cache(maxsize=8)
def _graph(n: int, m: int, triangle: float, seed: int) -> nx.Graph:
    return nx.powerlaw_cluster_graph(n, m, triangle, seed=seed)


def _graph_key(n: int, m: int, triangle: float, seed: int) -> tuple[int, int, float, int]:
    """Validate the community-graph parameters; return them as a cache key."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 10:
        raise ValueError(f"n must be an integer >= 10, got {n!r}")
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 1 <= m < n:
        raise ValueError(f"m must be an integer in [1, n), got {m!r}")
    if not 0.0 <= triangle <= 1.0:
        raise ValueError(f"triangle must lie in [0, 1], got {triangle}")
    return int(n), int(m), float(triangle), int(seed)


def community_graph(n: int = 1000, m: int = 3, triangle: float = 0.3, seed: int = 7) -> nx.Graph:
    """A synthetic community: Holme–Kim power-law cluster graph (a fresh copy)."""
    return _graph(*_graph_key(n, m, triangle, seed)).copy()


def _check_strategy_seed(strategy: str) -> None:
    if strategy not in SEED_STRATEGY_ZH:
        raise ValueError(f"strategy must be one of {sorted(SEED_STRATEGY_ZH)}, got {strategy!r}")


@lru_cache(maxsize=32)
def _ranking_cached(n: int, m: int, triangle: float, seed: int, measure: str) -> tuple[int, ...]:
    g = _graph(n, m, triangle, seed)
    return tuple(int(v) for v, _ in networks.strong_nodes(g, g.number_of_nodes(), measure))


def seed_ranking(
    measure: str, n: int = 1000, m: int = 3, triangle: float = 0.3, seed: int = 7
) -> tuple[int, ...]:
    """All members of ``community_graph(n, m, triangle, seed)``, strongest first by ``measure``."""
    _check_strategy_seed(measure)
    if measure == "random":
        raise ValueError("random seeding has no ranking; use choose_seeds(..., 'random', ...)")
    return _ranking_cached(*_graph_key(n, m, triangle, seed), measure)


def choose_seeds(g: nx.Graph, strategy: SeedStrategy, k: int, seed: int = 0) -> list:
    """``k`` seed members: the strongest nodes by a centrality, or ``k`` random members."""
    _check_strategy_seed(strategy)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= g.number_of_nodes():
        raise ValueError(f"k must be an integer in [1, {g.number_of_nodes()}], got {k!r}")
    if strategy == "random":
        nodes = list(g.nodes)
        picks = np.random.default_rng(seed).choice(len(nodes), size=int(k), replace=False)
        return [nodes[i] for i in picks]
    return [v for v, _ in networks.strong_nodes(g, int(k), strategy)]


def hop_reach(g: nx.Graph, seeds, hops: int = 2) -> int:
    """Members within ``hops`` ties of the seed set, the seeds themselves excluded."""
    if isinstance(hops, bool) or not isinstance(hops, (int, np.integer)) or hops < 0:
        raise ValueError(f"hops must be an integer >= 0, got {hops!r}")
    seeds = set(seeds)
    missing = seeds - set(g.nodes)
    if missing:
        raise ValueError(f"seeds not in the graph: {sorted(missing)[:5]}")
    frontier, seen = set(seeds), set(seeds)
    for _ in range(int(hops)):
        frontier = {u for v in frontier for u in g.neighbors(v)} - seen
        seen |= frontier
    return len(seen) - len(seeds)


def reach_distribution(g: nx.Graph, hops: int = 2) -> pd.Series:
    """Each member's own ``hops``-hop reach (how many people they can reach directly or via friends)."""
    return pd.Series({v: hop_reach(g, [v], hops) for v in g.nodes}, name=f"{hops}跳内的人数")


@lru_cache(maxsize=8)
def _arrays(key: tuple[int, int, float, int]) -> tuple[np.ndarray, np.ndarray, sparse.csr_matrix]:
    """Edge endpoints and adjacency matrix of a cached community graph (nodes are 0..n-1)."""
    g = _graph(*key)
    edges = np.array(list(g.edges), dtype=np.int64).reshape(-1, 2)
    n = g.number_of_nodes()
    rows = np.r_[edges[:, 0], edges[:, 1]]
    cols = np.r_[edges[:, 1], edges[:, 0]]
    adj = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    return edges[:, 0], edges[:, 1], adj


def _seed_matrix(seed_sets: np.ndarray, n: int) -> np.ndarray:
    rows = np.repeat(np.arange(seed_sets.shape[0]), seed_sets.shape[1])
    mat = np.zeros((seed_sets.shape[0], n), dtype=bool)
    mat[rows, seed_sets.ravel()] = True
    return mat


def _hop_reach_many(adj: sparse.csr_matrix, seeds: np.ndarray, hops: int) -> np.ndarray:
    """hop_reach for every row of a boolean (runs, n) seed matrix at once."""
    seen = seeds.copy()
    for _ in range(hops):
        seen = seen | (sparse.csr_matrix(seen.astype(np.float64)) @ adj).toarray().astype(bool)
    return seen.sum(axis=1) - seeds.sum(axis=1)


def _cascade_many(
    src: np.ndarray, dst: np.ndarray, n: int, seeds: np.ndarray, spread_prob: float, seed: int
) -> np.ndarray:
    """Live-edge cascade, one run per row of the boolean (runs, n) seed matrix, solved at once."""
    runs = seeds.shape[0]
    rng = np.random.default_rng(seed)
    live = rng.random((runs, len(src)), dtype=np.float32) < spread_prob
    run_of_edge, edge = np.nonzero(live)
    offset = run_of_edge * n
    adj = sparse.csr_matrix(
        (np.ones(len(edge), dtype=np.int8), (src[edge] + offset, dst[edge] + offset)),
        shape=(n * runs, n * runs),
    )
    n_comp, labels = csgraph.connected_components(adj, directed=False)
    hit = np.zeros(n_comp, dtype=bool)
    hit[labels[seeds.ravel()]] = True
    return hit[labels].reshape(runs, n).sum(axis=1) - seeds.sum(axis=1)


def cascade_reach(g: nx.Graph, seed_sets, spread_prob: float, seed: int = 0) -> np.ndarray:
    """Live-edge cascade: reach (seeds excluded) for each of the given seed sets, one run each.

    Run ``r`` keeps every tie independently with probability ``spread_prob`` and
    counts the members connected to ``seed_sets[r]`` through kept ties.  All
    runs are solved at once as one block-diagonal graph.
    """
    if not 0.0 <= spread_prob <= 1.0:
        raise ValueError(f"spread_prob must lie in [0, 1], got {spread_prob}")
    seed_sets = [list(s) for s in seed_sets]
    if not seed_sets:
        raise ValueError("need at least one seed set")
    index = {v: i for i, v in enumerate(g.nodes)}
    edges = np.array([(index[u], index[v]) for u, v in g.edges], dtype=np.int64).reshape(-1, 2)
    seeds = np.zeros((len(seed_sets), len(index)), dtype=bool)
    for r, s in enumerate(seed_sets):
        for v in s:
            if v not in index:
                raise ValueError(f"seed {v!r} is not in the graph")
            seeds[r, index[v]] = True
    return _cascade_many(edges[:, 0], edges[:, 1], len(index), seeds, spread_prob, seed)


@dataclass(frozen=True)
class InfluenceResult:
    strategy: str
    k: int
    spread_prob: float
    one_hop: float  # mean members within 1 tie of the seeds
    two_hop: float  # mean members within 2 ties
    cascade: float  # mean cascade reach
    members: int

    @property
    def cascade_share(self) -> float:
        return self.cascade / (self.members - self.k)


def influence_reach(
    strategy: SeedStrategy,
    k: int,
    spread_prob: float,
    runs: int = 60,
    seed: int = 0,
    n: int = 1000,
    m: int = 3,
    triangle: float = 0.3,
    graph_seed: int = 7,
) -> InfluenceResult:
    """Hop and cascade reach of ``k`` seeds chosen by ``strategy`` in ``community_graph``.

    Strong-node seeding uses the same ``k`` members in every run; random seeding
    draws ``k`` new members in each run.  Every run draws its own live ties.
    """
    _check_strategy_seed(strategy)
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
        raise ValueError(f"runs must be an integer >= 1, got {runs!r}")
    if not 0.0 <= spread_prob <= 1.0:
        raise ValueError(f"spread_prob must lie in [0, 1], got {spread_prob}")
    key = _graph_key(n, m, triangle, graph_seed)
    src, dst, adj = _arrays(key)
    size = adj.shape[0]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= size:
        raise ValueError(f"k must be an integer in [1, {size}], got {k!r}")
    if strategy == "random":
        rng = np.random.default_rng([seed, 1])
        seed_sets = rng.permuted(np.tile(np.arange(size), (runs, 1)), axis=1)[:, :k]
        hop_seeds = _seed_matrix(seed_sets, size)
    else:
        top = np.array(seed_ranking(strategy, n, m, triangle, graph_seed)[:k])
        seed_sets = np.tile(top, (runs, 1))
        hop_seeds = _seed_matrix(top[None, :], size)
    one = float(_hop_reach_many(adj, hop_seeds, 1).mean())
    two = float(_hop_reach_many(adj, hop_seeds, 2).mean())
    cascade = float(_cascade_many(src, dst, size, _seed_matrix(seed_sets, size), spread_prob, seed).mean())
    return InfluenceResult(strategy, int(k), float(spread_prob), one, two, cascade, size)


def influence_table(k: int = 5, spread_prob: float = 0.1, runs: int = 60, seed: int = 0) -> pd.DataFrame:
    """Reach of ``k`` seeds under every seeding strategy (synthetic community of 1000 members)."""
    rows = []
    for strategy in SEED_STRATEGY_ZH:
        r = influence_reach(strategy, k, spread_prob, runs, seed)
        rows.append(
            {
                "播种方式": SEED_STRATEGY_ZH[strategy],
                "1跳内的人数": round(r.one_hop, 1),
                "2跳内的人数": round(r.two_hop, 1),
                "级联传播平均触达人数": round(r.cascade, 1),
            }
        )
    return pd.DataFrame(rows).set_index("播种方式")


def plot_reach_distribution(hops: int = 2, n: int = 1000, m: int = 3, triangle: float = 0.3, seed: int = 7):
    """Histogram (log x axis) of how many members each member reaches within ``hops`` ties."""
    from matplotlib.ticker import NullFormatter

    from shequn.plotting import new_figure

    g = _graph(*_graph_key(n, m, triangle, seed))
    dist = reach_distribution(g, hops)
    fig, ax = new_figure(figsize=(7.5, 3.8))
    lo, hi = max(1, int(dist.min())), int(dist.max())
    bins = np.geomspace(lo, hi + 1, 25)
    ax.hist(dist.values, bins=bins, color="#2f6fb0", alpha=0.85)
    ax.set_xscale("log")
    ticks = [t for t in (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if lo / 1.5 <= t <= (hi + 1) * 1.5]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(f"{hops}跳之内能联系到的人数（对数刻度）")
    ax.set_ylabel("成员人数")
    ax.set_title(
        f"{g.number_of_nodes()}人的合成社群里，每个人{hops}跳之内能联系到多少人（示意模型，合成数据）",
        fontsize=10,
    )
    for q, label in ((0.5, "中位数"), (1.0, "最多")):
        x = float(dist.quantile(q))
        ax.axvline(x, color="#d9822b", ls="--", lw=1)
        ax.annotate(
            f"{label} {x:.0f}",
            (x, ax.get_ylim()[1] * 0.9),
            fontsize=9,
            ha="right",
            rotation=90,
            va="top",
            color="#d9822b",
        )
    fig.tight_layout()
    return fig


def plot_influence(k_values=(1, 2, 5, 10, 20), spread_prob: float = 0.1, runs: int = 60, seed: int = 0):
    """Mean cascade reach against the number of seeds, for each seeding strategy."""
    from shequn.plotting import new_figure

    fig, ax = new_figure(figsize=(7.5, 4.0))
    for strategy, label in SEED_STRATEGY_ZH.items():
        ys = [influence_reach(strategy, k, spread_prob, runs, seed).cascade for k in k_values]
        ax.plot(k_values, ys, "--" if strategy == "random" else "-", marker="o", markersize=4, label=label)
    ax.set_xticks(list(k_values))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("播种人数（最先收到消息的人）")
    ax.set_ylabel("级联传播平均触达人数")
    ax.set_title(f"强节点与随机成员：传播概率{spread_prob:.2f}时的触达（示意模型，合成数据）", fontsize=11)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig
