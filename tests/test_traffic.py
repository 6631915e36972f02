"""Introduction model (流量 vs 留量): the properties the lesson states."""

import math

import numpy as np
import pytest

from shequn.models import traffic as tr
from shequn.widgets import traffic_explorer_spec


# --------------------------------------------------------------- closed forms
@pytest.mark.parametrize("inflow, retention", [(1000, 0.5), (500, 0.9), (37, 0.0), (200, 0.95), (80, 1.0)])
def test_recursion_matches_closed_form(inflow, retention):
    run = tr.simulate(tr.Strategy("x", inflow, retention), weeks=60)
    t = np.arange(1, 61)
    if retention < 1:
        expected = inflow * (1 - retention**t) / (1 - retention)
    else:
        expected = inflow * t
    assert np.allclose(run["stock"].to_numpy(), expected)
    assert np.allclose(tr.stock_closed_form(inflow, retention, t), expected)


def test_stock_is_a_geometric_series():
    a, r = 300.0, 0.7
    for t in (1, 2, 5, 13):
        assert tr.stock_closed_form(a, r, t) == pytest.approx(sum(a * r**k for k in range(t)))
    assert tr.stock_closed_form(a, r, 0) == 0.0


def test_bookkeeping_new_kept_lost():
    run = tr.simulate(tr.Strategy("x", 400, 0.8), weeks=20)
    previous = np.concatenate(([0.0], run["stock"].to_numpy()[:-1]))
    assert np.allclose(run["stock"], run["kept"] + run["new_users"])
    assert np.allclose(run["kept"] + run["lost"], previous)
    assert np.allclose(run["lost"], 0.2 * previous)


@pytest.mark.parametrize("retention", [0.0, 0.5, 0.7, 0.8, 0.9, 0.95])
def test_stock_rises_towards_but_never_beyond_steady_state(retention):
    a = 500
    star = tr.steady_state(a, retention)
    assert star == pytest.approx(a / (1 - retention))
    stock = tr.simulate(tr.Strategy("x", a, retention), weeks=400)["stock"].to_numpy()
    assert np.all(np.diff(stock) >= 0)
    assert np.all(stock <= star + 1e-9)
    assert stock[-1] == pytest.approx(star, rel=1e-6)


def test_steady_state_is_inflow_times_lifetime():
    for r in (0.0, 0.5, 0.9):
        assert tr.steady_state(700, r) == pytest.approx(700 * tr.expected_lifetime(r))
    assert tr.expected_lifetime(0.9) == pytest.approx(10.0)
    assert tr.steady_state(10, 1.0) == math.inf
    assert tr.steady_state(0, 1.0) == 0.0


def test_weeks_to_share_is_the_first_week_past_the_share():
    for r in (0.5, 0.7, 0.8, 0.9, 0.95):
        for share in (0.5, 0.9):
            t = tr.weeks_to_share(r, share)
            star = tr.steady_state(1.0, r)
            assert tr.stock_closed_form(1.0, r, t) >= share * star - 1e-12
            if t > 1:
                assert tr.stock_closed_form(1.0, r, t - 1) < share * star
    assert tr.weeks_to_share(0.5, 0.5) == 1
    # higher retention: a bigger stock that takes longer to build
    assert tr.weeks_to_share(0.95) > tr.weeks_to_share(0.7)


# ---------------------------------------------------------------- the money
def test_spend_and_cost_per_retained_user():
    s = tr.Strategy("x", 500, 0.9, cost_per_user=20, weekly_cost=3000)
    run = tr.simulate(s, weeks=10)
    assert np.allclose(run["spend"], (20 * 500 + 3000) * np.arange(1, 11))
    # by hand: 13,000 yuan a week; stock 500, 500 * 0.9 + 500 = 950, 950 * 0.9 + 500 = 1355, ...
    assert run["cost_per_retained"].iloc[:3].tolist() == pytest.approx(
        [13000 / 500, 26000 / 950, 39000 / 1355]
    )
    # week 10 from the closed form of the stock, 500 * (1 - 0.9^10) / (1 - 0.9)
    assert run["cost_per_retained"].iloc[-1] == pytest.approx(130000 / (5000 * (1 - 0.9**10)))
    out = tr.summary(s, 10)
    assert out["spend"] == pytest.approx(run["spend"].iloc[-1])
    assert out["cost_per_retained"] == pytest.approx(run["cost_per_retained"].iloc[-1])
    assert out["steady_weekly_cost_per_user"] == pytest.approx(13000 / 5000)


