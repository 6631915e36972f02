"""The applicant pool of the threshold model (step 1 of :mod:`shequn.models.thresholds`).

:class:`Applicants` holds everyone who applies; :func:`generate_applicants`
draws a synthetic pool.  :class:`OperatorView` is the same pool as an operator
sees it (what a policy receives by default): it holds the pool and forwards
every trait except ``fit``, which an operator cannot observe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ._checks import _check_int, _check_positive, _check_range, _readonly

GOOD_FIT = 0.5
"""A member with ``fit >= GOOD_FIT`` counts as a good fit (matches the target user)."""

_OBSERVABLE = ("interest", "willingness_to_pay", "network_size", "generation")


@dataclass(frozen=True)
class ApplicantParams:
    """Population parameters of the applicant pool (illustrative assumptions).

    ``good_fit_share``: share of applicants with ``fit >= 0.5``;
    ``fit_interest_corr``: latent correlation of fit with interest;
    ``wtp_median`` / ``wtp_sigma``: lognormal willingness to pay in yuan;
    ``wtp_interest_corr``: latent correlation of willingness to pay with interest;
    ``network_median`` / ``network_sigma``: lognormal number of friends.
    """

    good_fit_share: float = 0.3
    fit_interest_corr: float = 0.6
    wtp_median: float = 30.0
    wtp_sigma: float = 1.0
    wtp_interest_corr: float = 0.3
    network_median: float = 200.0
    network_sigma: float = 1.0

    def __post_init__(self) -> None:
        _check_range("good_fit_share", self.good_fit_share, 0.001, 0.999)
        _check_range("fit_interest_corr", self.fit_interest_corr, -1.0, 1.0)
        _check_range("wtp_interest_corr", self.wtp_interest_corr, -1.0, 1.0)
        _check_positive("wtp_median", self.wtp_median)
        _check_positive("wtp_sigma", self.wtp_sigma, allow_zero=True)
        _check_positive("network_median", self.network_median)
        _check_positive("network_sigma", self.network_sigma, allow_zero=True)

    def draw_wtp(self, z_interest: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Willingness to pay (yuan) for people with latent interest ``z_interest``."""
        r = self.wtp_interest_corr
        z = r * z_interest + math.sqrt(1 - r * r) * rng.standard_normal(z_interest.shape)
        return self.wtp_median * np.exp(self.wtp_sigma * z)

    def draw_network(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Heavy-tailed (lognormal) friend counts, rounded to integers."""
        v = rng.standard_normal(size)
        return np.rint(self.network_median * np.exp(self.network_sigma * v)).astype(np.int64)

    @property
    def fit_shift(self) -> float:
        """``mu_f = Phi^-1(good_fit_share)``."""
        return NormalDist().inv_cdf(self.good_fit_share)


@dataclass(frozen=True, eq=False)
class Applicants:
    """A pool of applicants: one row per person, stored as numpy arrays.

    ``interest`` (0..1), ``fit`` (0..1, match with the target user),
    ``willingness_to_pay`` (yuan, >= 0), ``network_size`` (friends, integer
    >= 0) and ``generation`` (0 = came on their own, g >= 1 = invited in round
    g).  ``params`` holds the population parameters (used to draw invitees).
    The arrays are read-only; use :meth:`subset` and :meth:`concat` to build
    new pools.
    """

    interest: np.ndarray
    fit: np.ndarray
    willingness_to_pay: np.ndarray
    network_size: np.ndarray
    generation: np.ndarray | None = None
    params: ApplicantParams = field(default_factory=ApplicantParams)

    def __post_init__(self) -> None:
        interest = np.array(self.interest, dtype=float)
        fit = np.array(self.fit, dtype=float)
        wtp = np.array(self.willingness_to_pay, dtype=float)
        net = np.array(self.network_size)
        if not np.issubdtype(net.dtype, np.integer):
            if net.size and not (
                np.issubdtype(net.dtype, np.number)
                and np.all(np.isfinite(net))
                and np.all(net == np.round(net))
            ):
                raise ValueError("network_size must hold whole numbers")
            net = net.astype(np.int64)
        gen = (
            np.zeros(interest.shape, np.int64)
            if self.generation is None
            else np.array(self.generation, np.int64)
        )
        arrays = {
            "interest": interest,
            "fit": fit,
            "willingness_to_pay": wtp,
            "network_size": net,
            "generation": gen,
        }
        shapes = {k: v.shape for k, v in arrays.items()}
        if any(len(s) != 1 for s in shapes.values()) or len(set(shapes.values())) != 1:
            raise ValueError(f"applicant arrays must be 1-D and of equal length, got shapes {shapes}")
        for name in ("interest", "fit"):
            a = arrays[name]
            if a.size and not (np.all(a >= 0) and np.all(a <= 1)):
                raise ValueError(f"{name} must lie in [0, 1]")
        if wtp.size and not (np.all(np.isfinite(wtp)) and np.all(wtp >= 0)):
            raise ValueError("willingness_to_pay must be finite and >= 0")
        if net.size and np.any(net < 0):
            raise ValueError("network_size must be >= 0")
        if gen.size and np.any(gen < 0):
            raise ValueError("generation must be >= 0")
        if not isinstance(self.params, ApplicantParams):
            raise ValueError("params must be an ApplicantParams")
        for name, a in arrays.items():
            object.__setattr__(self, name, _readonly(a))

    @property
    def n(self) -> int:
        """Number of applicants."""
        return int(self.interest.shape[0])

    def __len__(self) -> int:
        return self.n

    @property
    def good_fit(self) -> np.ndarray:
        """Boolean mask: ``fit >= GOOD_FIT``."""
        return self.fit >= GOOD_FIT

    def subset(self, mask: np.ndarray) -> Applicants:
        """The applicants selected by a boolean mask (or an index array)."""
        return Applicants(
            self.interest[mask],
            self.fit[mask],
            self.willingness_to_pay[mask],
            self.network_size[mask],
            self.generation[mask],
            self.params,
        )

    @classmethod
    def concat(cls, pools: Sequence[Applicants]) -> Applicants:
        """One pool made of several pools (the first pool's ``params`` are kept)."""
        if not pools:
            raise ValueError("concat needs at least one pool")
        return cls(
            *(
                np.concatenate([getattr(p, k) for p in pools])
                for k in ("interest", "fit", "willingness_to_pay", "network_size", "generation")
            ),
            params=pools[0].params,
        )

    def to_frame(self) -> pd.DataFrame:
        """The pool as a DataFrame (English column names, as the attributes)."""
        return pd.DataFrame(
            {
                k: getattr(self, k)
                for k in ("interest", "fit", "willingness_to_pay", "network_size", "generation")
            }
        )

    def hide_fit(self) -> OperatorView:
        """The pool as an operator sees it: the same people, but reading ``fit`` raises."""
        return OperatorView(self)


_HIDDEN_MESSAGE = (
    "policy 看不到 {name}：运营者无法得知谁真正匹配。请按 interest、willingness_to_pay、network_size "
    "或 generation 筛选，或给 simulate() 传 hide_fit=False，模拟能看到 fit 的情形。 / "
    "{name} is hidden from policies (an operator cannot see who really fits): screen on interest, "
    "willingness_to_pay, network_size or generation, or pass hide_fit=False to simulate() for an "
    "oracle that can see fit"
)


class OperatorView:
    """An applicant pool as an operator sees it: every trait except ``fit`` (what a policy sees by default).

    The view holds the full pool and forwards ``interest``, ``willingness_to_pay``,
    ``network_size``, ``generation``, ``params``, ``n`` and ``len()``; ``subset`` gives
    another view and ``to_frame`` has no ``fit`` column.  Reading ``fit`` or ``good_fit``
    raises :class:`AttributeError` with a message that says why.
    """

    __slots__ = ("_pool",)

    def __init__(self, pool: Applicants) -> None:
        if not isinstance(pool, Applicants):
            raise ValueError(f"OperatorView needs an Applicants pool, got {type(pool).__name__}")
        self._pool = pool

    @property
    def interest(self) -> np.ndarray:
        return self._pool.interest

    @property
    def willingness_to_pay(self) -> np.ndarray:
        return self._pool.willingness_to_pay

    @property
    def network_size(self) -> np.ndarray:
        return self._pool.network_size

    @property
    def generation(self) -> np.ndarray:
        return self._pool.generation

    @property
    def params(self) -> ApplicantParams:
        return self._pool.params

    @property
    def fit(self) -> np.ndarray:
        raise AttributeError(_HIDDEN_MESSAGE.format(name="fit"))

    @property
    def good_fit(self) -> np.ndarray:
        raise AttributeError(_HIDDEN_MESSAGE.format(name="good_fit"))

    @property
    def n(self) -> int:
        """Number of applicants."""
        return self._pool.n

    def __len__(self) -> int:
        return self._pool.n

    def subset(self, mask: np.ndarray) -> OperatorView:
        """The selected applicants, still with ``fit`` hidden."""
        return OperatorView(self._pool.subset(mask))

    def to_frame(self) -> pd.DataFrame:
        """The observable traits as a DataFrame (no ``fit`` column)."""
        return pd.DataFrame({k: getattr(self._pool, k) for k in _OBSERVABLE})

    def hide_fit(self) -> OperatorView:
        return self

    def __repr__(self) -> str:
        return f"<applicant pool of {self.n}, fit hidden>"


def generate_applicants(
    n: int = 10_000,
    seed: int = 0,
    *,
    good_fit_share: float = 0.3,
    fit_interest_corr: float = 0.6,
    wtp_median: float = 30.0,
    wtp_sigma: float = 1.0,
    wtp_interest_corr: float = 0.3,
    network_median: float = 200.0,
    network_sigma: float = 1.0,
) -> Applicants:
    """Draw ``n`` applicants who want to join (see the module docstring, step 1).

    Defaults: 30 % of applicants are good fits; fit correlates with interest
    (latent correlation 0.6); willingness to pay is lognormal with median 30
    yuan; network size is lognormal with median 200 friends (about 90 % between
    40 and 1,000; seed 004 speaks of 50 to 5,000 people).
    """
    _check_int("n", n, 1)
    _check_int("seed", seed, 0)
    params = ApplicantParams(
        good_fit_share,
        fit_interest_corr,
        wtp_median,
        wtp_sigma,
        wtp_interest_corr,
        network_median,
        network_sigma,
    )
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)
    e = rng.standard_normal(n)
    r = params.fit_interest_corr
    fit = ndtr(r * z + math.sqrt(1 - r * r) * e + params.fit_shift)
    wtp = params.draw_wtp(z, rng)
    network = params.draw_network(n, rng)
    return Applicants(ndtr(z), fit, wtp, network, None, params)
