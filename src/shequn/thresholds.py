"""Lesson 5 model: entry thresholds (门槛) and who ends up in the group.

Seed ``001_e686460c62524f51.md`` names three ways to let people into a group:
free (免费), paid (付费) and bring-your-own-traffic (自带流量: share a poster to
your 朋友圈, or invite three interested friends).  Seed
``003_bcab1432505eb57b.md`` claims that a group without a threshold is "just a
crowd" and that money works as a vote that screens fellow travellers.  Seed
``004_6dd75580a06fa525.md`` says each person can influence 50 to 5,000 people;
the network-size distribution below puts most applicants in that range.

This module turns those claims into a small, vectorised simulator so that
learners can *test* them.  Every number it produces is synthetic and every
parameter is an illustrative assumption, not a measurement.

Pipeline
--------
1. **Applicants** (:func:`generate_applicants`).  With independent standard
   normal ``z, e, u, v`` per applicant and a Gaussian copula::

       interest_i = Phi(z_i)                                  (uniform on 0..1)
       fit_i      = Phi(rho_f z_i + sqrt(1 - rho_f^2) e_i + mu_f)
       wtp_i      = m_w * exp(s_w (rho_w z_i + sqrt(1 - rho_w^2) u_i))   (yuan)
       network_i  = round(m_n * exp(s_n v_i))                 (friends)

   ``mu_f = Phi^-1(good_fit_share)`` makes ``P(fit >= 0.5) = good_fit_share``.
   ``fit`` says how well the person matches the group's target user; it is
   correlated with interest (``rho_f``); willingness to pay is lognormal and
   mildly correlated with interest (``rho_w``); network size is a heavy-tailed
   lognormal count.

2. **Admission**.  A :class:`Policy` returns a boolean mask ``admit(pool, rng)``.
   Built-in policies: :class:`FreePolicy` admits everyone; :class:`PaidPolicy`
   admits ``wtp_i >= price``; :class:`InvitePolicy` admits an applicant who is
   willing to make the effort (``interest_i >= effort_per_invite * k``) *and*
   finds ``k`` interested friends among ``network_i`` (with probability
   ``P(Binomial(network_i, friend_interest_rate) >= k)``); :class:`PosterPolicy`
   admits ``interest_i >= effort`` (sharing a poster is a small effort);
   :class:`CombinedPolicy` admits only those every part admits;
   :class:`FunctionPolicy` wraps any ``fn(applicants, rng) -> bool mask``.
   By default a policy sees the pool with ``fit`` hidden: an operator cannot
   observe who really fits.  The built-in policies model *self-selection*:
   the applicant's own interest and willingness to pay decide whether they
   pay or make the effort.  A custom policy that reads ``interest`` directly
   acts like an entry questionnaire that everyone answers honestly.

3. **Invitations** (growth through bring-your-own-traffic).  Each admitted
   member brings ``policy.invitees(...)`` friends (``k`` for an invite policy,
   ``Poisson(network_i * response_rate)`` for a poster).  The friend of parent
   ``p`` resembles the parent but is a weaker match on average::

       z'   = s z_p   + sqrt(1 - s^2) e' - d_interest     (interest, latent)
       f'   = s f_p   + sqrt(1 - s^2) e" - d_fit          (fit, latent)

   where ``z_p, f_p`` are the parent's latent scores; willingness to pay and
   network size are drawn afresh from the population.  Invitees are new
   applicants and face the same policy; this repeats for ``invite_rounds``
   rounds, all before week 1.

4. **Weeks** ``t = 1 .. weeks``.  For member ``i`` with fee ``F`` paid::

       q_i      = clip(w fit_i + (1 - w) interest_i + c, 0, 1)
       c        = kappa * F / (F + F_half)                 (money as a vote)
       p_i(1)   = a_1 * q_i
       keep_i   = clip(k_lo + (k_hi - k_lo) q_i - lambda * L, 0, 1)
       p_i(t)   = p_i(1) * keep_i ** (t - 1)
       active_i(t) ~ Bernoulli(p_i(t))      while i is in the group

   ``L`` is the share of members whose fit is below 0.5: the more people who
   do not belong, the noisier the chat and the faster everyone loses interest
   (the "just a crowd" effect, strength ``lambda``).  Paying adds a modest,
   saturating commitment ``c`` (sunk cost; "money as a vote", seed 003).  A
   free group admits many low-fit members whose activity decays fast.  An
   optional group rule removes members who were inactive for ``R``
   consecutive weeks.

5. **Money**.  ``revenue = fee * members``;
   ``cost = cost_per_member_week * sum_t (members still in the group in week t)``;
   ``net = revenue - cost``.

Assumptions: applicants decide independently; all invitations happen before
week 1; nobody leaves except through the group rule (silent members stay and
count as inactive); activity draws are independent across weeks; the group's
composition effect is fixed at its week-1 value.  ``weekly_active`` always
divides by the number of members admitted, so removing lurkers cannot inflate
it.  The simulation is deterministic for a given ``seed``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

__all__ = [
    "GOOD_FIT",
    "ApplicantParams",
    "Applicants",
    "generate_applicants",
    "Policy",
    "FreePolicy",
    "PaidPolicy",
    "InvitePolicy",
    "PosterPolicy",
    "CombinedPolicy",
    "FunctionPolicy",
    "as_policy",
    "prob_at_least",
    "standard_policies",
    "Assumptions",
    "SimulationResult",
    "simulate",
    "compare_policies",
    "compare_group_rules",
    "meets_goal",
    "plot_funnel",
    "plot_weekly_active",
]

GOOD_FIT = 0.5
"""A member with ``fit >= GOOD_FIT`` counts as a good fit (matches the target user)."""

_EPS = 1e-9


def _check_range(name: str, value: float, lo: float, hi: float) -> None:
    if not (isinstance(value, (int, float, np.integer, np.floating)) and lo <= value <= hi):
        raise ValueError(f"{name} must lie in [{lo}, {hi}], got {value!r}")


def _check_positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value)
    ok = ok and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")


def _check_int(name: str, value: int, lo: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise ValueError(f"{name} must be an integer >= {lo}, got {value!r}")


# --------------------------------------------------------------------------- applicants
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


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


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
            if net.size and not (np.issubdtype(net.dtype, np.number) and np.all(np.isfinite(net))
                                 and np.all(net == np.round(net))):
                raise ValueError("network_size must hold whole numbers")
            net = net.astype(np.int64)
        gen = np.zeros(interest.shape, np.int64) if self.generation is None else np.array(self.generation, np.int64)
        arrays = {"interest": interest, "fit": fit, "willingness_to_pay": wtp, "network_size": net, "generation": gen}
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
        return Applicants(self.interest[mask], self.fit[mask], self.willingness_to_pay[mask],
                          self.network_size[mask], self.generation[mask], self.params)

    @classmethod
    def concat(cls, pools: Sequence[Applicants]) -> Applicants:
        """One pool made of several pools (the first pool's ``params`` are kept)."""
        if not pools:
            raise ValueError("concat needs at least one pool")
        return cls(*(np.concatenate([getattr(p, k) for p in pools])
                     for k in ("interest", "fit", "willingness_to_pay", "network_size", "generation")),
                   params=pools[0].params)

    def to_frame(self) -> pd.DataFrame:
        """The pool as a DataFrame (English column names, as the attributes)."""
        return pd.DataFrame({k: getattr(self, k) for k in
                             ("interest", "fit", "willingness_to_pay", "network_size", "generation")})

    def hide_fit(self) -> Applicants:
        """The pool as an operator sees it: the same people, but reading ``fit`` raises."""
        view = object.__new__(_FitHidden)
        view.__dict__.update(self.__dict__)
        return view


_HIDDEN = ("fit", "good_fit")


class _FitHidden(Applicants):
    """An applicant pool whose ``fit`` is hidden (what a policy sees by default)."""

    def __getattribute__(self, name: str):
        if name in _HIDDEN:
            raise AttributeError(
                "fit is hidden from policies (an operator cannot see who really fits): screen on "
                "interest, willingness_to_pay, network_size or generation, or pass hide_fit=False "
                "to simulate() for an oracle that can see fit")
        return super().__getattribute__(name)

    def subset(self, mask: np.ndarray) -> Applicants:
        d = object.__getattribute__(self, "__dict__")
        full = Applicants(d["interest"][mask], d["fit"][mask], d["willingness_to_pay"][mask],
                          d["network_size"][mask], d["generation"][mask], d["params"])
        return full.hide_fit()

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({k: getattr(self, k) for k in
                             ("interest", "willingness_to_pay", "network_size", "generation")})

    def hide_fit(self) -> Applicants:
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
    params = ApplicantParams(good_fit_share, fit_interest_corr, wtp_median, wtp_sigma,
                             wtp_interest_corr, network_median, network_sigma)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)
    e = rng.standard_normal(n)
    r = params.fit_interest_corr
    fit = ndtr(r * z + math.sqrt(1 - r * r) * e + params.fit_shift)
    wtp = params.draw_wtp(z, rng)
    network = params.draw_network(n, rng)
    return Applicants(ndtr(z), fit, wtp, network, None, params)