def test_without_community_cost_inflow_does_not_change_cost_per_retained_user():
    for r in (0.5, 0.8, 0.95):
        small = tr.summary(tr.Strategy("x", 100, r, cost_per_user=20), 12)["cost_per_retained"]
        big = tr.summary(tr.Strategy("x", 2000, r, cost_per_user=20), 12)["cost_per_retained"]
        assert small == pytest.approx(big)
        assert small == pytest.approx(20 * 12 * (1 - r) / (1 - r**12))


def test_higher_retention_means_more_users_and_cheaper_users():
    stocks, costs = [], []
    for r in (0.5, 0.7, 0.8, 0.9, 0.95):
        out = tr.summary(tr.Strategy("x", 500, r, cost_per_user=20), 12)
        stocks.append(out["stock"])
        costs.append(out["cost_per_retained"])
    assert np.all(np.diff(stocks) > 0)
    assert np.all(np.diff(costs) < 0)


def test_cost_per_retained_user_grows_with_the_horizon():
    # money spent on users who have left stays spent: C_t grows linearly, S_t saturates
    run = tr.simulate(tr.TRAFFIC_STRATEGY, weeks=52)
    assert np.all(np.diff(run["cost_per_retained"]) > 0)


# ------------------------------------------------------ the two presets
def test_presets_spend_the_same_each_week():
    assert tr.TRAFFIC_STRATEGY.weekly_spend == pytest.approx(tr.RETENTION_STRATEGY.weekly_spend)
    assert tr.TRAFFIC_STRATEGY.inflow > tr.RETENTION_STRATEGY.inflow
    assert tr.TRAFFIC_STRATEGY.retention < tr.RETENTION_STRATEGY.retention


def test_traffic_leads_early_retention_wins_later():
    table = tr.compare_strategies(weeks=(2, 4, 52))
    traffic, kept = table.loc["流量策略"], table.loc["留量策略"]
    assert traffic.loc[2, "用户存量"] > kept.loc[2, "用户存量"]
    assert traffic.loc[2, "每位存量用户的成本（元）"] < kept.loc[2, "每位存量用户的成本（元）"]
    assert kept.loc[52, "用户存量"] > 2 * traffic.loc[52, "用户存量"]
    assert kept.loc[52, "每位存量用户的成本（元）"] < traffic.loc[52, "每位存量用户的成本（元）"]
    week = tr.crossover_week(tr.TRAFFIC_STRATEGY, tr.RETENTION_STRATEGY)
    assert week is not None and 2 < week < 52
    assert tr.stock_closed_form(500, 0.9, week) >= tr.stock_closed_form(1000, 0.5, week)
    assert tr.stock_closed_form(500, 0.9, week - 1) < tr.stock_closed_form(1000, 0.5, week - 1)


def test_no_crossover_when_the_community_does_not_raise_retention():
    same_retention = tr.Strategy("社群没带来留存", 500, 0.5, 20, 10000)
    assert tr.crossover_week(tr.TRAFFIC_STRATEGY, same_retention) is None
    out = tr.summary(same_retention, 52)
    assert out["cost_per_retained"] > tr.summary(tr.TRAFFIC_STRATEGY, 52)["cost_per_retained"]


def test_tables_are_chinese():
    st = tr.strategy_table()
    assert list(st.columns) == ["流量策略", "留量策略"]
    assert "稳态用户存量" in st.index
    assert st.loc["稳态用户存量", "留量策略"] == pytest.approx(5000)
    cmp = tr.compare_strategies()
    assert list(cmp.columns) == ["用户存量", "已达稳态的比例", "累计投入（元）", "每位存量用户的成本（元）"]
    assert len(cmp) == 8


def test_plot_stock_returns_a_figure_with_one_line_per_strategy():
    fig = tr.plot_stock(weeks=12)
    ax = fig.axes[0]
    solid = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    assert len(solid) == 2
    assert np.allclose(solid[1].get_ydata(), tr.stock_closed_form(500, 0.9, np.arange(1, 13)))
    assert "留量" in ax.get_title() or "留量" in solid[1].get_label()


# ------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(inflow=-1, retention=0.5),
        dict(inflow=10, retention=1.2),
        dict(inflow=10, retention=-0.1),
        dict(inflow=10, retention=0.5, cost_per_user=-5),
        dict(inflow=10, retention=0.5, weekly_cost=-1),
        dict(inflow=float("nan"), retention=0.5),
    ],
)
def test_bad_strategy_is_refused(kwargs):
    with pytest.raises(ValueError):
        tr.Strategy("x", **kwargs)


@pytest.mark.parametrize("weeks", [0, -3, 2.5, True])
def test_bad_weeks_are_refused(weeks):
    with pytest.raises(ValueError, match="weeks"):
        tr.simulate(tr.TRAFFIC_STRATEGY, weeks)


