"""Lesson 2 model: red packets wake lurkers, but only for a while.

Seed ``002_a72570d53a65987b.md`` says that many lurkers (潜水者) surface only
when a red packet (红包) is being grabbed, and that a community held together
this way cannot stay alive for long.  This module turns that claim into a small
model that a learner can test.  Every number it outputs is synthetic.

A group has ``N`` members: a share ``phi`` are lurkers, the rest regulars.  A
regular posts on a given day with probability ``p_r``, a lurker with
probability ``p_l`` (``p_l < p_r``).  Red packets are sent on days
``d_1 < d_2 < ...``.  Each packet raises every lurker's posting probability by
the lift ``L``, and the extra probability halves every ``h`` days
(``h`` = half-life):

    B(t)      = sum over packets with d_k <= t of  L * 2 ** (-(t - d_k) / h)
    p_lurk(t) = min(1, p_l + B(t))

On a packet day some woken lurkers get replies or form ties and stay: a share
``c`` (the *conversion*) of the lurkers' extra posting that day turns into
regulars from the next day on:

    converted_k = c * Lurkers(d_k) * (p_lurk(d_k) - p_l)

Expected daily active members (members who post at least once that day):

    A(t) = Regulars(t) * p_r + Lurkers(t) * p_lurk(t)

The baseline is the same group with no red packet, ``A0 = N(1-phi) p_r + N phi p_l``;
the *lift* is ``A(t) - A0``.  Closed forms:

* ``c = 0``, one packet on day ``d`` and ``p_l + L <= 1``:
  ``lift(t) = N phi L 2 ** (-(t - d) / h)`` for ``t >= d``; it decays to 0.
* ``c > 0``: after the packets the lift tends to
  ``X (p_r - p_l) > 0`` where ``X`` is the total number converted, so part of
  the lift lasts.

Assumptions (illustrative, not measured): members are alike within their type;
the lift and its half-life are the same for every packet; converted members
stay regulars for good and regulars never lapse; nobody joins or leaves.
``simulate_group`` draws one seeded random history around these expected
values (one Bernoulli draw per member per day).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "expected_activity",
    "simulate_group",
    "baseline_activity",
    "lift_curve",
    "lift_half_life",
    "lift_summary",
    "lift_table",
    "weekly_packets",
    "plot_daily_activity",
]


def _check(
    n_members: int,
    lurker_share: float,
    lift: float,
    half_life_days: float,
    conversion: float,
    days: int,
    regular_rate: float,
    lurker_rate: float,
    red_packet_days: Sequence[int],
) -> list[int]:
    if int(n_members) != n_members or n_members < 1:
        raise ValueError(f"n_members must be a positive integer, got {n_members}")
    for name, value in (
        ("lurker_share", lurker_share),
        ("lift", lift),
        ("conversion", conversion),
        ("regular_rate", regular_rate),
        ("lurker_rate", lurker_rate),
    ):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must lie in [0, 1], got {value}")
    if lurker_rate > regular_rate:
        raise ValueError(f"lurker_rate ({lurker_rate}) must not exceed regular_rate ({regular_rate})")
    if not half_life_days > 0:
        raise ValueError(f"half_life_days must be > 0, got {half_life_days}")
    if int(days) != days or days < 1:
        raise ValueError(f"days must be a positive integer, got {days}")
    packets = sorted(int(d) for d in red_packet_days)
    if any(int(d) != d for d in red_packet_days):
        raise ValueError(f"red_packet_days must be whole days, got {list(red_packet_days)}")
    if len(set(packets)) != len(packets):
        raise ValueError(f"red_packet_days must not repeat a day, got {list(red_packet_days)}")
    if packets and (packets[0] < 0 or packets[-1] >= days):
        raise ValueError(f"red_packet_days must lie in [0, {days}), got {list(red_packet_days)}")
    return packets


def weekly_packets(count: int, first_day: int = 7, every: int = 7) -> tuple[int, ...]:
    """``count`` red-packet days, one every ``every`` days from ``first_day``."""
    if count < 0 or every < 1 or first_day < 0:
        raise ValueError(f"need count >= 0, every >= 1, first_day >= 0; got {count}, {every}, {first_day}")
    return tuple(first_day + every * k for k in range(count))


def baseline_activity(
    n_members: int = 200, lurker_share: float = 0.8, regular_rate: float = 0.5, lurker_rate: float = 0.02
) -> float:
    """Expected daily active members with no red packet: ``N(1-phi)p_r + N phi p_l``."""
    _check(n_members, lurker_share, 0.0, 1.0, 0.0, 1, regular_rate, lurker_rate, ())
    return n_members * ((1.0 - lurker_share) * regular_rate + lurker_share * lurker_rate)


def expected_activity(
    n_members: int = 200,
    lurker_share: float = 0.8,
    red_packet_days: Sequence[int] = (7,),
    lift: float = 0.3,
    half_life_days: float = 1.0,
    conversion: float = 0.0,
    days: int = 60,
    regular_rate: float = 0.5,
    lurker_rate: float = 0.02,
) -> pd.DataFrame:
    """Expected values, day by day (deterministic).

    Columns: ``regulars``, ``lurkers`` (expected counts), ``lurker_rate``
    (a lurker's posting probability that day), ``active`` (expected daily
    active members), ``baseline`` (the same without red packets) and ``lift``
    (``active - baseline``).
    """
    packets = _check(
        n_members,
        lurker_share,
        lift,
        half_life_days,
        conversion,
        days,
        regular_rate,
        lurker_rate,
        red_packet_days,
    )
    t = np.arange(days, dtype=float)
    boost = np.zeros(days)
    for d in packets:
        after = t >= d
        boost[after] += lift * np.exp2(-(t[after] - d) / half_life_days)
    p_lurk = np.minimum(1.0, lurker_rate + boost)

    regulars = np.full(days, n_members * (1.0 - lurker_share))
    lurkers = np.full(days, n_members * lurker_share)
    # Pools change only on the day after a packet, so loop over packets, not days.
    for d in packets:
        converted = conversion * lurkers[d] * (p_lurk[d] - lurker_rate)
        regulars[d + 1 :] += converted
        lurkers[d + 1 :] -= converted
    active = regulars * regular_rate + lurkers * p_lurk
    base = baseline_activity(n_members, lurker_share, regular_rate, lurker_rate)
    return pd.DataFrame(
        {
            "regulars": regulars,
            "lurkers": lurkers,
            "lurker_rate": p_lurk,
            "active": active,
            "baseline": np.full(days, base),
            "lift": active - base,
        },
        index=pd.RangeIndex(days, name="day"),
    )


def simulate_group(
    n_members: int = 200,
    lurker_share: float = 0.8,
    red_packet_days: Sequence[int] = (7,),
    lift: float = 0.3,
    half_life_days: float = 1.0,
    conversion: float = 0.0,
    days: int = 60,
    regular_rate: float = 0.5,
    lurker_rate: float = 0.02,
    seed: int = 0,
) -> pd.DataFrame:
    """One seeded random history of the group, next to the expected values.

    Each member posts on each day with the probability of their type.  On a
    packet day a lurker who posts converts with probability
    ``c * (p_lurk - p_l) / p_lurk``, so the expected number converted equals the
    expected-value model's.  Columns: ``active`` (simulated members who posted),
    ``regulars`` (simulated regulars) and ``expected`` (``expected_activity``).
    """
    packets = _check(
        n_members,
        lurker_share,
        lift,
        half_life_days,
        conversion,
        days,
        regular_rate,
        lurker_rate,
        red_packet_days,
    )
    rng = np.random.default_rng(seed)
    expected = expected_activity(
        n_members, lurker_share, packets, lift, half_life_days, conversion, days, regular_rate, lurker_rate
    )
    p_lurk = expected["lurker_rate"].to_numpy()
    n_lurkers = int(round(n_members * lurker_share))
    is_lurker = np.zeros(n_members, dtype=bool)
    is_lurker[:n_lurkers] = True
    packet_set = set(packets)
    active = np.empty(days, dtype=int)
    regulars = np.empty(days, dtype=int)
    for day in range(days):
        p = np.where(is_lurker, p_lurk[day], regular_rate)
        posted = rng.random(n_members) < p
        active[day] = int(posted.sum())
        regulars[day] = int((~is_lurker).sum())
        if day in packet_set and p_lurk[day] > 0:
            stay = conversion * (p_lurk[day] - lurker_rate) / p_lurk[day]
            converts = is_lurker & posted & (rng.random(n_members) < stay)
            is_lurker &= ~converts
    return pd.DataFrame(
        {"active": active, "regulars": regulars, "expected": expected["active"].to_numpy()},
        index=pd.RangeIndex(days, name="day"),
    )


def lift_curve(**params) -> pd.Series:
    """Expected extra daily active members over the no-packet baseline, by day.

    Takes the keyword arguments of :func:`expected_activity`.
    """
    return expected_activity(**params)["lift"].rename("lift")


def lift_half_life(lift: pd.Series | Sequence[float], from_day: int | None = None) -> float:
    """Days until the lift falls to half its value on ``from_day``, measured from the output.

    ``from_day`` defaults to the day of the largest lift.  Between whole days
    the curve is interpolated log-linearly, which is exact for an exponential
    decay.  Returns ``math.inf`` when the lift never falls to half within the
    series (for example when converted members keep it high).
    """
    values = np.asarray(lift, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError("lift must be a non-empty one-dimensional series")
    start = int(np.argmax(values)) if from_day is None else int(from_day)
    if not 0 <= start < values.size:
        raise ValueError(f"from_day must lie in [0, {values.size}), got {from_day}")
    peak = values[start]
    if peak <= 0:
        raise ValueError(f"the lift on day {start} is {peak}, not positive: nothing to halve")
    half = peak / 2.0
    for t in range(start + 1, values.size):
        if values[t] <= half:
            prev, cur = values[t - 1], values[t]
            if cur <= 0:
                frac = (prev - half) / (prev - cur)  # linear when the curve hits zero
            else:
                frac = (math.log(prev) - math.log(half)) / (math.log(prev) - math.log(cur))
            return (t - 1 - start) + frac
    return math.inf


def lift_summary(
    lift: float = 0.3,
    half_life_days: float = 1.0,
    conversion: float = 0.0,
    n_packets: int = 1,
    n_members: int = 200,
    lurker_share: float = 0.8,
    regular_rate: float = 0.5,
    lurker_rate: float = 0.02,
) -> dict:
    """Activity on the last packet's day, a week and a month after it (weekly packets from day 7).

    Returns a dict with ``baseline``, ``day0``, ``week``, ``month`` (expected
    daily active members), ``converted`` (members turned regular), ``half_life``
    (measured from the output after the last packet) and ``packets``.
    """
    if n_packets < 1:
        raise ValueError(f"n_packets must be >= 1, got {n_packets}")
    packets = weekly_packets(n_packets)
    last = packets[-1]
    frame = expected_activity(
        n_members,
        lurker_share,
        packets,
        lift,
        half_life_days,
        conversion,
        last + 31,
        regular_rate,
        lurker_rate,
    )
    active = frame["active"]
    return {
        "packets": packets,
        "baseline": float(frame["baseline"].iloc[0]),
        "day0": float(active.iloc[last]),
        "week": float(active.iloc[last + 7]),
        "month": float(active.iloc[last + 30]),
        "converted": float(frame["regulars"].iloc[-1] - frame["regulars"].iloc[0]),
        "half_life": lift_half_life(frame["lift"], from_day=last)
        if frame["lift"].iloc[last] > 0
        else math.nan,
    }


def lift_table(
    conversions: Sequence[float] = (0.0, 0.05, 0.2),
    lift: float = 0.3,
    half_life_days: float = 1.0,
    n_packets: int = 1,
) -> pd.DataFrame:
    """One row per conversion: daily active members before and after the last red packet (Chinese columns)."""
    rows = []
    for c in conversions:
        s = lift_summary(lift, half_life_days, c, n_packets)
        rows.append(
            {
                "转化率": f"{c:.0%}",
                "平时（无红包）": round(s["baseline"], 1),
                "红包当天": round(s["day0"], 1),
                "一周后": round(s["week"], 1),
                "一个月后": round(s["month"], 1),
                "转为常客的人数": round(s["converted"], 1),
                "从输出测得的半衰期（天）": round(s["half_life"], 2),
            }
        )
    return pd.DataFrame(rows).set_index("转化率")


def plot_daily_activity(
    conversions: Sequence[float] = (0.0, 0.1),
    n_packets: int = 1,
    lift: float = 0.3,
    half_life_days: float = 1.0,
    days: int = 60,
    simulate: bool = True,
    seed: int = 0,
):
    """Expected daily active members for each conversion, with weekly red packets from day 7.

    With ``simulate`` the first conversion's seeded random history is drawn as
    dots, to show the day-to-day noise around the expected curve.
    """
    from shequn.plotting import new_figure

    packets = weekly_packets(n_packets)
    if packets and packets[-1] >= days:
        raise ValueError(f"{n_packets} weekly packets from day 7 do not fit into {days} days")
    fig, ax = new_figure(figsize=(7.5, 4.0))
    styles = ("-", "--", "-.", ":")
    for i, c in enumerate(conversions):
        frame = expected_activity(
            red_packet_days=packets, lift=lift, half_life_days=half_life_days, conversion=c, days=days
        )
        ax.plot(
            frame.index,
            frame["active"],
            styles[i % len(styles)],
            linewidth=1.8,
            label=f"期望值，转化率{c:.0%}",
        )
    if simulate and conversions:
        sim = simulate_group(
            red_packet_days=packets,
            lift=lift,
            half_life_days=half_life_days,
            conversion=conversions[0],
            days=days,
            seed=seed,
        )
        ax.plot(
            sim.index,
            sim["active"],
            "o",
            markersize=2.5,
            alpha=0.5,
            color="grey",
            label=f"一次随机模拟（转化率{conversions[0]:.0%}，种子{seed}）",
        )
    base = baseline_activity()
    ax.axhline(base, color="black", linewidth=0.8, linestyle=":", label="平时（无红包）")
    for k, d in enumerate(packets):
        ax.axvline(d, color="#c0392b", linewidth=0.8, alpha=0.6, label="发红包" if k == 0 else None)
    ax.set_xlabel("天")
    ax.set_ylabel("当天发言的成员数")
    ax.set_ylim(bottom=0)
    ax.set_title("红包唤醒潜水者：每天的活跃人数（示意模型，合成数据）")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig
