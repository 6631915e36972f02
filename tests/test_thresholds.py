"""Lesson 5 model and widget: entry thresholds (门槛) and who ends up in the group."""

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from shequn.models import thresholds as th
from shequn.widgets.thresholds import threshold_explorer_spec

SEEDS = range(4)


@pytest.fixture(scope="module")
def pool():
    return th.generate_applicants(10_000, seed=0)


# ------------------------------------------------------------------ applicants
def test_applicants_have_the_stated_distributions(pool):
    assert pool.n == len(pool) == 10_000
    for a in (pool.interest, pool.fit):
        assert a.min() >= 0 and a.max() <= 1
    # good_fit_share is the share with fit >= 0.5
    assert abs(pool.good_fit.mean() - 0.3) < 0.02
    assert np.mean(th.generate_applicants(20_000, seed=1, good_fit_share=0.6).good_fit) == pytest.approx(0.6, abs=0.02)
    # fit correlates with interest; willingness to pay mildly
    r_fit = stats.spearmanr(pool.interest, pool.fit).statistic
    r_wtp = stats.spearmanr(pool.interest, pool.willingness_to_pay).statistic
    assert r_fit > 0.4 and 0.1 < r_wtp < r_fit
    # lognormal willingness to pay: the median is the parameter, the log is normal
    assert np.median(pool.willingness_to_pay) == pytest.approx(30, rel=0.05)
    assert abs(stats.skew(np.log(pool.willingness_to_pay))) < 0.1
    # heavy-tailed integer network size
    assert pool.network_size.dtype.kind == "i" and pool.network_size.min() >= 0
    assert pool.network_size.mean() > 1.3 * np.median(pool.network_size)
    assert pool.network_size.max() > 10 * np.median(pool.network_size)
    assert np.all(pool.generation == 0)


def test_applicants_are_deterministic_per_seed_and_differ_between_seeds():
    a, b, c = th.generate_applicants(500, 7), th.generate_applicants(500, 7), th.generate_applicants(500, 8)
    assert np.array_equal(a.fit, b.fit) and np.array_equal(a.network_size, b.network_size)
    assert not np.array_equal(a.fit, c.fit)


def test_applicant_arrays_are_read_only_and_pools_can_be_cut_and_joined(pool):
    with pytest.raises(ValueError):
        pool.interest[0] = 0.5
    head = pool.subset(np.arange(10))
    both = th.Applicants.concat([head, head])
    assert both.n == 20 and np.array_equal(both.fit[10:], head.fit)
    assert list(head.to_frame().columns) == ["interest", "fit", "willingness_to_pay", "network_size", "generation"]


@pytest.mark.parametrize("kwargs", [
    {"n": 0}, {"n": 2.5}, {"seed": -1}, {"good_fit_share": 1.0}, {"fit_interest_corr": 1.5},
    {"wtp_median": 0}, {"wtp_sigma": -1}, {"network_median": -5},
])
def test_generate_applicants_validates(kwargs):
    with pytest.raises(ValueError):
        th.generate_applicants(**kwargs)


@pytest.mark.parametrize("bad", [
    {"interest": [0.5, 1.2]}, {"fit": [-0.1, 0.2]}, {"willingness_to_pay": [-1, 3]},
    {"network_size": [1.5, 2]}, {"network_size": [3]},
])
def test_applicants_validate_their_arrays(bad):
    fields = {"interest": [0.1, 0.2], "fit": [0.3, 0.4], "willingness_to_pay": [1.0, 2.0], "network_size": [3, 4]}
    with pytest.raises(ValueError):
        th.Applicants(**{**fields, **bad})


# ------------------------------------------------------------------ simulation basics
def test_simulation_is_deterministic_for_a_seed_and_varies_between_seeds():
    for policy in (th.FreePolicy(), th.InvitePolicy(3), th.PosterPolicy()):
        a = th.simulate(policy, seed=11)
        b = th.simulate(policy, seed=11)
        c = th.simulate(policy, seed=12)
        assert a.members == b.members and np.array_equal(a.weekly_active, b.weekly_active)
        assert a.summary().equals(b.summary())
        assert not np.array_equal(a.weekly_active, c.weekly_active)


