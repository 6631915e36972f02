"""Lesson 3 models: product economy vs user economy, and how far strong nodes reach.

Both models illustrate claims of seed ``004_6dd75580a06fa525.md``.  Every
parameter is an illustrative assumption, not a measurement; outputs are
synthetic.

1. The gas-station story (product economy vs user economy)
----------------------------------------------------------

One stream of ``T`` cars a day passes a location; a share ``s`` of them stops
for fuel, so ``U = T * s`` users a day stop there.  There are ``n`` businesses.
Every business earns the same margin ``m`` per customer and pays a fixed cost
``F`` a day.  Drawing the stream's attention (signs, promotions) costs an
acquisition budget ``A`` a day.

Strategy ``"identical"`` (product economy, economies of scale): ``n`` identical
gas stations split the same fuel demand equally and compete for it, so each
pays the full acquisition budget itself::

    profit_i(n) = m * U / n - F - A                       (every station i)
    total(n)    = m * U - n * (F + A)

Profit per station falls like ``1 / n`` and reaches zero at
``n* = m * U / (F + A)`` (saturation).

Strategy ``"complementary"`` (user economy, economies of scope): business 1 is
the gas station; businesses ``k = 2..n`` (bakery, inn, laundry, ...) sell
*other* things to the *same* users.  Needs are ranked from the most to the
least common: a share ``h_k = h0 * rho ** (k - 2)`` of the stopping users has
need ``k``, and the complementarity ``c`` (0..1) is the share of those users
that the business actually serves.  The businesses share one user base, so
they share one acquisition budget ``A`` equally::

    profit_1(n) = m * U - F - A / n
    profit_k(n) = m * c * h0 * rho ** (k - 2) * U - F - A / n     (k >= 2)
    total(n)    = m * U * (1 + c * h0 * (1 - rho ** (n - 1)) / (1 - rho)) - n * F - A

Adding a business never lowers the others' sales (they sell different
things); it lowers everyone's share of the acquisition budget.  Because needs
get rarer (``rho < 1``), scope is finite too: the ``k``-th business loses money
once ``m * c * h0 * rho ** (k - 2) * U < F + A / n``.  With ``n = 1`` both
strategies are the same single gas station.

2. Strong nodes and reach (influence)
-------------------------------------

A synthetic community is a Holme–Kim power-law cluster graph
(``networkx.powerlaw_cluster_graph``): members join one by one and tie to
``m`` existing members, preferring well-connected ones, and close triangles
with probability ``p``.  Strong nodes are the ``k`` members with the highest
centrality (``shequn.networks.strong_nodes``: degree, betweenness or
eigenvector).  Reach of a seed set ``S``:

* ``h``-hop reach: members within ``h`` ties of ``S`` (``S`` excluded);
* cascade reach, the live-edge form of the independent-cascade model: each tie
  is "live" independently with the spread probability ``q``; every member
  connected to ``S`` through live ties hears the message (``S`` excluded).
  It is averaged over ``runs`` draws with a fixed random seed.  Random seeding
  draws a new random seed set in every run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from shequn import networks

__all__ = [
    "Strategy",
    "GasStationParams",
    "BUSINESS_NAMES_ZH",
    "STRATEGY_ZH",
    "GasStationSummary",
    "business_profits",
    "gas_station_summary",
    "saturation_point",
    "gas_station_table",
    "plot_gas_station",
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

Strategy = Literal["identical", "complementary"]
STRATEGY_ZH = {"identical": "同质：再开一座加油站", "complementary": "互补：开不同的店"}

# Business 1 is the gas station; the next three are the seed's own examples.
BUSINESS_NAMES_ZH = ("加油站", "面包店", "旅店", "洗衣房", "便利店", "洗车店", "餐馆", "汽修店", "咖啡馆", "药店")


# ====================================================================== gas station
@dataclass(frozen=True)
class GasStationParams:
    """Illustrative parameters of the gas-station model (money in 元 a day)."""

    traffic: float = 2000.0  # T, cars passing a day
    stop_share: float = 0.3  # s, share of passing cars that stop for fuel
    margin: float = 20.0  # m, gross profit per customer
    fixed_cost: float = 200.0  # F, per business per day
    acquisition_cost: float = 300.0  # A, drawing the stream's attention, per day
    need_share: float = 0.6  # h0, share of stopping users with the most common other need
    need_decay: float = 0.9  # rho, each further need is this much rarer
    complementarity: float = 0.5  # c, share of users with a need that the business serves

    def __post_init__(self) -> None:
        if self.traffic < 0:
            raise ValueError(f"traffic must be >= 0, got {self.traffic}")
        for name in ("stop_share", "need_share", "complementarity"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")
        if not 0.0 < self.need_decay < 1.0:
            raise ValueError(f"need_decay must lie in (0, 1), got {self.need_decay}")
        for name in ("margin", "fixed_cost", "acquisition_cost"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")

    @property
    def users(self) -> float:
        """U = T * s, users who stop a day."""
        return self.traffic * self.stop_share


def _params(params: GasStationParams | None, **overrides) -> GasStationParams:
    base = params if params is not None else GasStationParams()
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(base, **given) if given else base


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"number of businesses must be an integer >= 1, got {n!r}")
    return int(n)


def _check_strategy(strategy: str) -> None:
    if strategy not in STRATEGY_ZH:
        raise ValueError(f"strategy must be 'identical' or 'complementary', got {strategy!r}")


def business_profits(n: int, strategy: Strategy, params: GasStationParams | None = None, *,
                     traffic: float | None = None, complementarity: float | None = None) -> np.ndarray:
    """Daily profit of each of the ``n`` businesses (business 1 first), in 元."""
    n = _check_n(n)
    _check_strategy(strategy)
    p = _params(params, traffic=traffic, complementarity=complementarity)
    if strategy == "identical":
        return np.full(n, p.margin * p.users / n - p.fixed_cost - p.acquisition_cost)
    k = np.arange(n)
    sales = np.where(k == 0, 1.0, p.complementarity * p.need_share * p.need_decay ** np.maximum(k - 1, 0))
    return p.margin * p.users * sales - p.fixed_cost - p.acquisition_cost / n


@dataclass(frozen=True)
class GasStationSummary:
    n: int
    strategy: str
    per_business: float  # mean profit per business
    total: float
    first: float  # profit of business 1 (the first gas station)
    newest: float  # profit of business n (the one added last)
    acquisition_per_business: float


def gas_station_summary(n: int, strategy: Strategy, params: GasStationParams | None = None, *,
                        traffic: float | None = None, complementarity: float | None = None) -> GasStationSummary:
    """Mean and total profit, and the first and newest business's profit."""
    p = _params(params, traffic=traffic, complementarity=complementarity)
    profits = business_profits(n, strategy, p)
    acq = p.acquisition_cost if strategy == "identical" else p.acquisition_cost / n
    return GasStationSummary(n, strategy, float(profits.mean()), float(profits.sum()),
                             float(profits[0]), float(profits[-1]), acq)


