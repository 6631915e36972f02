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

2. **Admission**.  A :class:`Policy` returns a boolean mask ``admit(pool, rng)``; its ``rng`` is its
   own stream, fresh for each call (seeded from ``seed`` and the round), never the simulation's.
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

Layout: :mod:`.applicants` (the pool and the operator's view of it),
:mod:`.policies` (the thresholds), :mod:`.simulation` (the simulator),
:mod:`.comparison` (tables over several policies or group rules) and
:mod:`.plots`.  Everything public is importable from ``shequn.models.thresholds``.
"""

from __future__ import annotations

from .applicants import GOOD_FIT, ApplicantParams, Applicants, OperatorView, generate_applicants
from .comparison import compare_group_rules, compare_policies, meets_goal
from .plots import plot_funnel, plot_weekly_active
from .policies import (
    CombinedPolicy,
    FreePolicy,
    FunctionPolicy,
    InvitePolicy,
    PaidPolicy,
    Policy,
    PosterPolicy,
    as_policy,
    prob_at_least,
    standard_policies,
)
from .simulation import DEFAULT_ASSUMPTIONS, Assumptions, SimulationResult, simulate

__all__ = [
    "GOOD_FIT",
    "ApplicantParams",
    "Applicants",
    "OperatorView",
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
    "DEFAULT_ASSUMPTIONS",
    "Assumptions",
    "SimulationResult",
    "simulate",
    "compare_policies",
    "compare_group_rules",
    "meets_goal",
    "plot_funnel",
    "plot_weekly_active",
]

# The built-in policies report this package as their home (as numpy's ``set_module`` does): the grader
# recognises a built-in policy by ``type(p).__module__ == "shequn.models.thresholds"`` and rebuilds it
# in the learner's kernel with ``getattr(shequn.models.thresholds, class_name)``
# (shequn.grading.trusted.channel, kernel_bridge).
for _cls in (Policy, FreePolicy, PaidPolicy, InvitePolicy, PosterPolicy, CombinedPolicy, FunctionPolicy):
    _cls.__module__ = __name__
del _cls
