"""Lesson 3 models: the gas-station story and strong nodes' reach; the two widgets."""


import networkx as nx
import numpy as np
import pytest

from shequn import networks
from shequn import user_economy as ue
from shequn.widgets.user_economy import gas_station_explorer_spec, influence_explorer_spec

P = ue.GasStationParams()
NS = range(1, 31)


# ------------------------------------------------------------------ gas station
def test_identical_stations_split_the_stream_profit_per_station_falls():
    per = [ue.gas_station_summary(n, "identical").per_business for n in NS]
    total = [ue.gas_station_summary(n, "identical").total for n in NS]
    assert all(a > b for a, b in zip(per, per[1:]))
    assert all(a > b for a, b in zip(total, total[1:]))
    assert per[-1] < 0  # saturation: with enough stations nobody makes money


def test_identical_closed_form_and_saturation_point():
    # by hand with the defaults: 2000 cars * 0.3 stop = 600 users * 20 yuan = 12,000 yuan of margin a day,
    # split among n stations, each paying 200 fixed + 300 acquisition
    for n, each in ((1, 11500.0), (4, 2500.0), (9, 12000 / 9 - 500)):
        assert ue.business_profits(n, "identical").tolist() == pytest.approx([each] * n)
    n_star = ue.saturation_point()
    assert n_star == pytest.approx(24.0)  # 12,000 / 500
    assert ue.gas_station_summary(int(round(n_star)), "identical").per_business == pytest.approx(0, abs=1e-9)
    assert ue.saturation_point(traffic=2 * P.traffic) == pytest.approx(2 * n_star)


def test_complementary_total_closed_form():
    for n in (1, 2, 7, 20):
        rho = P.need_decay
        expected = (P.margin * P.users * (1 + P.complementarity * P.need_share * (1 - rho ** (n - 1)) / (1 - rho))
                    - n * P.fixed_cost - P.acquisition_cost)
        assert ue.gas_station_summary(n, "complementary").total == pytest.approx(expected)


def test_one_business_is_the_same_under_both_strategies():
    a = ue.gas_station_summary(1, "identical")
    b = ue.gas_station_summary(1, "complementary")
    assert a.total == pytest.approx(b.total) and a.first == pytest.approx(b.first)


@pytest.mark.parametrize("n", range(1, 25))
def test_a_newcomer_hurts_identical_incumbents_but_not_complementary_ones(n):
    before_a, after_a = ue.business_profits(n, "identical"), ue.business_profits(n + 1, "identical")
    before_b, after_b = ue.business_profits(n, "complementary"), ue.business_profits(n + 1, "complementary")
    assert np.all(after_a[:n] < before_a)
    assert np.all(after_b[:n] >= before_b)


def test_complementary_profit_per_business_falls_much_slower():
    a = {n: ue.gas_station_summary(n, "identical").per_business for n in NS}
    b = {n: ue.gas_station_summary(n, "complementary").per_business for n in NS}
    assert all(b[n] >= a[n] for n in NS)
    assert b[10] / b[1] > 3 * (a[10] / a[1])
    assert min(b.values()) > 0 > min(a.values())


def test_scope_is_finite_when_complementarity_is_low():
    low = [ue.gas_station_summary(n, "complementary", complementarity=0.1) for n in NS]
    assert low[-1].newest < 0  # rarer needs eventually lose money
    totals = [s.total for s in low]
    assert max(totals) > totals[-1]  # so the total peaks
    high = [ue.gas_station_summary(n, "complementary", complementarity=0.8).total for n in NS]
    assert all(x < y for x, y in zip(high, high[1:]))


