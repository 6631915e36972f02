"""Introduction widget: the traffic explorer (流量 vs 留量; drives :mod:`shequn.models.traffic`)."""

from __future__ import annotations

import math

from shequn.models import traffic
from shequn.widgets.explorer import CAPTION, Control, Explorer, bar_table

__all__ = ["traffic_explorer_spec", "traffic_explorer"]

REFERENCE_RETENTION = 0.5  # the "traffic" benchmark shown under every result


def _checkpoints(weeks: int) -> list[int]:
    return sorted({1, math.ceil(weeks / 4), math.ceil(weeks / 2), weeks})


def _render_traffic(inflow: int, retention: float, cost_per_user: float, weeks: int) -> str:
    strategy = traffic.Strategy("当前设置", inflow, retention, cost_per_user)
    run = traffic.simulate(strategy, weeks)
    star = traffic.steady_state(inflow, retention)
    head = traffic.summary(strategy, weeks)
    rows = [
        {
            "week": f"第{t}周",
            "stock": f"{run.at[t, 'stock']:,.0f}人",
            "share": float(run.at[t, "stock"] / star),
            "spend": f"{run.at[t, 'spend']:,.0f}元",
            "cpr": f"{run.at[t, 'cost_per_retained']:,.2f}元",
        }
        for t in _checkpoints(weeks)
    ]
    table = bar_table(
        rows,
        [
            ("week", "周", None),
            ("stock", "用户存量", None),
            ("share", "已达稳态的比例", 1),
            ("spend", "累计投入", None),
            ("cpr", "每位存量用户的成本", None),
        ],
        caption=CAPTION,
    )
    half = traffic.weeks_to_share(retention, 0.5)
    text = (
        f'<p style="margin:4px 0">每周新增{inflow:,}人、每周留存率{retention:z.0%}：'
        f"一位用户平均被计入存量{traffic.expected_lifetime(retention):.3g}周；"
        f"稳态用户存量＝{inflow:,}÷(1−{retention:g})＝<b>{star:,.0f}人</b>，"
        f"约第{half}周达到稳态的一半。</p>"
        f'<p style="margin:4px 0">第{weeks}周末：用户存量<b>{head["stock"]:,.0f}人</b>，'
        f"累计投入{head['spend']:,.0f}元，每位存量用户的成本<b>{head['cost_per_retained']:,.2f}元</b>。</p>"
    )
    if retention == REFERENCE_RETENTION:
        ref_text = "（当前设置就是留存率50%的对照情形。）"
    else:
        ref = traffic.summary(traffic.Strategy("对照", inflow, REFERENCE_RETENTION, cost_per_user), weeks)
        ref_text = (
            f"对照：新增和单价不变、留存率只有50%时，第{weeks}周末用户存量{ref['stock']:,.0f}人，"
            f"每位存量用户的成本{ref['cost_per_retained']:,.2f}元。"
        )
    return text + table + f'<p style="margin:4px 0"><small>{ref_text}</small></p>'


def traffic_explorer_spec() -> Explorer:
    """Introduction: weekly inflow × retention × cost per new user × horizon."""
    return Explorer(
        name="traffic",
        title="流量与留量探索器（traffic explorer）",
        note="数字来自导论的示意模型：参数是假设，不是实测数据；这里不计社群的运营成本。",
        controls=[
            Control("inflow", "每周新增用户", [(f"{n:,}", n) for n in (100, 500, 1000, 2000)], default=500),
            Control(
                "retention", "每周留存率", [(f"{r:z.0%}", r) for r in (0.5, 0.7, 0.8, 0.9, 0.95)], default=0.8
            ),
            Control(
                "cost_per_user",
                "每个新用户的成本",
                [(f"{c:g}元", c) for c in (5.0, 20.0, 50.0)],
                default=20.0,
                kind="toggle",
            ),
            Control("weeks", "周数", [(str(n), n) for n in (4, 12, 52)], default=12, kind="toggle"),
        ],
        render=_render_traffic,
    )


def traffic_explorer():
    """The widget shown in the introduction."""
    return traffic_explorer_spec().widget()
