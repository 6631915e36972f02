"""Lesson 5 model: entry thresholds as policies: invitations, posters, custom and combined ones, checks."""

import numpy as np
import pytest
from scipy import stats

from helpers.thresholds import SEEDS, reference_pool
from shequn.models import thresholds as th


@pytest.fixture(scope="module")
def pool():
    return reference_pool()


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


@pytest.mark.parametrize(
    "bad",
    [
        lambda a, rng: np.ones(a.n),  # not boolean
        lambda a, rng: np.ones(a.n + 1, bool),  # wrong length
        lambda a, rng: True,  # not an array
    ],
)
def test_bad_admit_masks_are_refused(pool, bad):
    with pytest.raises(ValueError, match="boolean"):
        th.simulate(bad, pool)


@pytest.mark.parametrize(
    "make",
    [
        lambda: th.PaidPolicy(-5),
        lambda: th.InvitePolicy(0),
        lambda: th.InvitePolicy(2.5),
        lambda: th.InvitePolicy(3, friend_interest_rate=2),
        lambda: th.PosterPolicy(effort=-0.1),
        lambda: th.CombinedPolicy(),
        lambda: th.FunctionPolicy("not callable"),
    ],
)
def test_policies_validate(make):
    with pytest.raises(ValueError):
        make()
