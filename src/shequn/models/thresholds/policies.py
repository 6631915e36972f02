"""Entry thresholds (门槛) as policies (step 2 of :mod:`shequn.models.thresholds`).

A :class:`Policy` returns a boolean mask ``admit(pool, rng)`` and says how many
friends each member brings (:meth:`Policy.invitees`).  By default the pool it
sees is an :class:`~shequn.models.thresholds.applicants.OperatorView` (``fit`` hidden).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._checks import _check_int, _check_positive, _check_range
from .applicants import Applicants


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

    def __init__(
        self, invites: int = 3, *, effort_per_invite: float = 0.1, friend_interest_rate: float = 0.02
    ) -> None:
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
        able = rng.random(applicants.n) < prob_at_least(
            self.invites, applicants.network_size, self.friend_interest_rate
        )
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

    def __init__(
        self,
        fn: Callable[[Applicants, np.random.Generator], np.ndarray],
        name: str = "自定义门槛",
        *,
        fee: float = 0.0,
        invites_required: int = 0,
    ) -> None:
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
        raise ValueError(
            f"policy {name!r}: admit() must return a boolean array of shape ({n},), "
            f"got dtype {mask.dtype} and shape {mask.shape}"
        )
    return mask


def _check_counts(counts, n: int, name: str) -> np.ndarray:
    counts = np.asarray(counts)
    if counts.shape != (n,) or not np.issubdtype(counts.dtype, np.integer) or (n and counts.min() < 0):
        raise ValueError(f"policy {name!r}: invitees() must return non-negative integers of shape ({n},)")
    return counts.astype(np.int64)


def standard_policies() -> list[Policy]:
    """The policies compared in the lesson: free, three prices, three invite counts, poster."""
    return [
        FreePolicy(),
        PaidPolicy(20),
        PaidPolicy(50),
        PaidPolicy(100),
        InvitePolicy(1),
        InvitePolicy(3),
        InvitePolicy(5),
        PosterPolicy(),
    ]