def test_traffic_and_complementarity_act_where_they_should():
    for n in (2, 8):
        assert (ue.gas_station_summary(n, "identical", traffic=4000).total
                > ue.gas_station_summary(n, "identical", traffic=1000).total)
        assert (ue.gas_station_summary(n, "identical", complementarity=0.1).total
                == ue.gas_station_summary(n, "identical", complementarity=0.8).total)
        assert (ue.gas_station_summary(n, "complementary", complementarity=0.8).total
                > ue.gas_station_summary(n, "complementary", complementarity=0.1).total)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ue.business_profits(0, "identical"),
        lambda: ue.business_profits(2.5, "identical"),
        lambda: ue.business_profits(3, "franchise"),
        lambda: ue.business_profits(3, "identical", traffic=-1),
        lambda: ue.GasStationParams(complementarity=1.2),
        lambda: ue.GasStationParams(need_decay=1.0),
        lambda: ue.GasStationParams(fixed_cost=-5),
    ],
)
def test_bad_gas_station_inputs_are_refused(call):
    with pytest.raises(ValueError):
        call()


def test_gas_station_table_columns():
    table = ue.gas_station_table((1, 5))
    assert list(table.index) == [1, 5]
    assert "同质加油站：每家利润" in table.columns and "互补商户：总利润" in table.columns


# ------------------------------------------------------------------ influence
def test_hop_reach_on_a_path():
    g = nx.path_graph(6)
    assert ue.hop_reach(g, [0], 1) == 1
    assert ue.hop_reach(g, [0], 2) == 2
    assert ue.hop_reach(g, [2], 2) == 4
    assert ue.hop_reach(g, [0, 5], 1) == 2
    with pytest.raises(ValueError):
        ue.hop_reach(g, [99], 1)


def test_cascade_extremes_and_closed_form_on_a_path():
    g = nx.path_graph(3)
    assert np.all(ue.cascade_reach(g, [[0]] * 50, 0.0) == 0)
    assert np.all(ue.cascade_reach(g, [[0]] * 50, 1.0) == 2)
    runs, q = 40_000, 0.4
    reach = ue.cascade_reach(g, [[0]] * runs, q, seed=3)
    expected = q + q * q  # node 1 with q, node 2 with q^2
    sd = np.sqrt(((np.array([0, 1, 2]) - expected) ** 2 @ np.array([1 - q, q * (1 - q), q * q])) / runs)
    assert abs(reach.mean() - expected) < 4 * sd


def test_cascade_on_a_disconnected_graph_stays_in_the_seeds_component():
    g = nx.disjoint_union(nx.complete_graph(4), nx.complete_graph(6))
    assert np.all(ue.cascade_reach(g, [[0]] * 10, 1.0) == 3)
    assert np.all(ue.cascade_reach(g, [[0, 5]] * 10, 1.0) == 8)


def test_seed_ranking_uses_the_shared_strong_node_function():
    g = ue.community_graph()
    for measure in ("degree", "eigenvector"):
        top = [v for v, _ in networks.strong_nodes(g, 5, measure)]
        assert list(ue.seed_ranking(measure)[:5]) == top
    with pytest.raises(ValueError):
        ue.seed_ranking("random")


def test_choose_seeds():
    g = ue.community_graph()
    strong = ue.choose_seeds(g, "degree", 3)
    degrees = dict(g.degree())
    assert min(degrees[v] for v in strong) >= max(d for v, d in degrees.items() if v not in strong)
    assert ue.choose_seeds(g, "random", 4, seed=1) == ue.choose_seeds(g, "random", 4, seed=1)
    assert len(set(ue.choose_seeds(g, "random", 10, seed=1))) == 10
    with pytest.raises(ValueError):
        ue.choose_seeds(g, "degree", 0)
    with pytest.raises(ValueError):
        ue.choose_seeds(g, "loudest", 3)


def test_reach_is_heavy_tailed():
    dist = ue.reach_distribution(ue.community_graph(), hops=2)
    assert dist.max() > 5 * dist.median()
    assert dist.max() / max(dist.min(), 1) > 20


@pytest.mark.parametrize("measure", ["degree", "betweenness", "eigenvector"])
@pytest.mark.parametrize("k", [1, 5])
def test_strong_nodes_reach_more_than_random_members_when_spreading_is_hard(measure, k):
    strong = ue.influence_reach(measure, k, 0.05)
    rand = ue.influence_reach("random", k, 0.05)
    assert strong.one_hop > 3 * rand.one_hop
    assert strong.two_hop > rand.two_hop
    assert strong.cascade > 3 * rand.cascade