def test_different_seeds_give_statistically_similar_results():
    shares = [th.simulate(th.PaidPolicy(50), seed=s).active_after(8) for s in range(6)]
    precision = [th.simulate(th.PaidPolicy(50), seed=s).fit_precision for s in range(6)]
    assert np.std(shares) < 0.15 * np.mean(shares)
    assert np.std(precision) < 0.05 * np.mean(precision)


def test_free_admits_everyone_and_earns_nothing(pool):
    r = th.simulate(th.FreePolicy(), pool, cost_per_member_week=0.5, weeks=8)
    assert r.members == r.applicants == pool.n and r.admitted_share == 1.0
    assert r.fit_recall == 1.0
    assert r.fit_precision == pytest.approx(pool.good_fit.mean())
    assert r.invited_members == 0 and r.revenue == 0
    assert r.cost == pytest.approx(0.5 * pool.n * 8)  # nobody is removed without a rule
    assert r.net == pytest.approx(-r.cost)


def test_weekly_active_is_a_share_and_a_free_group_fades(pool):
    r = th.simulate(th.FreePolicy(), pool, weeks=12)
    assert r.weekly_active.shape == (12,)
    assert np.all((r.weekly_active >= 0) & (r.weekly_active <= 1))
    assert np.all(np.diff(r.weekly_active) <= 0.005)
    assert r.active_after(12) < r.active_after(1) / 3
    assert r.active_after() == r.active_after(12)
    assert r.active_members_after(12) == round(r.active_after(12) * r.members)
    assert r.activity.shape == (r.members, 12)


def test_later_weeks_extend_earlier_ones_with_the_same_seed():
    short = th.simulate(th.InvitePolicy(3), weeks=8, seed=2)
    long = th.simulate(th.InvitePolicy(3), weeks=20, seed=2)
    assert short.members == long.members
    assert np.array_equal(short.weekly_active, long.weekly_active[:8])


@pytest.mark.parametrize("seed", SEEDS)
def test_higher_price_fewer_members_but_better_fit(seed):
    pool = th.generate_applicants(10_000, seed)
    results = [th.simulate(th.PaidPolicy(p), pool, seed=seed) for p in (0, 20, 50, 100)]
    members = [r.members for r in results]
    precision = [r.fit_precision for r in results]
    assert members[0] == pool.n
    assert all(a > b for a, b in zip(members, members[1:]))
    assert all(a < b for a, b in zip(precision, precision[1:]))
    active = [r.active_after(8) for r in results]
    assert all(a < b for a, b in zip(active, active[1:]))
    # the fee is charged once per member
    assert all(r.revenue == pytest.approx(r.fee * r.members) for r in results)


def test_paid_admits_exactly_those_willing_to_pay(pool):
    r = th.simulate(th.PaidPolicy(40), pool)
    assert np.array_equal(r.admitted, pool.willingness_to_pay >= 40)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_group_without_threshold_is_a_crowd(seed):
    """Seed 003: the free group's active share after 8 weeks is below a paid group's."""
    free = th.simulate(th.FreePolicy(), seed=seed, weeks=8)
    paid = th.simulate(th.PaidPolicy(50), seed=seed, weeks=8)
    assert free.active_after(8) < paid.active_after(8)
    assert free.fit_precision < paid.fit_precision
    assert free.members > paid.members  # the price of the threshold: size


@pytest.mark.parametrize("seed", SEEDS)
def test_size_versus_fit_trade_off_stated_in_the_lesson(seed):
    pool = th.generate_applicants(10_000, seed)
    free, paid50, paid100, invite3 = (th.simulate(p, pool, seed=seed) for p in (
        th.FreePolicy(), th.PaidPolicy(50), th.PaidPolicy(100), th.InvitePolicy(3)))
    # a free group has the lowest active share, but not the fewest active people
    assert free.active_members_after(8) > paid100.active_members_after(8)
    # bring-your-own-traffic grows the group, but invited friends fit less well
    assert invite3.members > free.members and invite3.invited_members > invite3.members / 2
    assert invite3.fit_precision < paid50.fit_precision
    assert invite3.active_after(8) < paid50.active_after(8)


def test_selection_alone_keeps_paid_ahead_and_commitment_adds_to_it():
    free = th.simulate(th.FreePolicy())
    no_vote = th.simulate(th.PaidPolicy(50), pay_commitment=0.0)
    vote = th.simulate(th.PaidPolicy(50))
    assert free.active_after(8) < no_vote.active_after(8) < vote.active_after(8)
    # commitment changes activity, not who gets in
    assert no_vote.members == vote.members


def test_crowd_penalty_comes_from_low_fit_members():
    def loss(policy):
        return (th.simulate(policy, crowd_penalty=0.0, hide_fit=False).active_after(8)
                - th.simulate(policy, hide_fit=False).active_after(8))

    def only_good_fits(applicants, rng):
        return applicants.fit >= th.GOOD_FIT

    assert loss(th.FreePolicy()) > 0
    assert loss(th.PaidPolicy(50)) > 0
    assert loss(only_good_fits) == 0  # no low-fit members, no crowd


# ------------------------------------------------------------------ invitations
def test_invite_policy_grows_through_invitations(pool):
    r = th.simulate(th.InvitePolicy(3), pool, invite_rounds=2)
    assert r.invited_members > 0 and r.applicants > pool.n
    assert r.members == int(r.admitted.sum())
    gen = r.pool.generation
    assert set(np.unique(gen)) == {0, 1, 2}
    # every admitted first-round member brought exactly 3 applicants
    first = r.admitted[: pool.n].sum()
    assert (gen == 1).sum() == 3 * first
    # without invitation rounds nobody is invited
    none = th.simulate(th.InvitePolicy(3), pool, invite_rounds=0)
    assert none.invited_members == 0 and none.applicants == pool.n
    assert r.members > none.members


def test_invitees_resemble_their_inviters_but_fit_less_well(pool):
    r = th.simulate(th.InvitePolicy(1), pool, invite_rounds=1)
    parents = r.pool.subset(r.admitted & (r.pool.generation == 0))
    kids = r.pool.subset(r.pool.generation == 1)
    assert kids.n == parents.n  # one friend each, in the parents' order
    assert kids.fit.mean() < parents.fit.mean()
    assert stats.spearmanr(parents.fit, kids.fit).statistic > 0.2
    same = th.simulate(th.InvitePolicy(1), pool, invite_rounds=1, invitee_fit_drop=0.0)
    assert same.pool.fit[same.pool.generation == 1].mean() > kids.fit.mean()


def test_invite_policy_requires_interest_and_a_network(pool):
    r = th.simulate(th.InvitePolicy(3), pool, invite_rounds=0)
    admitted = r.admitted
    assert np.all(pool.interest[admitted] >= 0.3)  # effort 0.1 per invite
    small = pool.network_size < 20
    big = pool.network_size > 500
    assert admitted[small].mean() < 0.05 < 0.5 < admitted[big & (pool.interest > 0.3)].mean()
    # more invites required -> fewer first-round members
    first = [th.simulate(th.InvitePolicy(k), pool, invite_rounds=0).members for k in (1, 3, 5)]
    assert first[0] > first[1] > first[2]
    # nobody can invite without friends
    lonely = th.Applicants(pool.interest, pool.fit, pool.willingness_to_pay, np.zeros(pool.n, int))
    assert th.simulate(th.InvitePolicy(1), lonely).members == 0


def test_prob_at_least_matches_the_binomial_tail():
    trials = np.array([0, 1, 2, 5, 50, 200, 3000])
    for k in (1, 3, 5):
        assert np.allclose(th.prob_at_least(k, trials, 0.02), stats.binom.sf(k - 1, trials, 0.02))
    assert np.all(th.prob_at_least(0, trials, 0.3) == 1)
    assert np.array_equal(th.prob_at_least(2, trials, 1.0), (trials >= 2).astype(float))


def test_poster_brings_traffic_in_proportion_to_network(pool):
    r = th.simulate(th.PosterPolicy(response_rate=0.005), pool, invite_rounds=1)
    assert r.invited_members > 0
    zero = th.simulate(th.PosterPolicy(response_rate=0.0), pool)
    assert zero.invited_members == 0 and zero.members == int((pool.interest >= 0.1).sum())


