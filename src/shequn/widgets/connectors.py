"""Lesson 1 widget: the connector explorer."""

from __future__ import annotations

import html

from shequn.models import connectors
from shequn.widgets.explorer import Control, Explorer, bar_table

__all__ = ["connector_explorer_spec", "connector_explorer"]


def _render_connectors(era: str, content_quality: float, platform_decline: float, weeks: int) -> str:
    e = connectors.era(era)
    table = connectors.era_reach(era, weeks, content_quality, platform_decline)
    rows = table.reset_index().to_dict("records")
    max_contacts = max(5.0, float(table["有效触达次数"].max()))
    summary = (
        f'<p style="margin:4px 0"><b>{html.escape(e.name_zh)}</b>（{html.escape(e.name_en)}）：'
        f"主导权——{html.escape(e.power_zh)}；连接的性质——{html.escape(connectors.TIE_ZH[e.tie])}。</p>"
    )
    result = bar_table(
        rows,
        [
            ("连接器", "连接器", None),
            ("连接类型", "连接类型", None),
            ("有效触达次数", f"{weeks} 周有效触达次数", max_contacts),
            ("每周触达概率（平均）", "每周触达概率（平均）", 1),
        ],
        caption="示意模型（合成数字，非实测数据）",
    )
    return summary + result


def connector_explorer_spec() -> Explorer:
    """Lesson 1: eras × content quality × platform decline × horizon."""
    return Explorer(
        name="connectors",
        title="连接器探索器（connector explorer）",
        note="数字来自本课的示意模型：参数是假设，不是实测数据。平台衰减只作用于内容账号。",
        controls=[
            Control(
                "era",
                "时代",
                [(e.name_zh, e.key) for e in connectors.ERAS],
                default="community_commerce",
                kind="toggle",
            ),
            Control(
                "content_quality",
                "内容质量",
                [(f"{q:z.1f}", q) for q in (0.2, 0.4, 0.6, 0.8, 1.0)],
                default=0.6,
            ),
            Control(
                "platform_decline",
                "平台每周衰减",
                [(f"{d:z.0%}", d) for d in (0.0, 0.05, 0.1, 0.2)],
                default=0.0,
            ),
            Control("weeks", "周数", [(str(n), n) for n in (4, 12, 26)], default=12),
        ],
        render=_render_connectors,
    )


def connector_explorer():
    """The widget shown in lesson 1."""
    return connector_explorer_spec().widget()