def saturation_point(params: GasStationParams | None = None, *, traffic: float | None = None) -> float:
    """n* = m * U / (F + A): identical stations stop making money beyond it."""
    p = _params(params, traffic=traffic)
    cost = p.fixed_cost + p.acquisition_cost
    return float("inf") if cost == 0 else p.margin * p.users / cost


def gas_station_table(ns=(1, 2, 3, 5, 10, 15, 20, 25), params: GasStationParams | None = None, *,
                      traffic: float | None = None, complementarity: float | None = None) -> pd.DataFrame:
    """Both strategies side by side for several numbers of businesses (元 a day)."""
    p = _params(params, traffic=traffic, complementarity=complementarity)
    rows = []
    for n in ns:
        a = gas_station_summary(n, "identical", p)
        b = gas_station_summary(n, "complementary", p)
        rows.append({
            "商户数": n,
            "同质加油站：每家利润": round(a.per_business),
            "同质加油站：总利润": round(a.total),
            "互补商户：每家平均利润": round(b.per_business),
            "互补商户：最新一家的利润": round(b.newest),
            "互补商户：总利润": round(b.total),
        })
    return pd.DataFrame(rows).set_index("商户数")


def plot_gas_station(max_n: int = 25, params: GasStationParams | None = None, *,
                     traffic: float | None = None, complementarity: float | None = None):
    """Profit per business (left) and total profit (right) against the number of businesses."""
    from shequn.plotting import new_figure

    max_n = _check_n(max_n)
    p = _params(params, traffic=traffic, complementarity=complementarity)
    ns = np.arange(1, max_n + 1)
    fig, ax = new_figure(figsize=(9.5, 4.0))
    ax.remove()
    left, right = fig.subplots(1, 2)
    styles = {"identical": ("#d9822b", "--"), "complementary": ("#2f6fb0", "-")}
    for strategy, (color, ls) in styles.items():
        s = [gas_station_summary(int(n), strategy, p) for n in ns]
        left.plot(ns, [x.per_business / 1000 for x in s], ls, color=color, marker="o", markersize=3,
                  label=STRATEGY_ZH[strategy])
        right.plot(ns, [x.total / 1000 for x in s], ls, color=color, marker="o", markersize=3,
                   label=STRATEGY_ZH[strategy])
    for a in (left, right):
        a.axhline(0, color="grey", lw=0.8)
        a.grid(True, alpha=0.3)
        a.spines[["top", "right"]].set_visible(False)
        a.set_xlabel("商户数")
    left.set_ylabel("每家平均利润（千元/天）")
    right.set_ylabel("所有商户的总利润（千元/天）")
    left.set_title("每家商户的平均利润")
    right.set_title("总利润")
    left.legend(fontsize=9)
    fig.suptitle(f"加油站的故事：每天{p.traffic:.0f}辆车经过，互补程度{p.complementarity:.1f}（示意模型，合成数据）",
                 fontsize=11)
    fig.tight_layout()
    return fig