# ------------------------------------------------------------------ custom policies
def test_function_policy_and_plain_functions_work(pool):
    def keen(applicants, rng):
        return applicants.interest > 0.8

    wrapped = th.simulate(th.FunctionPolicy(keen, name="兴趣高"), pool)
    plain = th.simulate(keen, pool)
    assert wrapped.members == plain.members == int((pool.interest > 0.8).sum())
    assert wrapped.policy_name == "兴趣高" and plain.policy_name == "keen"
    assert wrapped.fit_precision > th.simulate(th.FreePolicy(), pool).fit_precision


@pytest.mark.parametrize("seed", SEEDS)
def test_the_lessons_design_exercise_has_a_solution(seed):
    """Exercise 6: >= 80 % of the free group's active people, a higher share than paid 50 yuan."""
    pool = th.generate_applicants(10_000, seed)
    free = th.simulate(th.FreePolicy(), pool, seed=seed)
    paid = th.simulate(th.PaidPolicy(50), pool, seed=seed)
    keen = th.simulate(lambda a, rng: a.interest >= 0.6, pool, seed=seed)
    assert keen.active_members_after(8) >= 0.8 * free.active_members_after(8)
    assert keen.active_after(8) > paid.active_after(8)


def test_subclassing_policy_works(pool):
    class Rich(th.Policy):
        name = "土豪"
        fee = 10.0

        def admit(self, applicants, rng):
            return applicants.willingness_to_pay > 100

    r = th.simulate(Rich(), pool)
    assert r.members == int((pool.willingness_to_pay > 100).sum())
    assert r.revenue == pytest.approx(10.0 * r.members)


def test_combined_policy_admits_only_if_all_parts_admit(pool):
    combo = th.CombinedPolicy(th.PaidPolicy(50), th.InvitePolicy(3))
    assert combo.fee == 50 and combo.invites_required == 3 and "＋" in combo.name
    r = th.simulate(combo, pool, invite_rounds=0)
    paid = th.simulate(th.PaidPolicy(50), pool, invite_rounds=0)
    assert r.members < paid.members
    assert np.all(r.admitted <= paid.admitted)
    grown = th.simulate(combo, pool, invite_rounds=1)
    assert grown.invited_members > 0 and grown.revenue == pytest.approx(50 * grown.members)


def test_fit_is_hidden_from_policies_unless_asked(pool):
    def oracle(applicants, rng):
        return applicants.fit >= 0.5

    with pytest.raises(AttributeError, match="hidden"):
        th.simulate(oracle, pool)
    r = th.simulate(oracle, pool, hide_fit=False)
    assert r.fit_precision == 1.0 and r.fit_recall == 1.0
    assert "fit" not in pool.hide_fit().to_frame().columns


def test_the_operators_view_forwards_everything_but_fit(pool):
    view = pool.hide_fit()
    assert not hasattr(view, "fit") and not hasattr(view, "good_fit")
    part = view.subset(np.arange(10))
    with pytest.raises(AttributeError, match="hidden"):
        part.fit  # noqa: B018 - reading it is the test
    assert (len(part), part.n) == (10, 10)
    assert np.array_equal(part.interest, pool.interest[:10])
    assert np.array_equal(part.network_size, pool.network_size[:10])
    assert part.params == pool.params and part.hide_fit() is part
    assert list(part.to_frame().columns) == ["interest", "willingness_to_pay", "network_size", "generation"]
    with pytest.raises(ValueError, match="Applicants pool"):
        th.simulate(th.FreePolicy(), view)  # the simulator needs the full pool, not the operator's view


@pytest.mark.parametrize("bad", [
    lambda a, rng: np.ones(a.n),  # not boolean
    lambda a, rng: np.ones(a.n + 1, bool),  # wrong length
    lambda a, rng: True,  # not an array
])
def test_bad_admit_masks_are_refused(pool, bad):
    with pytest.raises(ValueError, match="boolean"):
        th.simulate(bad, pool)