def _latent(u: np.ndarray) -> np.ndarray:
    return ndtri(np.clip(u, _EPS, 1 - _EPS))


def _invitees(parents: Applicants, counts: np.ndarray, rng: np.random.Generator,
              a: Assumptions) -> Applicants:
    """Friends brought by ``parents`` (``counts[i]`` friends each); see step 3."""
    idx = np.repeat(np.arange(parents.n), counts)
    m = idx.size
    s = a.invitee_similarity
    noise = math.sqrt(1 - s * s)
    z = s * _latent(parents.interest)[idx] + noise * rng.standard_normal(m) - a.invitee_interest_drop
    f = s * _latent(parents.fit)[idx] + noise * rng.standard_normal(m) - a.invitee_fit_drop
    p = parents.params
    return Applicants(ndtr(z), ndtr(f), p.draw_wtp(z, rng), p.draw_network(m, rng),
                      parents.generation[idx] + 1, p)


# --------------------------------------------------------------------------- policies
class Policy:
    """Base class of an entry threshold.

    Subclasses set ``name`` and implement :meth:`admit`; the simulator also
    reads ``fee`` (yuan paid once by every member) and calls :meth:`invitees`
    (how many friends each admitted member brings; by default
    ``invites_required`` each).  ``admit`` must be vectorised: it receives the
    whole pool and returns one boolean per applicant.
    """

    name: str = "门槛"
    fee: float = 0.0
    invites_required: int = 0

    def admit(self, applicants: Applicants, rng: np.random.Generator) -> np.ndarray:
        """Boolean mask, one entry per applicant: who gets in."""
        raise NotImplementedError

    def invitees(self, applicants: Applicants, admitted: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Number of friends each applicant brings (0 for those not admitted)."""
        return np.where(admitted, int(self.invites_required), 0).astype(np.int64)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class FreePolicy(Policy):
    """免费: no threshold, everyone who applies gets in."""

    name = "免费"

    def admit(self, applicants: Applicants, rng: np.random.Generator) -> np.ndarray:
        return np.ones(applicants.n, dtype=bool)


class PaidPolicy(Policy):
    """付费: a one-off fee (membership or a product purchase); joins iff ``wtp >= price``."""

    def __init__(self, price: float) -> None:
        _check_positive("price", price, allow_zero=True)
        self.price = float(price)
        self.fee = float(price)
        self.name = f"付费{self.price:g}元"

    def admit(self, applicants: Applicants, rng: np.random.Generator) -> np.ndarray:
        return applicants.willingness_to_pay >= self.price


class InvitePolicy(Policy):
    """邀请k人 (bring-your-own-traffic): join only after inviting ``invites`` interested friends.

    The cost is effort: an applicant is willing iff
    ``interest >= effort_per_invite * invites``, and able with probability
    ``P(Binomial(network_size, friend_interest_rate) >= invites)`` (enough
    friends who care about the content; see :func:`prob_at_least`).  Every member brings exactly ``invites``
    friends, who become new applicants.
    """

    def __init__(self, invites: int = 3, *, effort_per_invite: float = 0.1,
                 friend_interest_rate: float = 0.02) -> None:
        _check_int("invites", invites, 1)
        _check_positive("effort_per_invite", effort_per_invite, allow_zero=True)
        _check_range("friend_interest_rate", friend_interest_rate, 0.0, 1.0)
        self.invites = int(invites)
        self.invites_required = int(invites)
        self.effort_per_invite = float(effort_per_invite)
        self.friend_interest_rate = float(friend_interest_rate)
        self.name = f"邀请{self.invites}人"

    def admit(self, applicants: Applicants, rng: np.random.Generator) -> np.ndarray:
        willing = applicants.interest >= self.effort_per_invite * self.invites
        able = rng.random(applicants.n) < prob_at_least(self.invites, applicants.network_size,
                                                        self.friend_interest_rate)
        return willing & able


class PosterPolicy(Policy):
    """转发海报 (bring-your-own-traffic): share the group's poster to your 朋友圈.

    Willing iff ``interest >= effort`` (a small effort, any network will do).
    Each sharer's poster brings ``Poisson(network_size * response_rate)`` new
    applicants.
    """

    def __init__(self, *, effort: float = 0.1, response_rate: float = 0.003) -> None:
        _check_range("effort", effort, 0.0, 1.0)
        _check_range("response_rate", response_rate, 0.0, 1.0)
        self.effort = float(effort)
        self.response_rate = float(response_rate)
        self.name = "转发海报"

    def admit(self, applicants: Applicants, rng: np.random.Generator) -> np.ndarray:
        return applicants.interest >= self.effort

    def invitees(self, applicants: Applicants, admitted: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        lam = np.where(admitted, applicants.network_size * self.response_rate, 0.0)
        return rng.poisson(lam).astype(np.int64)


class FunctionPolicy(Policy):
    """Any function ``fn(applicants, rng) -> boolean mask`` as a policy."""

    def __init__(self, fn: Callable[[Applicants, np.random.Generator], np.ndarray], name: str = "自定义门槛",
                 *, fee: float = 0.0, invites_required: int = 0) -> None:
        if not callable(fn):
            raise ValueError(f"fn must be callable, got {fn!r}")
        _check_positive("fee", fee, allow_zero=True)
        _check_int("invites_required", invites_required, 0)
        self.fn = fn
        self.name = str(name)
        self.fee = float(fee)
        self.invites_required = int(invites_required)

    def admit(self, applicants: Applicants, rng: np.random.Generator) -> np.ndarray:
        return self.fn(applicants, rng)


def as_policy(policy: Policy | Callable) -> Policy:
    """A :class:`Policy` as is; a plain function wrapped in :class:`FunctionPolicy`."""
    if isinstance(policy, Policy):
        return policy
    if callable(policy):
        return FunctionPolicy(policy, name=getattr(policy, "__name__", "自定义门槛"))
    raise ValueError(f"expected a Policy or a function (applicants, rng) -> mask, got {policy!r}")


class CombinedPolicy(Policy):
    """Several thresholds at once: admitted only if every part admits.

    The fee is the sum of the parts' fees; the invitees are the sum of the
    parts' invitees.
    """

    def __init__(self, *policies: Policy | Callable) -> None:
        if not policies:
            raise ValueError("CombinedPolicy needs at least one policy")
        self.policies = tuple(as_policy(p) for p in policies)
        self.fee = float(sum(p.fee for p in self.policies))
        self.invites_required = int(sum(p.invites_required for p in self.policies))
        self.name = "＋".join(p.name for p in self.policies)

    def admit(self, applicants: Applicants, rng: np.random.Generator) -> np.ndarray:
        mask = np.ones(applicants.n, dtype=bool)
        for p in self.policies:
            mask &= _check_mask(p.admit(applicants, rng), applicants.n, p.name)
        return mask

    def invitees(self, applicants: Applicants, admitted: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        total = np.zeros(applicants.n, np.int64)
        for p in self.policies:
            total += _check_counts(p.invitees(applicants, admitted, rng), applicants.n, p.name)
        return np.where(admitted, total, 0)


def prob_at_least(k: int, trials: np.ndarray, p: float) -> np.ndarray:
    """``P(Binomial(trials, p) >= k)``, elementwise (used to find ``k`` interested friends)."""
    _check_int("k", k, 0)
    _check_range("p", p, 0.0, 1.0)
    trials = np.asarray(trials, dtype=float)
    if k == 0:
        return np.ones(trials.shape)
    if p == 0.0 or p == 1.0:
        return ((trials >= k) & (p == 1.0)).astype(float)
    pmf = np.exp(trials * math.log1p(-p))  # P(X = 0)
    below = pmf.copy()
    ratio = p / (1 - p)
    for j in range(k - 1):
        pmf = pmf * np.maximum(trials - j, 0) / (j + 1) * ratio
        below += pmf
    return np.clip(1.0 - below, 0.0, 1.0)


def _check_mask(mask, n: int, name: str) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.shape != (n,) or mask.dtype != bool:
        raise ValueError(f"policy {name!r}: admit() must return a boolean array of shape ({n},), "
                         f"got dtype {mask.dtype} and shape {mask.shape}")
    return mask


def _check_counts(counts, n: int, name: str) -> np.ndarray:
    counts = np.asarray(counts)
    if counts.shape != (n,) or not np.issubdtype(counts.dtype, np.integer) or (n and counts.min() < 0):
        raise ValueError(f"policy {name!r}: invitees() must return non-negative integers of shape ({n},)")
    return counts.astype(np.int64)


def standard_policies() -> list[Policy]:
    """The policies compared in the lesson: free, three prices, three invite counts, poster."""
    return [FreePolicy(), PaidPolicy(20), PaidPolicy(50), PaidPolicy(100),
            InvitePolicy(1), InvitePolicy(3), InvitePolicy(5), PosterPolicy()]


# --------------------------------------------------------------------------- simulation
@dataclass(frozen=True)
class Assumptions:
    """Behavioural assumptions of the simulator (illustrative, not measured).

    Invitees: ``invitee_similarity`` (latent correlation with the inviter),
    ``invitee_interest_drop`` and ``invitee_fit_drop`` (how much lower on
    average, in latent standard deviations).  Activity: ``fit_weight`` (weight
    of fit vs interest in the match ``q``), ``pay_commitment`` (kappa, the most
    a fee can add to ``q``), ``commitment_half_fee`` (fee giving half of it),
    ``first_week_activity`` (a_1), ``keep_low`` / ``keep_high`` (weekly
    retention of activity at ``q = 0`` / ``q = 1``), ``crowd_penalty``
    (lambda, the "just a crowd" effect of low-fit members).
    """

    invitee_similarity: float = 0.5
    invitee_interest_drop: float = 0.3
    invitee_fit_drop: float = 0.5
    fit_weight: float = 0.6
    pay_commitment: float = 0.15
    commitment_half_fee: float = 50.0
    first_week_activity: float = 0.9
    keep_low: float = 0.6
    keep_high: float = 1.0
    crowd_penalty: float = 0.1

    def __post_init__(self) -> None:
        _check_range("invitee_similarity", self.invitee_similarity, 0.0, 1.0)
        _check_positive("invitee_interest_drop", self.invitee_interest_drop, allow_zero=True)
        _check_positive("invitee_fit_drop", self.invitee_fit_drop, allow_zero=True)
        _check_range("fit_weight", self.fit_weight, 0.0, 1.0)
        _check_range("pay_commitment", self.pay_commitment, 0.0, 1.0)
        _check_positive("commitment_half_fee", self.commitment_half_fee)
        _check_range("first_week_activity", self.first_week_activity, 0.0, 1.0)
        _check_range("keep_low", self.keep_low, 0.0, 1.0)
        _check_range("keep_high", self.keep_high, 0.0, 1.0)
        if self.keep_low > self.keep_high:
            raise ValueError(f"keep_low ({self.keep_low}) must not exceed keep_high ({self.keep_high})")
        _check_range("crowd_penalty", self.crowd_penalty, 0.0, 1.0)

    def commitment(self, fee: float) -> float:
        """``c = kappa * F / (F + F_half)``: extra match from having paid ``fee``."""
        return self.pay_commitment * fee / (fee + self.commitment_half_fee)


DEFAULT_ASSUMPTIONS = Assumptions()

_SUMMARY_ORDER = ("门槛", "申请人数", "成员数", "录取比例", "经邀请加入", "精准度（匹配者占比）",
                  "覆盖率（匹配者入群比例）")


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What one threshold produced (synthetic).

    Counts: ``applicants`` (everyone who applied, invitees included),
    ``members``, ``invited_members`` (members who came through an invitation
    or poster), ``good_fit_members``.  Shares: ``admitted_share`` =
    members / applicants, ``fit_precision`` = good-fit members / members,
    ``fit_recall`` = good-fit members / good-fit applicants.  Weekly arrays
    (index 0 is week 1): ``weekly_active`` = active members / members admitted,
    ``weekly_in_group`` = members still in the group / members admitted.
    Money (yuan): ``revenue``, ``cost``, ``net``.  Details: ``pool`` (all
    applicants), ``admitted`` (mask over ``pool``), ``activity`` (members x
    weeks, bool), ``fee``.
    """

    policy_name: str
    weeks: int
    fee: float
    applicants: int
    members: int
    invited_members: int
    good_fit_members: int
    admitted_share: float
    fit_precision: float
    fit_recall: float
    weekly_active: np.ndarray
    weekly_in_group: np.ndarray
    revenue: float
    cost: float
    net: float
    pool: Applicants
    admitted: np.ndarray
    activity: np.ndarray

    @property
    def member_pool(self) -> Applicants:
        """The members' traits (rows in the order of ``activity``)."""
        return self.pool.subset(self.admitted)

    def _week_index(self, week: int | None) -> int:
        week = self.weeks if week is None else week
        _check_int("week", week, 1)
        if week > self.weeks:
            raise ValueError(f"week must lie in [1, {self.weeks}], got {week}")
        return week - 1

    def active_after(self, week: int | None = None) -> float:
        """Share of members active in ``week`` (1-based; default: the last week)."""
        return float(self.weekly_active[self._week_index(week)])

    def active_members_after(self, week: int | None = None) -> int:
        """Number of members active in ``week`` (1-based; default: the last week)."""
        return int(self.activity[:, self._week_index(week)].sum())

    def summary(self) -> pd.Series:
        """The headline numbers with Chinese labels."""
        w = self.weeks
        return pd.Series({
            "门槛": self.policy_name,
            "申请人数": self.applicants,
            "成员数": self.members,
            "录取比例": round(self.admitted_share, 3),
            "经邀请加入": self.invited_members,
            "精准度（匹配者占比）": round(self.fit_precision, 3),
            "覆盖率（匹配者入群比例）": round(self.fit_recall, 3),
            f"第{w}周活跃占比": round(self.active_after(), 3),
            f"第{w}周活跃人数": self.active_members_after(),
            "收入（元）": round(self.revenue, 2),
            "成本（元）": round(self.cost, 2),
            "净收益（元）": round(self.net, 2),
        }, name=self.policy_name, dtype=object)


def simulate(
    policy: Policy | Callable,
    applicants: Applicants | None = None,
    *,
    n: int = 10_000,
    weeks: int = 8,
    seed: int = 0,
    cost_per_member_week: float = 0.5,
    invite_rounds: int = 2,
    remove_after_inactive_weeks: int | None = None,
    hide_fit: bool = True,
    assumptions: Assumptions | None = None,
    **overrides: float,
) -> SimulationResult:
    """Run one entry threshold on an applicant pool for ``weeks`` weeks.

    ``applicants`` defaults to ``generate_applicants(n, seed)``.  ``seed`` also
    seeds the simulation's own random draws, so the result is deterministic
    for a seed.  ``cost_per_member_week`` (yuan) is what serving one member
    for one week costs; ``invite_rounds`` is how many rounds of invitations
    happen before week 1; ``remove_after_inactive_weeks`` (a group rule, e.g.
    4) removes members after that many consecutive inactive weeks.  With
    ``hide_fit=True`` (the default) policies see the pool without ``fit``
    (reading it raises ``AttributeError``), as a real operator would;
    ``hide_fit=False`` gives an oracle that can screen on fit directly.
    ``assumptions`` and keyword ``overrides`` (any :class:`Assumptions` field,
    e.g. ``pay_commitment=0``) set the behavioural assumptions.  Mechanisms
    and equations: see the module docstring.
    """
    policy = as_policy(policy)
    _check_int("weeks", weeks, 1)
    _check_int("seed", seed, 0)
    _check_int("invite_rounds", invite_rounds, 0)
    _check_positive("cost_per_member_week", cost_per_member_week, allow_zero=True)
    if remove_after_inactive_weeks is not None:
        _check_int("remove_after_inactive_weeks", remove_after_inactive_weeks, 1)
    if not isinstance(hide_fit, bool):
        raise ValueError(f"hide_fit must be True or False, got {hide_fit!r}")
    _check_positive(f"fee of policy {policy.name!r}", policy.fee, allow_zero=True)
    a = assumptions if assumptions is not None else DEFAULT_ASSUMPTIONS
    if not isinstance(a, Assumptions):
        raise ValueError("assumptions must be an Assumptions instance")
    if overrides:
        unknown = set(overrides) - {f.name for f in dataclasses.fields(Assumptions)}
        if unknown:
            raise TypeError(f"simulate() got unknown parameters {sorted(unknown)}")
        a = dataclasses.replace(a, **overrides)
    if applicants is None:
        applicants = generate_applicants(n, seed)
    elif not isinstance(applicants, Applicants):
        raise ValueError("applicants must be an Applicants pool (see generate_applicants)")

    rng = np.random.default_rng([seed, 5])
    # Admission and invitation rounds.
    pools, masks = [], []
    pool = applicants
    for round_ in range(invite_rounds + 1):
        view = pool.hide_fit() if hide_fit else pool
        mask = _check_mask(policy.admit(view, rng), pool.n, policy.name)
        pools.append(pool)
        masks.append(mask)
        if round_ == invite_rounds or not mask.any():
            break
        counts = _check_counts(policy.invitees(view, mask, rng), pool.n, policy.name)
        counts = np.where(mask, counts, 0)
        if counts.sum() == 0:
            break
        pool = _invitees(pool.subset(mask), counts[mask], rng, a)
    everyone = pools[0] if len(pools) == 1 else Applicants.concat(pools)
    admitted = masks[0] if len(masks) == 1 else np.concatenate(masks)
    admitted.flags.writeable = False

    fit = everyone.fit[admitted]
    interest = everyone.interest[admitted]
    members = int(fit.size)
    good = fit >= GOOD_FIT
    good_fit_members = int(good.sum())
    good_applicants = int(everyone.good_fit.sum())
    invited_members = int((everyone.generation[admitted] > 0).sum())

    # Weekly activity (step 4).
    q = np.clip(a.fit_weight * fit + (1 - a.fit_weight) * interest + a.commitment(policy.fee), 0.0, 1.0)
    crowd = float(np.mean(~good)) if members else 0.0
    keep = np.clip(a.keep_low + (a.keep_high - a.keep_low) * q - a.crowd_penalty * crowd, 0.0, 1.0)
    # p_i(t) = a_1 q_i keep_i^(t-1), one row per week
    prob = np.empty((weeks, members))
    prob[0] = a.first_week_activity * q
    for t in range(1, weeks):
        np.multiply(prob[t - 1], keep, out=prob[t])
    by_week = rng.random((weeks, members)) < prob
    in_group_counts = np.full(weeks, members, dtype=np.int64)
    rule = remove_after_inactive_weeks
    if rule is not None and rule < weeks:
        # the group rule: after `rule` consecutive inactive weeks a member is asked to leave
        in_group = np.ones(members, dtype=bool)
        streak = np.zeros(members, dtype=np.int64)
        for t in range(weeks):
            in_group_counts[t] = in_group.sum()
            by_week[t] &= in_group
            streak = np.where(by_week[t], 0, streak + 1)
            in_group &= streak < rule
    activity = by_week.T
    activity.flags.writeable = False
    denom = max(members, 1)
    weekly_active = _readonly(activity.sum(axis=0) / denom)
    weekly_in_group = _readonly(in_group_counts / denom)

    revenue = policy.fee * members
    cost = cost_per_member_week * float(in_group_counts.sum())
    return SimulationResult(
        policy_name=policy.name,
        weeks=weeks,
        fee=float(policy.fee),
        applicants=everyone.n,
        members=members,
        invited_members=invited_members,
        good_fit_members=good_fit_members,
        admitted_share=members / everyone.n,
        fit_precision=good_fit_members / members if members else float("nan"),
        fit_recall=good_fit_members / good_applicants if good_applicants else float("nan"),
        weekly_active=weekly_active,
        weekly_in_group=weekly_in_group,
        revenue=float(revenue),
        cost=cost,
        net=float(revenue - cost),
        pool=everyone,
        admitted=admitted,
        activity=activity,
    )


def _results(items: Iterable[Policy | Callable | SimulationResult] | None, applicants: Applicants | None,
             n: int, weeks: int, seed: int, kwargs: dict) -> list[SimulationResult]:
    items = standard_policies() if items is None else list(items)
    if not items:
        raise ValueError("give at least one policy")
    if applicants is None and not all(isinstance(i, SimulationResult) for i in items):
        applicants = generate_applicants(n, seed)  # the same pool for every policy
    return [i if isinstance(i, SimulationResult)
            else simulate(i, applicants, weeks=weeks, seed=seed, **kwargs) for i in items]


def compare_policies(
    policies: Iterable[Policy | Callable | SimulationResult] | None = None,
    applicants: Applicants | None = None,
    *,
    n: int = 10_000,
    weeks: int = 8,
    seed: int = 0,
    **kwargs,
) -> pd.DataFrame:
    """One row per policy (default: :func:`standard_policies`), Chinese columns.

    All policies see the same applicant pool and seed; ``kwargs`` go to
    :func:`simulate`.  Items that are already a :class:`SimulationResult` are
    used as they are.
    """
    results = _results(policies, applicants, n, weeks, seed, kwargs)
    table = pd.DataFrame([r.summary() for r in results]).set_index("门槛")
    for c in table.columns:
        table[c] = pd.to_numeric(table[c])
    return table


def _rule_label(rule: int | None) -> str:
    return "不清退" if rule is None else f"连续{rule}周不活跃请出群"


def compare_group_rules(
    policies: Iterable[Policy | Callable] | None = None,
    rules: Sequence[int | None] = (None, 4),
    applicants: Applicants | None = None,
    *,
    n: int = 10_000,
    weeks: int = 12,
    seed: int = 0,
    **kwargs,
) -> pd.DataFrame:
    """Each policy (default: free and paid 50 yuan) under each group rule.

    ``rules`` holds values of ``remove_after_inactive_weeks`` (``None`` = nobody
    is removed).  Rows are indexed by (门槛, 群规); columns as in
    :func:`compare_policies` plus 第N周仍在群占比.
    """
    policies = [FreePolicy(), PaidPolicy(50)] if policies is None else [as_policy(p) for p in policies]
    if not policies or not rules:
        raise ValueError("give at least one policy and one rule")
    if applicants is None:
        applicants = generate_applicants(n, seed)
    rows = []
    for policy in policies:
        for rule in rules:
            r = simulate(policy, applicants, weeks=weeks, seed=seed, remove_after_inactive_weeks=rule, **kwargs)
            row = r.summary()
            row["群规"] = _rule_label(rule)
            row[f"第{weeks}周仍在群占比"] = round(float(r.weekly_in_group[-1]), 3)
            rows.append(row)
    table = pd.DataFrame(rows).set_index(["门槛", "群规"])
    for c in table.columns:
        table[c] = pd.to_numeric(table[c])
    return table[["成员数", f"第{weeks}周活跃占比", f"第{weeks}周活跃人数", f"第{weeks}周仍在群占比",
                  "收入（元）", "成本（元）", "净收益（元）"]]


def meets_goal(result: SimulationResult, *, min_members: int = 0, min_active_share: float = 0.0,
               week: int | None = None, max_cost: float | None = None, min_net: float | None = None) -> bool:
    """Whether a result reaches a goal such as "at least N members, X % active in week 8, cost <= C"."""
    _check_int("min_members", min_members, 0)
    _check_range("min_active_share", min_active_share, 0.0, 1.0)
    ok = result.members >= min_members and result.active_after(week) >= min_active_share
    if max_cost is not None:
        ok = ok and result.cost <= max_cost
    if min_net is not None:
        ok = ok and result.net >= min_net
    return bool(ok)


# --------------------------------------------------------------------------- plots
def plot_funnel(
    policies: Iterable[Policy | Callable | SimulationResult] | None = None,
    applicants: Applicants | None = None,
    *,
    n: int = 10_000,
    weeks: int = 8,
    seed: int = 0,
    **kwargs,
):
    """Grouped bars per policy: applicants, members, good-fit members, active in the last week."""
    from shequn.plotting import new_figure

    results = _results(policies, applicants, n, weeks, seed, kwargs)
    stages = [
        ("申请人数", [r.applicants for r in results]),
        ("成员数", [r.members for r in results]),
        ("匹配的成员", [r.good_fit_members for r in results]),
        (f"第{weeks}周活跃成员", [r.active_members_after() for r in results]),
    ]
    fig, ax = new_figure((8.0, 4.5))
    x = np.arange(len(results))
    width = 0.8 / len(stages)
    for j, (label, values) in enumerate(stages):
        ax.bar(x + (j - (len(stages) - 1) / 2) * width, values, width, label=label)
    ax.set_xticks(x, [r.policy_name for r in results])
    ax.set_ylabel("人数")
    ax.set_title("入群漏斗：不同门槛下的人数（示意模型，合成数据）")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_weekly_active(
    policies: Iterable[Policy | Callable | SimulationResult] | None = None,
    applicants: Applicants | None = None,
    *,
    n: int = 10_000,
    weeks: int = 8,
    seed: int = 0,
    **kwargs,
):
    """Share of members active in each week, one line per policy."""
    from shequn.plotting import new_figure

    results = _results(policies, applicants, n, weeks, seed, kwargs)
    fig, ax = new_figure()
    weeks_axis = np.arange(1, weeks + 1)
    styles = ["-", "--", "-.", ":"]
    for i, r in enumerate(results):
        ax.plot(weeks_axis, r.weekly_active * 100, styles[i % len(styles)], marker="o", markersize=3,
                label=r.policy_name)
    ax.set_xlabel("入群后第几周")
    ax.set_ylabel("当周活跃的成员占比（%）")
    ax.set_ylim(0, None)
    ax.set_title("每周活跃占比（示意模型，合成数据）")
    ax.legend(frameon=False, ncol=2)
    fig.tight_layout()
    return fig
