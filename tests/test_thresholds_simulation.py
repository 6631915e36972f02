"""Lesson 5 model: the threshold simulator: admission, weekly activity, the lesson's claims, money, rules."""

from itertools import pairwise

import numpy as np
import pytest

from helpers.thresholds import SEEDS, reference_pool
from shequn.models import thresholds as th


@pytest.fixture(scope="module")
def pool():
    return reference_pool()


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
    assert all(a > b for a, b in pairwise(members))
    assert all(a < b for a, b in pairwise(precision))
    active = [r.active_after(8) for r in results]
    assert all(a < b for a, b in pairwise(active))
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
    free, paid50, paid100, invite3 = (
        th.simulate(p, pool, seed=seed)
        for p in (th.FreePolicy(), th.PaidPolicy(50), th.PaidPolicy(100), th.InvitePolicy(3))
    )
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
        return th.simulate(policy, crowd_penalty=0.0, hide_fit=False).active_after(8) - th.simulate(
            policy, hide_fit=False
        ).active_after(8)

    def only_good_fits(applicants, rng):
        return applicants.fit >= th.GOOD_FIT

    assert loss(th.FreePolicy()) > 0
    assert loss(th.PaidPolicy(50)) > 0
    assert loss(only_good_fits) == 0  # no low-fit members, no crowd


def test_removal_rule_cuts_cost_and_can_only_lower_activity(pool):
    keep_all = th.simulate(th.FreePolicy(), pool, weeks=12)
    rule = th.simulate(th.FreePolicy(), pool, weeks=12, remove_after_inactive_weeks=2)
    assert rule.cost < keep_all.cost
    assert np.all(rule.weekly_active <= keep_all.weekly_active)
    assert np.all(np.diff(rule.weekly_in_group) <= 0) and rule.weekly_in_group[-1] < 1
    assert rule.cost == pytest.approx(0.5 * rule.weekly_in_group.sum() * rule.members)


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


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weeks": 0},
        {"seed": -2},
        {"cost_per_member_week": -1},
        {"invite_rounds": -1},
        {"remove_after_inactive_weeks": 0},
        {"hide_fit": "yes"},
        {"keep_low": 1.2},
        {"keep_low": 0.9, "keep_high": 0.8},
        {"pay_commitment": -0.1},
    ],
)
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


def test_active_after_validates_the_week():
    r = th.simulate(th.FreePolicy(), n=100, weeks=4)
    for week in (0, 5):
        with pytest.raises(ValueError):
            r.active_after(week)