def test_other_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="retention"):
        tr.stock_closed_form(10, 1.5, 3)
    with pytest.raises(ValueError, match="share"):
        tr.weeks_to_share(0.8, 1.0)
    with pytest.raises(ValueError):
        tr.weeks_to_share(1.0)
    with pytest.raises(ValueError):
        tr.compare_strategies(strategies=())


# ------------------------------------------------------------------ widget
def test_traffic_explorer_spec():
    spec = traffic_explorer_spec()
    assert spec.grid_size <= 200
    assert [c.name for c in spec.controls] == ["inflow", "retention", "cost_per_user", "weeks"]
    assert spec.controls[1].values == [0.5, 0.7, 0.8, 0.9, 0.95]
    base = spec.compute(**spec.defaults())
    assert "示意模型（合成数字，非实测数据）" in base
    for control in spec.controls:  # every control changes what is shown
        other = next(v for v in control.values if v != control.default)
        assert spec.compute(**dict(spec.defaults(), **{control.name: other})) != base


def test_traffic_explorer_shows_the_model_numbers():
    spec = traffic_explorer_spec()
    html = spec.compute(inflow=1000, retention=0.9, cost_per_user=20.0, weeks=52)
    star = tr.steady_state(1000, 0.9)
    stock = tr.stock_closed_form(1000, 0.9, 52)
    assert f"{star:,.0f}人" in html
    assert f"{stock:,.0f}人" in html
    assert f"{20 * 1000 * 52 / stock:,.2f}元" in html


def test_traffic_explorer_extremes_render():
    spec = traffic_explorer_spec()
    for params in spec.extremes():
        html = spec.compute(**params)
        assert "nan" not in html.lower() and "inf" not in html.lower()


# --- Lesson 0's honest-model box: the retention strategy wins only if ... ---
@pytest.mark.parametrize("retention, wins", [(0.74, False), (0.76, True), (0.9, True)])
def test_retention_strategy_wins_in_the_long_run_only_above_75_percent(retention, wins):
    # Equal weekly spend; steady states 500 / (1 - r) against 1000 / (1 - 0.5) = 2000,
    # so the break-even retention is 1 - 500 / 2000 = 0.75.
    assert (500 / (1 - retention) > 2000) is wins
    strategy = tr.Strategy("留量", inflow=500, retention=retention, cost_per_user=20.0, weekly_cost=10000.0)
    assert (tr.crossover_week(tr.TRAFFIC_STRATEGY, strategy) is not None) is wins


def test_crossover_week_matches_the_closed_forms():
    # First week t with 500 (1 - 0.9^t) / 0.1 > 1000 (1 - 0.5^t) / 0.5, found by hand-iterating.
    t = 1
    while 5000 * (1 - 0.9**t) <= 2000 * (1 - 0.5**t):
        t += 1
    assert tr.crossover_week(tr.TRAFFIC_STRATEGY, tr.RETENTION_STRATEGY) == t


@pytest.mark.parametrize("retention, week", [(0.76, 12), (0.8, 8), (0.9, 5)])
def test_the_closer_to_break_even_the_longer_the_wait(retention, week):
    # Page: 76 % -> week 12, 80 % -> week 8, 90 % -> week 5 (first t with the retention stock larger).
    t = 1
    while 500 * (1 - retention**t) / (1 - retention) <= 2000 * (1 - 0.5**t):
        t += 1
    assert t == week
    strategy = tr.Strategy("留量", inflow=500, retention=retention, cost_per_user=20.0, weekly_cost=10000.0)
    assert tr.crossover_week(tr.TRAFFIC_STRATEGY, strategy) == week


def test_lesson_0_names_the_week_the_retention_strategy_becomes_cheaper():
    """The lesson's 「从第N周起留量策略更便宜」 matches a hand-written week-by-week count.

    Independent of the model: both strategies spend 20000 yuan a week (1000 x 20;
    500 x 20 + 10000), stocks follow S_t = r S_{t-1} + a, and the cost per user in
    the stock is the spend so far over the stock.
    """
    import re
    from pathlib import Path

    lesson = Path(__file__).resolve().parents[1] / "book" / "00_intro" / "what_is_community.md"
    stated = re.findall(r"第(\d+)周起留量策略更便宜", lesson.read_text(encoding="utf-8"))
    assert len(stated) == 1, stated
    traffic = retention = 0.0
    first_cheaper = None
    for week in range(1, 53):
        traffic, retention = 0.5 * traffic + 1000, 0.9 * retention + 500
        if first_cheaper is None and 20000 * week / retention < 20000 * week / traffic:
            first_cheaper = week
    assert first_cheaper == 5
    assert int(stated[0]) == first_cheaper