# ====================================================================== influence
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


def seed_ranking(measure: str, n: int = 1000, m: int = 3, triangle: float = 0.3, seed: int = 7) -> tuple[int, ...]:
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


def _cascade_many(src: np.ndarray, dst: np.ndarray, n: int, seeds: np.ndarray, spread_prob: float,
                  seed: int) -> np.ndarray:
    """Live-edge cascade, one run per row of the boolean (runs, n) seed matrix, solved at once."""
    runs = seeds.shape[0]
    rng = np.random.default_rng(seed)
    live = rng.random((runs, len(src)), dtype=np.float32) < spread_prob
    run_of_edge, edge = np.nonzero(live)
    offset = run_of_edge * n
    adj = sparse.csr_matrix((np.ones(len(edge), dtype=np.int8), (src[edge] + offset, dst[edge] + offset)),
                            shape=(n * runs, n * runs))
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


def influence_reach(strategy: SeedStrategy, k: int, spread_prob: float, runs: int = 60, seed: int = 0,
                    n: int = 1000, m: int = 3, triangle: float = 0.3, graph_seed: int = 7) -> InfluenceResult:
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
        rows.append({
            "播种方式": SEED_STRATEGY_ZH[strategy],
            "1跳内的人数": round(r.one_hop, 1),
            "2跳内的人数": round(r.two_hop, 1),
            "级联传播平均触达人数": round(r.cascade, 1),
        })
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
    ax.set_title(f"{g.number_of_nodes()}人的合成社群里，每个人{hops}跳之内能联系到多少人（示意模型，合成数据）",
                 fontsize=10)
    for q, label in ((0.5, "中位数"), (1.0, "最多")):
        x = float(dist.quantile(q))
        ax.axvline(x, color="#d9822b", ls="--", lw=1)
        ax.annotate(f"{label} {x:.0f}", (x, ax.get_ylim()[1] * 0.9), fontsize=9, ha="right",
                    rotation=90, va="top", color="#d9822b")
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
