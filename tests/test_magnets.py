"""Lesson 3 magnet model: closed forms, Monte Carlo, the seed's claim, the widget."""

import itertools
from itertools import pairwise

import numpy as np
import pytest
from scipy import integrate

from shequn.models import magnets as mg
from shequn.widgets.magnets import magnet_explorer_spec

TRIALS = 20_000


def _enumerate_coins(n: int, event) -> float:
    """Exact probability over all 2**n equally likely orientation rows."""
    rows = list(itertools.product((0, 1), repeat=n))
    return sum(event(np.array(r)) for r in rows) / len(rows)


@pytest.mark.parametrize("n", range(2, 9))
def test_coin_closed_forms_agree_with_exhaustive_enumeration(n):
    def chain_any(o):
        return bool((o[1:] == o[:-1]).any())

    def chain_all(o):
        return bool((o[1:] == o[:-1]).all())

    def any_pair(o):
        return any(o[i] == o[j] for i in range(n) for j in range(i + 1, n))

    assert mg.closed_form("chain_any", n) == pytest.approx(_enumerate_coins(n, chain_any))
    assert mg.closed_form("chain_all", n) == pytest.approx(_enumerate_coins(n, chain_all))
    assert mg.closed_form("any_pair", n) == pytest.approx(_enumerate_coins(n, any_pair))


@pytest.mark.parametrize("n", range(2, 9))
def test_shared_habit_closed_form_agrees_with_integration(n):
    # P(no attracting pair) = integral over the habit h of (1 - h)^(n - 1)
    none, _ = integrate.quad(lambda h: (1 - h) ** (n - 1), 0, 1)
    assert mg.closed_form("shared_habit", n) == pytest.approx(1 - none)


WITH_CLOSED_FORM = [(v, n) for v in mg.VARIANTS for n in range(2, 9) if mg.closed_form(v, n) is not None]


def test_only_the_plane_dipole_lacks_closed_forms():
    missing = {(v, n) for v in mg.VARIANTS for n in range(2, 9)} - set(WITH_CLOSED_FORM)
    assert missing == {("plane_dipole", n) for n in range(3, 9)}


@pytest.mark.parametrize(("variant", "n"), WITH_CLOSED_FORM)
def test_monte_carlo_matches_closed_form_within_binomial_error(variant, n):
    exact = mg.closed_form(variant, n)
    est = mg.simulate(variant, n, TRIALS, seed=1)
    tolerance = 4 * mg.std_error(exact, TRIALS) + 1e-12
    assert abs(est - exact) <= tolerance


def test_the_seeds_numbers_follow_only_from_the_shared_habit_model():
    claims = mg.SEED_CLAIM
    assert claims == {2: 0.50, 3: 0.66}
    assert mg.closed_form("shared_habit", 2) == pytest.approx(0.5)
    assert abs(mg.closed_form("shared_habit", 3) - claims[3]) < 0.01  # 2/3, written 66%
    for variant in ("chain_any", "chain_all", "any_pair"):
        assert mg.closed_form(variant, 2) == pytest.approx(claims[2])  # everyone gets 50% for two
        assert abs(mg.closed_form(variant, 3) - claims[3]) > 0.05  # but not 66% for three
    est = mg.simulate("plane_dipole", 3, TRIALS, seed=1)
    assert abs(est - claims[3]) > 10 * mg.std_error(est, TRIALS)


def test_more_magnets_can_mean_lower_probability():
    """ "The more magnets, the likelier they attract" depends on what "attract" means."""
    whole = [mg.closed_form("chain_all", n) for n in range(2, 9)]
    some = [mg.closed_form("chain_any", n) for n in range(2, 9)]
    assert all(a > b for a, b in pairwise(whole))
    assert all(a < b for a, b in pairwise(some))


def test_dipole_rule_matches_textbook_configurations():
    assert mg.pair_attracts(0.0, 0.0)  # end to end, same direction: N faces S
    assert not mg.pair_attracts(0.0, np.pi)  # end to end, opposite: N faces N
    assert not mg.pair_attracts(np.pi / 2, np.pi / 2)  # side by side, parallel: repel
    assert mg.pair_attracts(np.pi / 2, -np.pi / 2)  # side by side, antiparallel: attract
    # flipping one magnet flips attraction (away from the measure-zero boundary)
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0, 2 * np.pi, (2, 1000))
    assert np.all(mg.pair_attracts(a, b) != mg.pair_attracts(a, b + np.pi))


