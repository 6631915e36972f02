"""Lesson 3 model: testing the "electromagnetic effect" claim with magnets.

Seed ``004_6dd75580a06fa525.md`` says that two magnets of similar mass
brought together on one plane attract each other with probability 50%,
three with 66%, and that the more magnets there are, the likelier they
attract.  The seed states no assumptions.  This module makes several sets of
assumptions explicit, simulates each (Monte Carlo, vectorised, fixed seed) and
gives the closed form where one exists, so a learner can see which
assumptions produce the seed's numbers.

Common set-up: ``n`` bar magnets lie in a row along one axis.  Magnet ``i``
has an orientation; two magnets whose facing ends are opposite poles (N next
to S) attract, facing ends with the same pole (N–N, S–S) repel.

``chain_any``   Each orientation is an independent fair coin (left/right).
                Neighbours attract iff they point the same way, with
                probability 1/2.  Event: at least one neighbouring pair
                attracts.  All pairs repel only for the 2 alternating rows::

                    P = 1 - (1/2) ** (n - 1)          (2: 50%, 3: 75%)

``chain_all``   Same coins.  Event: every neighbouring pair attracts, so the
                whole row snaps into one chain::

                    P = (1/2) ** (n - 1)              (2: 50%, 3: 25%)

``any_pair``    Same coins, but the magnets may be re-ordered along the axis
                (slid past each other, never turned).  Event: some two
                magnets, not necessarily neighbours, point the same way and
                can be put end to end.  With two orientations and three or
                more magnets two must agree (pigeonhole)::

                    P = 1/2 for n = 2,  P = 1 for n >= 3

``shared_habit`` Orientations are *not* independent.  Whoever lays the row
                has a hidden habit ``h`` ~ Uniform(0, 1): each magnet points the
                same way as the previous one with probability ``h``, else the
                other way.  Given ``h`` each of the ``n - 1`` neighbouring
                pairs attracts independently with probability ``h``, so::

                    P(no pair attracts) = E[(1 - h) ** (n - 1)] = 1 / n
                    P = 1 - 1 / n                     (2: 50%, 3: 66.7%)

                Here the number of attracting pairs is uniform on
                ``0..n-1``; this is the one listed model that yields the seed's
                numbers.  Counting the ``n`` possible numbers of attracting
                pairs as equally likely, without such a shared habit, gives the
                same figures but is a counting error for independent magnets.

``plane_dipole`` Orientations are independent uniform angles in the plane and
                stay fixed while the magnets approach along the row.  Two
                magnets attract iff their dipole–dipole energy is negative,
                ``cos(a - b) - 3 cos a cos b < 0`` (angles measured from the
                row; the radial force is then attractive).  Event: some two
                magnets (any pair) attract.  Flipping one magnet flips the
                sign, so for ``n = 2``::

                    P = 1/2

                No closed form is given for ``n >= 3`` (``closed_form``
                returns ``None``); parallel magnets side by side repel, so
                ``P < 1`` for every ``n``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "Variant",
    "VARIANTS",
    "VARIANT_ZH",
    "SEED_CLAIM",
    "pair_attracts",
    "simulate",
    "closed_form",
    "std_error",
    "MagnetRow",
    "compare",
    "magnet_table",
    "plot_magnets",
]

Variant = Literal["chain_any", "chain_all", "any_pair", "shared_habit", "plane_dipole"]
VARIANTS: tuple[str, ...] = ("chain_any", "chain_all", "any_pair", "shared_habit", "plane_dipole")
VARIANT_ZH = {
    "chain_any": "一排、朝向独立：至少一处相吸",
    "chain_all": "一排、朝向独立：全部吸成一串",
    "any_pair": "可调换顺序、不能转向：任意两块能相吸",
    "shared_habit": "朝向受同一个摆放习惯影响：至少一处相吸",
    "plane_dipole": "平面内任意朝向（磁偶极子）：任意两块相吸",
}
# The seed's numbers: two magnets 50%, three 66%; it gives none for more magnets.
SEED_CLAIM = {2: 0.50, 3: 0.66}
MAX_MAGNETS = 64


def _check(variant: str, n: int) -> int:
    if variant not in VARIANT_ZH:
        raise ValueError(f"variant must be one of {list(VARIANTS)}, got {variant!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= MAX_MAGNETS:
        raise ValueError(f"n_magnets must be an integer in [2, {MAX_MAGNETS}], got {n!r}")
    return int(n)


def closed_form(variant: Variant, n: int) -> float | None:
    """Exact probability of the variant's event for ``n`` magnets, or ``None`` if none is known."""
    n = _check(variant, n)
    if variant == "chain_any":
        return 1.0 - 0.5 ** (n - 1)
    if variant == "chain_all":
        return 0.5 ** (n - 1)
    if variant == "any_pair":
        return 0.5 if n == 2 else 1.0
    if variant == "shared_habit":
        return 1.0 - 1.0 / n
    return 0.5 if n == 2 else None  # plane_dipole


def pair_attracts(theta_a, theta_b):
    """Dipole rule of ``plane_dipole``: do two magnets on the row attract?

    Angles (radians) are measured from the row's direction.  The pair attracts
    iff ``cos(a - b) - 3 cos a cos b < 0``; works element-wise on arrays.
    """
    a, b = np.asarray(theta_a, dtype=float), np.asarray(theta_b, dtype=float)
    return np.cos(a - b) - 3.0 * np.cos(a) * np.cos(b) < 0


