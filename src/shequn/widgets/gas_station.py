"""Lesson 3 widget: the gas-station story (drives :mod:`shequn.models.gas_station`)."""

from __future__ import annotations

import html

from shequn.models import gas_station
from shequn.widgets.explorer import CAPTION, Control, Explorer, bar_table, paragraph

__all__ = ["gas_station_explorer_spec", "gas_station_explorer"]

MAX_ROWS = 8  # business rows listed one by one before the rest are grouped


def _k(yuan: float) -> str:
    """Money in thousand 元 a day, as shown in the explorer's text."""
    return f"{yuan / 1000:z.2f}千元"


def _business_rows(n: int, strategy: str, profits) -> list[dict]:
    if strategy == "identical":
        return [{"who": f"每座加油站（共{n}座，完全相同）", "profit": float(profits[0]) / 1000}]
    names = list(gas_station.BUSINESS_NAMES_ZH)
    label = [names[i] if i < len(names) else f"第{i + 1}家互补店" for i in range(n)]
    if n <= MAX_ROWS:
        return [{"who": f"{i + 1}. {label[i]}", "profit": float(profits[i]) / 1000} for i in range(n)]
    shown = MAX_ROWS - 1
    rows = [{"who": f"{i + 1}. {label[i]}", "profit": float(profits[i]) / 1000} for i in range(shown)]
    rows.append({"who": f"其余{n - shown}家（平均）", "profit": float(profits[shown:].mean()) / 1000})
    return rows


def _render_gas_station(n: int, strategy: str, traffic: float, complementarity: float) -> str:
    kw = dict(traffic=traffic, complementarity=complementarity)
    s = gas_station.gas_station_summary(n, strategy, **kw)
    other_key = "complementary" if strategy == "identical" else "identical"
    other = gas_station.gas_station_summary(n, other_key, **kw)
    profits = gas_station.business_profits(n, strategy, **kw)
    scale = max(1.0, gas_station.gas_station_summary(1, "identical", **kw).total / 1000)
    table = bar_table(
        _business_rows(n, strategy, profits),
        [("who", "商户", None), ("profit", "每天利润（千元）", scale)],
        caption=CAPTION,
    )
    head = paragraph(
        f"<b>{html.escape(gas_station.STRATEGY_ZH[strategy])}</b>，每天{traffic:z.0f}辆车经过，{n}家商户。"
        f"每家平均利润<b>{_k(s.per_business)}</b>，总利润<b>{_k(s.total)}</b>；"
        f"第一家加油站的利润{_k(s.first)}，最后加入的一家{_k(s.newest)}。"
    )
    if strategy == "identical":
        n_star = gas_station.saturation_point(traffic=traffic)
        note = (
            f"同质加油站瓜分同一股车流：超过约{n_star:z.0f}座后，每一座都亏钱（互补程度对本策略没有影响）。"
        )
    else:
        note = f"互补商户共用同一批用户，每家分摊的获客成本为{s.acquisition_per_business:z.0f}元/天。"
    compare = paragraph(
        f"<small>{html.escape(note)} 对照：同样{n}家，若{html.escape(gas_station.STRATEGY_ZH[other_key])}，"
        f"每家平均{_k(other.per_business)}，总利润{_k(other.total)}。</small>"
    )
    return head + table + compare


def gas_station_explorer_spec() -> Explorer:
    """Lesson 3: businesses x strategy x traffic x complementarity (grid 8 x 2 x 3 x 4 = 192)."""
    return Explorer(
        name="user_economy_gas_station",
        title="加油站探索器（gas-station explorer）",
        note="数字来自本课的示意模型（shequn.models.gas_station）：利润、成本、需求比例都是假设，不是实测数据。",
        controls=[
            Control("n", "商户数", [(str(n), n) for n in (1, 2, 3, 5, 8, 12, 20, 25)], default=3),
            Control(
                "strategy",
                "策略",
                [(gas_station.STRATEGY_ZH[s], s) for s in ("identical", "complementary")],
                default="identical",
                kind="toggle",
            ),
            Control("traffic", "每天车流", [(f"{t}辆", t) for t in (1000, 2000, 4000)], default=2000),
            Control(
                "complementarity", "互补程度", [(f"{c:z.1f}", c) for c in (0.1, 0.3, 0.5, 0.8)], default=0.5
            ),
        ],
        render=_render_gas_station,
    )


def gas_station_explorer():
    """The gas-station widget shown in lesson 3."""
    return gas_station_explorer_spec().widget()