def test_plane_dipole_is_half_for_two_and_never_certain():
    estimates = [mg.simulate("plane_dipole", n, TRIALS, seed=2) for n in range(2, 9)]
    assert abs(estimates[0] - 0.5) <= 4 * mg.std_error(0.5, TRIALS)
    assert estimates[1] < 1.0  # parallel magnets side by side all repel
    # more pairs to choose from: non-decreasing up to Monte-Carlo noise
    assert all(b >= a - 4 * mg.std_error(0.5, TRIALS) for a, b in pairwise(estimates))


def test_simulation_is_deterministic_for_a_seed():
    assert mg.simulate("shared_habit", 5, 3000, seed=7) == mg.simulate("shared_habit", 5, 3000, seed=7)
    values = {mg.simulate("chain_any", 4, 3000, seed=s) for s in range(5)}
    assert len(values) > 1


@pytest.mark.parametrize(
    "args",
    [
        ("magnetic", 3, 100),
        ("chain_any", 1, 100),
        ("chain_any", True, 100),
        ("chain_any", 3, 0),
        ("chain_any", 2.5, 100),
        ("chain_any", 65, 100),
    ],
)
def test_bad_inputs_are_refused(args):
    with pytest.raises(ValueError):
        mg.simulate(*args)


def test_closed_form_and_std_error_validate():
    with pytest.raises(ValueError):
        mg.closed_form("plane_dipole", 1)
    with pytest.raises(ValueError):
        mg.std_error(1.5, 10)
    assert mg.closed_form("plane_dipole", 3) is None


def test_magnet_table_lists_every_variant_and_the_seed():
    table = mg.magnet_table((2, 3))
    assert list(table.columns) == ["2块", "3块"]
    assert len(table) == len(mg.VARIANTS) + 1
    assert table.loc["作者的说法", "3块"] == "66%"
    assert "精确66.7%" in table.loc[mg.VARIANT_ZH["shared_habit"], "3块"]


def test_magnet_explorer_grid_and_caption():
    spec = magnet_explorer_spec()
    assert spec.grid_size == len(mg.VARIANTS) * 7 <= 200
    base = spec.compute(**spec.defaults())
    assert base == spec.compute(**spec.defaults())  # fixed seed: same HTML every time
    assert "示意模型（合成数字，非实测数据）" in base and "作者的说法" in base
    assert spec.compute(**dict(spec.defaults(), n=5)) != base
    assert spec.compute(**dict(spec.defaults(), variant="shared_habit")) != base
    # its recompute time is measured in benchmarks/run.py (`widgets`), not in a unit test


def test_sensitivity_exercise_more_magnets_helps_except_when_all_must_snap_together():
    """Lesson 3's magnet sensitivity answer, by enumerating all 2**n orientation rows (not the package).

    chain_any: some neighbouring pair points the same way; chain_all: every pair does;
    any_pair: two magnets anywhere point the same way.  shared_habit: 1 - 1/n (integral of (1-h)^(n-1)).
    """
    import itertools

    def enumerate_rows(n, event):
        rows = list(itertools.product((0, 1), repeat=n))
        return sum(event(r) for r in rows) / len(rows)

    expected = {
        "chain_any": lambda n: enumerate_rows(n, lambda r: any(a == b for a, b in pairwise(r))),
        "chain_all": lambda n: enumerate_rows(n, lambda r: all(a == b for a, b in pairwise(r))),
        "any_pair": lambda n: enumerate_rows(n, lambda r: len(r) > len(set(r))),
        "shared_habit": lambda n: 1 - 1 / n,
    }
    for variant, exact in expected.items():
        values = [exact(n) for n in range(2, 9)]
        assert [mg.closed_form(variant, n) for n in range(2, 9)] == pytest.approx(values)
        rising = all(b >= a for a, b in pairwise(values))
        assert rising is (variant != "chain_all"), variant
    assert expected["chain_all"](8) == pytest.approx(0.0078125)  # the table's 0.8 %
    dipole = [mg.simulate("plane_dipole", n) for n in (2, 3, 4, 8)]
    assert dipole == sorted(dipole) and dipole[1] > 0.85 and dipole[-1] > 0.99