# ------------------------------------------------------------------ rules, money, goals
def test_removal_rule_cuts_cost_and_can_only_lower_activity(pool):
    keep_all = th.simulate(th.FreePolicy(), pool, weeks=12)
    rule = th.simulate(th.FreePolicy(), pool, weeks=12, remove_after_inactive_weeks=2)
    assert rule.cost < keep_all.cost
    assert np.all(rule.weekly_active <= keep_all.weekly_active)
    assert np.all(np.diff(rule.weekly_in_group) <= 0) and rule.weekly_in_group[-1] < 1
    assert rule.cost == pytest.approx(0.5 * rule.weekly_in_group.sum() * rule.members)


def test_compare_group_rules_table():
    table = th.compare_group_rules(n=3000, weeks=10)
    assert table.index.names == ["门槛", "群规"] and len(table) == 4
    free_keep, free_rule = table.loc[("免费", "不清退")], table.loc[("免费", "连续4周不活跃请出群")]
    assert free_rule["成本（元）"] < free_keep["成本（元）"]
    assert free_rule["第10周仍在群占比"] < free_keep["第10周仍在群占比"] == 1.0
    assert free_rule["成员数"] == free_keep["成员数"]
    with pytest.raises(ValueError):
        th.compare_group_rules(rules=())


def test_cost_scales_with_cost_per_member_week(pool):
    a = th.simulate(th.PaidPolicy(20), pool, cost_per_member_week=1.0)
    b = th.simulate(th.PaidPolicy(20), pool, cost_per_member_week=2.0)
    assert b.cost == pytest.approx(2 * a.cost) and b.revenue == a.revenue
    assert a.net == pytest.approx(a.revenue - a.cost)


def test_meets_goal(pool):
    r = th.simulate(th.PaidPolicy(50), pool)
    assert th.meets_goal(r, min_members=r.members, min_active_share=r.active_after(8))
    assert not th.meets_goal(r, min_members=r.members + 1)
    assert not th.meets_goal(r, max_cost=r.cost - 1)
    assert th.meets_goal(r, min_net=r.net)


@pytest.mark.parametrize("kwargs", [
    {"weeks": 0}, {"seed": -2}, {"cost_per_member_week": -1}, {"invite_rounds": -1},
    {"remove_after_inactive_weeks": 0}, {"hide_fit": "yes"}, {"keep_low": 1.2},
    {"keep_low": 0.9, "keep_high": 0.8}, {"pay_commitment": -0.1},
])
def test_simulate_validates(kwargs):
    with pytest.raises(ValueError):
        th.simulate(th.FreePolicy(), n=200, **kwargs)


def test_simulate_refuses_unknown_parameters_and_policies():
    with pytest.raises(TypeError, match="unknown"):
        th.simulate(th.FreePolicy(), n=100, retention=0.9)
    with pytest.raises(ValueError):
        th.simulate("free", n=100)
    with pytest.raises(ValueError):
        th.simulate(th.FreePolicy(), applicants=[1, 2, 3])


@pytest.mark.parametrize("make", [
    lambda: th.PaidPolicy(-5), lambda: th.InvitePolicy(0), lambda: th.InvitePolicy(2.5),
    lambda: th.InvitePolicy(3, friend_interest_rate=2), lambda: th.PosterPolicy(effort=-0.1),
    lambda: th.CombinedPolicy(), lambda: th.FunctionPolicy("not callable"),
])
def test_policies_validate(make):
    with pytest.raises(ValueError):
        make()


def test_active_after_validates_the_week():
    r = th.simulate(th.FreePolicy(), n=100, weeks=4)
    for week in (0, 5):
        with pytest.raises(ValueError):
            r.active_after(week)


# ------------------------------------------------------------------ tables and plots
def test_compare_policies_uses_one_pool_and_chinese_columns():
    table = th.compare_policies(n=3000, weeks=6)
    assert list(table.index) == [p.name for p in th.standard_policies()]
    assert {"成员数", "精准度（匹配者占比）", "第6周活跃占比", "经邀请加入", "净收益（元）"} <= set(table.columns)
    assert table.loc["免费", "成员数"] == 3000
    assert (table.loc[["免费", "付费20元", "付费50元", "付费100元"], "申请人数"] == 3000).all()
    assert all(pd.api.types.is_numeric_dtype(table[c]) for c in table.columns)
    assert table.loc["邀请3人", "经邀请加入"] > 0


