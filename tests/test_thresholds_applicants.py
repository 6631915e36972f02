"""Lesson 5 model: the applicant pool (its distributions, checks and views), what an operator sees of it."""

import numpy as np
import pytest
from scipy import stats

from helpers.thresholds import reference_pool
from shequn.models import thresholds as th


@pytest.fixture(scope="module")
def pool():
    return reference_pool()


def test_applicants_have_the_stated_distributions(pool):
    assert pool.n == len(pool) == 10_000
    for a in (pool.interest, pool.fit):
        assert a.min() >= 0 and a.max() <= 1
    # good_fit_share is the share with fit >= 0.5
    assert abs(pool.good_fit.mean() - 0.3) < 0.02
    assert np.mean(th.generate_applicants(20_000, seed=1, good_fit_share=0.6).good_fit) == pytest.approx(
        0.6, abs=0.02
    )
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
    assert list(head.to_frame().columns) == [
        "interest",
        "fit",
        "willingness_to_pay",
        "network_size",
        "generation",
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 0},
        {"n": 2.5},
        {"seed": -1},
        {"good_fit_share": 1.0},
        {"fit_interest_corr": 1.5},
        {"wtp_median": 0},
        {"wtp_sigma": -1},
        {"network_median": -5},
    ],
)
def test_generate_applicants_validates(kwargs):
    with pytest.raises(ValueError):
        th.generate_applicants(**kwargs)


@pytest.mark.parametrize(
    "bad",
    [
        {"interest": [0.5, 1.2]},
        {"fit": [-0.1, 0.2]},
        {"willingness_to_pay": [-1, 3]},
        {"network_size": [1.5, 2]},
        {"network_size": [3]},
    ],
)
def test_applicants_validate_their_arrays(bad):
    fields = {
        "interest": [0.1, 0.2],
        "fit": [0.3, 0.4],
        "willingness_to_pay": [1.0, 2.0],
        "network_size": [3, 4],
    }
    with pytest.raises(ValueError):
        th.Applicants(**{**fields, **bad})


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
