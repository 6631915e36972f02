"""Lesson 3 model: the gas-station story (product economy vs user economy).

It illustrates a claim of seed ``004_6dd75580a06fa525.md``.  Every parameter is
an illustrative assumption, not a measurement; outputs are synthetic.  The lesson's
other model, strong nodes and their reach, is :mod:`shequn.models.influence`; the
two models share nothing but the lesson.

One stream of ``T`` cars a day passes a location; a share ``s`` of them stops
for fuel, so ``U = T * s`` users a day stop there.  There are ``n`` businesses.
Every business earns the same margin ``m`` per customer and pays a fixed cost
``F`` a day.  Drawing the stream's attention (signs, promotions) costs an
acquisition budget ``A`` a day.

Strategy ``"identical"`` (product economy, economies of scale): ``n`` identical
gas stations split the same fuel demand equally and compete for it, so each
pays the full acquisition budget itself::

    profit_i(n) = m * U / n - F - A                       (every station i)
    total(n)    = m * U - n * (F + A)

Profit per station falls like ``1 / n`` and reaches zero at
``n* = m * U / (F + A)`` (saturation).

Strategy ``"complementary"`` (user economy, economies of scope): business 1 is
the gas station; businesses ``k = 2..n`` (bakery, inn, laundry, ...) sell
*other* things to the *same* users.  Needs are ranked from the most to the
least common: a share ``h_k = h0 * rho ** (k - 2)`` of the stopping users has
need ``k``, and the complementarity ``c`` (0..1) is the share of those users
that the business actually serves.  The businesses share one user base, so
they share one acquisition budget ``A`` equally::

    profit_1(n) = m * U - F - A / n
    profit_k(n) = m * c * h0 * rho ** (k - 2) * U - F - A / n     (k >= 2)
    total(n)    = m * U * (1 + c * h0 * (1 - rho ** (n - 1)) / (1 - rho)) - n * F - A

Adding a business never lowers the others' sales (they sell different
things); it lowers everyone's share of the acquisition budget.  Because needs
get rarer (``rho < 1``), scope is finite too: the ``k``-th business loses money
once ``m * c * h0 * rho ** (k - 2) * U < F + A / n``.  With ``n = 1`` both
strategies are the same single gas station.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "Strategy",
    "GasStationParams",
    "BUSINESS_NAMES_ZH",
    "STRATEGY_ZH",
    "GasStationSummary",
    "business_profits",
    "gas_station_summary",
    "saturation_point",
    "gas_station_table",
    "plot_gas_station",
]

Strategy = Literal["identical", "complementary"]
STRATEGY_ZH = {"identical": "同质：再开一座加油站", "complementary": "互补：开不同的店"}

# Business 1 is the gas station; the next three are the seed's own examples.
BUSINESS_NAMES_ZH = (
    "加油站",
    "面包店",
    "旅店",
    "洗衣房",
    "便利店",
    "洗车店",
    "餐馆",
    "汽修店",
    "咖啡馆",
    "药店",
)


@dataclass(frozen=True)
class GasStationParams:
    """Illustrative parameters of the gas-station model (money in 元 a day)."""

    traffic: float = 2000.0  # T, cars passing a day
    stop_share: float = 0.3  # s, share of passing cars that stop for fuel
    margin: float = 20.0  # m, gross profit per customer
    fixed_cost: float = 200.0  # F, per business per day
    acquisition_cost: float = 300.0  # A, drawing the stream's attention, per day
    need_share: float = 0.6  # h0, share of stopping users with the most common other need
    need_decay: float = 0.9  # rho, each further need is this much rarer
    complementarity: float = 0.5  # c, share of users with a need that the business serves

    def __post_init__(self) -> None:
        if self.traffic < 0:
            raise ValueError(f"traffic must be >= 0, got {self.traffic}")
        for name in ("stop_share", "need_share", "complementarity"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")
        if not 0.0 < self.need_decay < 1.0:
            raise ValueError(f"need_decay must lie in (0, 1), got {self.need_decay}")
        for name in ("margin", "fixed_cost", "acquisition_cost"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")

    @property
    def users(self) -> float:
        """U = T * s, users who stop a day."""
        return self.traffic * self.stop_share


def _params(params: GasStationParams | None, **overrides) -> GasStationParams:
    base = params if params is not None else GasStationParams()
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(base, **given) if given else base


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"number of businesses must be an integer >= 1, got {n!r}")
    return int(n)


def _check_strategy(strategy: str) -> None:
    if strategy not in STRATEGY_ZH:
        raise ValueError(f"strategy must be 'identical' or 'complementary', got {strategy!r}")


def business_profits(
    n: int,
    strategy: Strategy,
    params: GasStationParams | None = None,
    *,
    traffic: float | None = None,
    complementarity: float | None = None,
) -> np.ndarray:
    """Daily profit of each of the ``n`` businesses (business 1 first), in 元."""
    n = _check_n(n)
    _check_strategy(strategy)
    p = _params(params, traffic=traffic, complementarity=complementarity)
    if strategy == "identical":
        return np.full(n, p.margin * p.users / n - p.fixed_cost - p.acquisition_cost)
    k = np.arange(n)
    sales = np.where(k == 0, 1.0, p.complementarity * p.need_share * p.need_decay ** np.maximum(k - 1, 0))
    return p.margin * p.users * sales - p.fixed_cost - p.acquisition_cost / n


@dataclass(frozen=True)
class GasStationSummary:
    n: int
    strategy: str
    per_business: float  # mean profit per business
    total: float
    first: float  # profit of business 1 (the first gas station)
    newest: float  # profit of business n (the one added last)
    acquisition_per_business: float


def gas_station_summary(
    n: int,
    strategy: Strategy,
    params: GasStationParams | None = None,
    *,
    traffic: float | None = None,
    complementarity: float | None = None,
) -> GasStationSummary:
    """Mean and total profit, and the first and newest business's profit."""
    p = _params(params, traffic=traffic, complementarity=complementarity)
    profits = business_profits(n, strategy, p)
    acq = p.acquisition_cost if strategy == "identical" else p.acquisition_cost / n
    return GasStationSummary(
        n, strategy, float(profits.mean()), float(profits.sum()), float(profits[0]), float(profits[-1]), acq
    )