def test_summary_is_labelled_in_chinese():
    s = th.simulate(th.PaidPolicy(50), n=1000).summary()
    assert s["门槛"] == "付费50元"
    assert all(re.search(r"[\u4e00-\u9fff]", k) for k in s.index)


def test_plots_return_figures_with_chinese_labels():
    policies = [th.FreePolicy(), th.PaidPolicy(50)]
    fig = th.plot_funnel(policies, n=2000)
    ax = fig.axes[0]
    assert "漏斗" in ax.get_title() and [t.get_text() for t in ax.get_xticklabels()] == ["免费", "付费50元"]
    fig = th.plot_weekly_active(policies, n=2000, weeks=6)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2 and len(ax.get_lines()[0].get_xdata()) == 6
    assert "周" in ax.get_xlabel()


# ------------------------------------------------------------------ widget
def test_widget_spec_grid_defaults_and_caption():
    spec = threshold_explorer_spec()
    assert spec.grid_size <= 200
    assert {c.name for c in spec.controls} == {"policy", "weeks", "rule"}
    html = spec.compute(**spec.defaults())
    assert "示意模型（合成数字，非实测数据）" in html
    assert "免费（对照）" in html and "付费50元" in html


def test_widget_html_changes_with_every_control():
    spec = threshold_explorer_spec()
    base = spec.defaults()
    html = spec.compute(**base)
    for control in spec.controls:
        other = next(v for v in control.values if v != base[control.name])
        assert spec.compute(**{**base, control.name: other}) != html, control.name


def test_widget_covers_free_paid_and_invite_and_extremes_render():
    spec = threshold_explorer_spec()
    policy = next(c for c in spec.controls if c.name == "policy")
    labels = " ".join(policy.labels)
    for word in ("免费", "付费", "邀请", "海报"):
        assert word in labels
    for params in spec.extremes():
        assert "<table" in spec.compute(**params)


# --- Lesson 5's honest-model box: each "holds only if". ---
def _row(table, label_start):
    return table.loc[[i for i in table.index if i.startswith(label_start)][0]]


def test_money_screens_only_if_willingness_to_pay_tracks_interest():
    pool = th.generate_applicants(wtp_interest_corr=0.0)
    table = th.compare_policies([th.FreePolicy(), th.PaidPolicy(50)], pool, pay_commitment=0)
    free, paid = _row(table, "免费"), _row(table, "付费")
    # Independent argument: if admission does not depend on fit, the paid group's share of
    # good-fit members is a random sample of the pool's, within 3 binomial standard errors.
    p = free["精准度（匹配者占比）"]
    se = (p * (1 - p) / paid["成员数"]) ** 0.5
    assert abs(paid["精准度（匹配者占比）"] - p) < 3 * se
    default = _row(th.compare_policies([th.PaidPolicy(50)]), "付费")
    assert default["精准度（匹配者占比）"] > p + 5 * se  # with the default correlation it does screen


def test_invites_screen_as_well_as_money_only_if_invitees_fit_as_well_as_inviters():
    default = th.compare_policies([th.PaidPolicy(50), th.InvitePolicy(3)])
    same_fit = th.compare_policies([th.PaidPolicy(50), th.InvitePolicy(3)], invitee_fit_drop=0)
    assert _row(default, "邀请")["精准度（匹配者占比）"] < _row(default, "付费")["精准度（匹配者占比）"]
    assert _row(same_fit, "邀请")["精准度（匹配者占比）"] > _row(same_fit, "付费")["精准度（匹配者占比）"]


def test_a_crowd_is_a_share_not_a_count():
    table = th.compare_policies([th.FreePolicy(), th.PaidPolicy(50)])
    free, paid = _row(table, "免费"), _row(table, "付费")
    assert free["第8周活跃占比"] < paid["第8周活跃占比"]
    assert free["第8周活跃人数"] > paid["第8周活跃人数"]