def _coins(rng: np.random.Generator, trials: int, n: int) -> np.ndarray:
    return rng.integers(0, 2, size=(trials, n), dtype=np.int8)


def _events(variant: str, n: int, trials: int, rng: np.random.Generator) -> np.ndarray:
    """Boolean array: did the variant's event happen in each trial?"""
    if variant in ("chain_any", "chain_all"):
        o = _coins(rng, trials, n)
        attract = o[:, 1:] == o[:, :-1]
        return attract.any(axis=1) if variant == "chain_any" else attract.all(axis=1)
    if variant == "any_pair":
        right = _coins(rng, trials, n).sum(axis=1)
        return (right >= 2) | (n - right >= 2)
    if variant == "shared_habit":
        habit = rng.random(trials)
        flips = rng.random((trials, n - 1)) >= habit[:, None]
        o = np.concatenate([np.zeros((trials, 1), dtype=np.int64), np.cumsum(flips, axis=1)], axis=1) % 2
        return (o[:, 1:] == o[:, :-1]).any(axis=1)
    # plane_dipole: energy of pair (a, b) along the row ~ cos(a - b) - 3 cos a cos b
    theta = rng.uniform(0.0, 2.0 * np.pi, size=(trials, n))
    c, s = np.cos(theta), np.sin(theta)
    i, j = np.triu_indices(n, k=1)
    # cos(a - b) - 3 cos a cos b = sin a sin b - 2 cos a cos b (same rule as pair_attracts)
    return (s[:, i] * s[:, j] - 2.0 * c[:, i] * c[:, j] < 0).any(axis=1)


def simulate(variant: Variant, n_magnets: int, trials: int = 4000, seed: int = 0) -> float:
    """Monte-Carlo estimate of the variant's probability (share of ``trials`` with the event)."""
    n = _check(variant, n_magnets)
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
        raise ValueError(f"trials must be an integer >= 1, got {trials!r}")
    rng = np.random.default_rng([seed, VARIANTS.index(variant), n])
    return float(_events(variant, n, int(trials), rng).mean())


def std_error(p: float, trials: int) -> float:
    """Binomial standard error of a Monte-Carlo share: sqrt(p (1 - p) / trials)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must lie in [0, 1], got {p}")
    if trials < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    return float(np.sqrt(p * (1.0 - p) / trials))


@dataclass(frozen=True)
class MagnetRow:
    variant: str
    n: int
    estimate: float
    std_error: float
    exact: float | None
    seed_claim: float | None


def compare(variant: Variant, n_magnets: int, trials: int = 4000, seed: int = 0) -> MagnetRow:
    """Monte-Carlo estimate, its standard error, the closed form and the seed's claim."""
    est = simulate(variant, n_magnets, trials, seed)
    return MagnetRow(
        variant,
        int(n_magnets),
        est,
        std_error(est, trials),
        closed_form(variant, n_magnets),
        SEED_CLAIM.get(int(n_magnets)),
    )


def magnet_table(n_values=(2, 3, 4, 5, 8), trials: int = 4000, seed: int = 0) -> pd.DataFrame:
    """Rows: the variants and the seed's claim; columns: numbers of magnets.

    Each cell shows the Monte-Carlo estimate and, in brackets, the closed form
    (or that none is given).
    """

    def pct(x: float) -> str:
        return f"{100 * x:.1f}%"

    table = {}
    for variant in VARIANTS:
        row = {}
        for n in n_values:
            r = compare(variant, n, trials, seed)
            exact = "无精确公式" if r.exact is None else f"精确{pct(r.exact)}"
            row[f"{n}块"] = f"{pct(r.estimate)}（{exact}）"
        table[VARIANT_ZH[variant]] = row
    table["作者的说法"] = {
        f"{n}块": (f"{SEED_CLAIM[n]:.0%}" if n in SEED_CLAIM else "未给出") for n in n_values
    }
    df = pd.DataFrame.from_dict(table, orient="index")
    df.index.name = "假设（变体）"
    return df


def plot_magnets(max_n: int = 8, trials: int = 4000, seed: int = 0):
    """Probability against the number of magnets: closed forms (lines), Monte Carlo (dots), seed (stars)."""
    from shequn.plotting import new_figure

    max_n = _check("chain_any", max_n)
    ns = np.arange(2, max_n + 1)
    fig, ax = new_figure(figsize=(8.0, 4.4))
    for variant in VARIANTS:
        exact = [closed_form(variant, int(n)) for n in ns]
        est = [simulate(variant, int(n), trials, seed) for n in ns]
        (line,) = ax.plot(ns, est, "o", markersize=5, label=f"{VARIANT_ZH[variant]}（模拟）")
        known = [(n, e) for n, e in zip(ns, exact, strict=True) if e is not None]
        if len(known) > 1:
            ax.plot(*zip(*known, strict=True), "-", color=line.get_color(), lw=1.2, alpha=0.8)
    ax.plot(
        list(SEED_CLAIM),
        list(SEED_CLAIM.values()),
        "*",
        color="black",
        markersize=14,
        label="作者的说法（2块50%，3块66%）",
    )
    ax.set_xlabel("磁铁数")
    ax.set_ylabel("事件发生的概率")
    ax.set_ylim(-0.02, 1.05)
    ax.set_title("「电磁效应」：不同假设下磁铁相吸的概率（点：模拟；线：精确公式；示意模型）", fontsize=10)
    ax.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    return fig