def saturation_point(params: GasStationParams | None = None, *, traffic: float | None = None) -> float:
    """n* = m * U / (F + A): identical stations stop making money beyond it."""
    p = _params(params, traffic=traffic)
    cost = p.fixed_cost + p.acquisition_cost
    return float("inf") if cost == 0 else p.margin * p.users / cost


def gas_station_table(
    ns=(1, 2, 3, 5, 10, 15, 20, 25),
    params: GasStationParams | None = None,
    *,
    traffic: float | None = None,
    complementarity: float | None = None,
) -> pd.DataFrame:
    """Both strategies side by side for several numbers of businesses (元 a day)."""
    p = _params(params, traffic=traffic, complementarity=complementarity)
    rows = []
    for n in ns:
        a = gas_station_summary(n, "identical", p)
        b = gas_station_summary(n, "complementary", p)
        rows.append(
            {
                "商户数": n,
                "同质加油站：每家利润": round(a.per_business),
                "同质加油站：总利润": round(a.total),
                "互补商户：每家平均利润": round(b.per_business),
                "互补商户：最新一家的利润": round(b.newest),
                "互补商户：总利润": round(b.total),
            }
        )
    return pd.DataFrame(rows).set_index("商户数")


def plot_gas_station(
    max_n: int = 25,
    params: GasStationParams | None = None,
    *,
    traffic: float | None = None,
    complementarity: float | None = None,
):
    """Profit per business (left) and total profit (right) against the number of businesses."""
    from shequn.plotting import new_figure

    max_n = _check_n(max_n)
    p = _params(params, traffic=traffic, complementarity=complementarity)
    ns = np.arange(1, max_n + 1)
    fig, ax = new_figure(figsize=(9.5, 4.0))
    ax.remove()
    left, right = fig.subplots(1, 2)
    styles = {"identical": ("#d9822b", "--"), "complementary": ("#2f6fb0", "-")}
    for strategy, (color, ls) in styles.items():
        s = [gas_station_summary(int(n), strategy, p) for n in ns]
        left.plot(
            ns,
            [x.per_business / 1000 for x in s],
            ls,
            color=color,
            marker="o",
            markersize=3,
            label=STRATEGY_ZH[strategy],
        )
        right.plot(
            ns,
            [x.total / 1000 for x in s],
            ls,
            color=color,
            marker="o",
            markersize=3,
            label=STRATEGY_ZH[strategy],
        )
    for a in (left, right):
        a.axhline(0, color="grey", lw=0.8)
        a.grid(True, alpha=0.3)
        a.spines[["top", "right"]].set_visible(False)
        a.set_xlabel("商户数")
    left.set_ylabel("每家平均利润（千元/天）")
    right.set_ylabel("所有商户的总利润（千元/天）")
    left.set_title("每家商户的平均利润")
    right.set_title("总利润")
    left.legend(fontsize=9)
    fig.suptitle(
        f"加油站的故事：每天{p.traffic:.0f}辆车经过，互补程度{p.complementarity:.1f}（示意模型，合成数据）",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
