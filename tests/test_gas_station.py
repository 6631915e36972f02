"""Lesson 3 model: the gas-station story (product economy vs user economy), and its widget."""

from itertools import pairwise

import numpy as np
import pytest

from helpers.explorers import check_spec
from shequn.models import gas_station as gs
from shequn.widgets.gas_station import gas_station_explorer_spec

P = gs.GasStationParams()
NS = range(1, 31)


# ------------------------------------------------------------------ gas station
def test_identical_stations_split_the_stream_profit_per_station_falls():
    per = [gs.gas_station_summary(n, "identical").per_business for n in NS]
    total = [gs.gas_station_summary(n, "identical").total for n in NS]
    assert all(a > b for a, b in pairwise(per))
    assert all(a > b for a, b in pairwise(total))
    assert per[-1] < 0  # saturation: with enough stations nobody makes money


def test_identical_closed_form_and_saturation_point():
    # by hand with the defaults: 2000 cars * 0.3 stop = 600 users * 20 yuan = 12,000 yuan of margin a day,
    # split among n stations, each paying 200 fixed + 300 acquisition
    for n, each in ((1, 11500.0), (4, 2500.0), (9, 12000 / 9 - 500)):
        assert gs.business_profits(n, "identical").tolist() == pytest.approx([each] * n)
    n_star = gs.saturation_point()
    assert n_star == pytest.approx(24.0)  # 12,000 / 500
    assert gs.gas_station_summary(int(round(n_star)), "identical").per_business == pytest.approx(0, abs=1e-9)
    assert gs.saturation_point(traffic=2 * P.traffic) == pytest.approx(2 * n_star)


def test_complementary_total_closed_form():
    for n in (1, 2, 7, 20):
        rho = P.need_decay
        expected = (
            P.margin * P.users * (1 + P.complementarity * P.need_share * (1 - rho ** (n - 1)) / (1 - rho))
            - n * P.fixed_cost
            - P.acquisition_cost
        )
        assert gs.gas_station_summary(n, "complementary").total == pytest.approx(expected)


def test_one_business_is_the_same_under_both_strategies():
    a = gs.gas_station_summary(1, "identical")
    b = gs.gas_station_summary(1, "complementary")
    assert a.total == pytest.approx(b.total) and a.first == pytest.approx(b.first)


@pytest.mark.parametrize("n", range(1, 25))
def test_a_newcomer_hurts_identical_incumbents_but_not_complementary_ones(n):
    before_a, after_a = gs.business_profits(n, "identical"), gs.business_profits(n + 1, "identical")
    before_b, after_b = gs.business_profits(n, "complementary"), gs.business_profits(n + 1, "complementary")
    assert np.all(after_a[:n] < before_a)
    assert np.all(after_b[:n] >= before_b)


def test_complementary_profit_per_business_falls_much_slower():
    a = {n: gs.gas_station_summary(n, "identical").per_business for n in NS}
    b = {n: gs.gas_station_summary(n, "complementary").per_business for n in NS}
    assert all(b[n] >= a[n] for n in NS)
    assert b[10] / b[1] > 3 * (a[10] / a[1])
    assert min(b.values()) > 0 > min(a.values())


def test_scope_is_finite_when_complementarity_is_low():
    low = [gs.gas_station_summary(n, "complementary", complementarity=0.1) for n in NS]
    assert low[-1].newest < 0  # rarer needs eventually lose money
    totals = [s.total for s in low]
    assert max(totals) > totals[-1]  # so the total peaks
    high = [gs.gas_station_summary(n, "complementary", complementarity=0.8).total for n in NS]
    assert all(x < y for x, y in pairwise(high))


def test_traffic_and_complementarity_act_where_they_should():
    for n in (2, 8):
        assert (
            gs.gas_station_summary(n, "identical", traffic=4000).total
            > gs.gas_station_summary(n, "identical", traffic=1000).total
        )
        assert (
            gs.gas_station_summary(n, "identical", complementarity=0.1).total
            == gs.gas_station_summary(n, "identical", complementarity=0.8).total
        )
        assert (
            gs.gas_station_summary(n, "complementary", complementarity=0.8).total
            > gs.gas_station_summary(n, "complementary", complementarity=0.1).total
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda: gs.business_profits(0, "identical"),
        lambda: gs.business_profits(2.5, "identical"),
        lambda: gs.business_profits(3, "franchise"),
        lambda: gs.business_profits(3, "identical", traffic=-1),
        lambda: gs.GasStationParams(complementarity=1.2),
        lambda: gs.GasStationParams(need_decay=1.0),
        lambda: gs.GasStationParams(fixed_cost=-5),
    ],
)
def test_bad_gas_station_inputs_are_refused(call):
    with pytest.raises(ValueError):
        call()


def test_gas_station_table_columns():
    table = gs.gas_station_table((1, 5))
    assert list(table.index) == [1, 5]
    assert "同质加油站：每家利润" in table.columns and "互补商户：总利润" in table.columns


def test_gas_station_explorer():
    spec = gas_station_explorer_spec()
    assert spec.grid_size == 8 * 2 * 3 * 4
    check_spec(spec, {"n": 12, "strategy": "complementary", "traffic": 4000})
    # complementarity changes the complementary strategy only
    comp = dict(spec.defaults(), strategy="complementary")
    assert spec.compute(**dict(comp, complementarity=0.8)) != spec.compute(**dict(comp, complementarity=0.1))
    many = spec.compute(**dict(comp, n=25))
    assert "其余" in many and "面包店" in many


@pytest.mark.parametrize("c, profitable", [(0.5, 25), (0.2, 20), (0.1, 13), (0.05, 7)])
def test_every_complementary_shop_profits_only_if_complementarity_is_high(c, profitable):
    # Lesson 3's "holds only if": shop k >= 2 profits iff m c h0 rho^(k-2) U > F + A/n, with
    # U = 2000 * 0.3 = 600, m = 20, h0 = 0.6, rho = 0.9, F = 200, A = 300, n = 25.
    by_hand = 1 + sum(1 for k in range(2, 26) if 20 * c * 0.6 * 0.9 ** (k - 2) * 600 > 200 + 300 / 25)
    assert by_hand == profitable
    assert int((gs.business_profits(25, "complementary", complementarity=c) > 0).sum()) == profitable