def test_when_spreading_is_easy_who_you_seed_matters_less():
    ratio = {q: ue.influence_reach("degree", 10, q).cascade / ue.influence_reach("random", 10, q).cascade
             for q in (0.05, 0.3)}
    assert ratio[0.3] < ratio[0.05] / 2


def test_reach_grows_with_spread_probability_and_seeds():
    assert (ue.influence_reach("degree", 5, 0.2).cascade > ue.influence_reach("degree", 5, 0.05).cascade)
    assert ue.influence_reach("degree", 10, 0.1).two_hop >= ue.influence_reach("degree", 2, 0.1).two_hop


def test_influence_is_deterministic_and_validated():
    assert ue.influence_reach("random", 5, 0.1) == ue.influence_reach("random", 5, 0.1)
    assert ue.influence_reach("random", 5, 0.1, seed=1) != ue.influence_reach("random", 5, 0.1, seed=2)
    for kwargs in ({"k": 0}, {"spread_prob": 1.5}, {"runs": 0}, {"strategy": "loudest"}):
        args = dict(strategy="degree", k=5, spread_prob=0.1) | kwargs
        with pytest.raises(ValueError):
            ue.influence_reach(**args)
    with pytest.raises(ValueError):
        ue.community_graph(n=5)


def test_influence_table_rows():
    table = ue.influence_table(k=5, spread_prob=0.05)
    assert list(table.index) == list(ue.SEED_STRATEGY_ZH.values())
    assert table.loc["随机成员", "级联传播平均触达人数"] < table.loc["强节点（度中心性）", "级联传播平均触达人数"]


# ------------------------------------------------------------------ widgets
def _check_spec(spec, change):
    assert spec.grid_size <= 200
    base = spec.compute(**spec.defaults())
    assert base == spec.compute(**spec.defaults())  # deterministic
    assert "示意模型（合成数字，非实测数据）" in base
    for name, value in change.items():
        assert spec.compute(**dict(spec.defaults(), **{name: value})) != base
    for params in spec.extremes():  # every extreme renders (its time is measured in benchmarks/run.py `widgets`)
        assert "示意模型（合成数字，非实测数据）" in spec.compute(**params)


def test_gas_station_explorer():
    spec = gas_station_explorer_spec()
    assert spec.grid_size == 8 * 2 * 3 * 4
    _check_spec(spec, {"n": 12, "strategy": "complementary", "traffic": 4000})
    # complementarity changes the complementary strategy only
    comp = dict(spec.defaults(), strategy="complementary")
    assert spec.compute(**dict(comp, complementarity=0.8)) != spec.compute(**dict(comp, complementarity=0.1))
    many = spec.compute(**dict(comp, n=25))
    assert "其余" in many and "面包店" in many


def test_influence_explorer():
    spec = influence_explorer_spec()
    assert spec.grid_size == 4 * 5 * 5
    _check_spec(spec, {"strategy": "random", "k": 20, "spread_prob": 0.2})


@pytest.mark.parametrize("c, profitable", [(0.5, 25), (0.2, 20), (0.1, 13), (0.05, 7)])
def test_every_complementary_shop_profits_only_if_complementarity_is_high(c, profitable):
    # Lesson 3's "holds only if": shop k >= 2 profits iff m c h0 rho^(k-2) U > F + A/n, with
    # U = 2000 * 0.3 = 600, m = 20, h0 = 0.6, rho = 0.9, F = 200, A = 300, n = 25.
    by_hand = 1 + sum(1 for k in range(2, 26) if 20 * c * 0.6 * 0.9 ** (k - 2) * 600 > 200 + 300 / 25)
    assert by_hand == profitable
    assert int((ue.business_profits(25, "complementary", complementarity=c) > 0).sum()) == profitable
