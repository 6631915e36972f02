"""Lesson 2 widget: red packets that wake lurkers (drives :mod:`shequn.models.red_packets`)."""

from __future__ import annotations

import math

from shequn.models import red_packets
from shequn.widgets.explorer import CAPTION, Control, Explorer, bar_table, paragraph

__all__ = ["red_packet_explorer_spec", "red_packet_explorer"]


def _render_red_packets(lift: float, half_life_days: float, conversion: float, n_packets: int) -> str:
    s = red_packets.lift_summary(lift, half_life_days, conversion, n_packets)
    base = s["baseline"]
    rows = [
        {"when": "平时（无红包）", "active": base, "ratio": "1.00倍"},
        {"when": "最后一次红包当天", "active": s["day0"], "ratio": f"{s['day0'] / base:z.2f}倍"},
        {"when": "一周后", "active": s["week"], "ratio": f"{s['week'] / base:z.2f}倍"},
        {"when": "一个月后", "active": s["month"], "ratio": f"{s['month'] / base:z.2f}倍"},
    ]
    scale = max(120.0, s["day0"])
    table = bar_table(
        rows,
        [("when", "", None), ("active", "每天发言的成员数（期望）", scale), ("ratio", "相对平时", None)],
        caption=CAPTION,
    )
    hl = s["half_life"]
    hl_text = "一个月内没有降到一半" if math.isinf(hl) else f"{hl:z.1f}天"
    packets = "、".join(f"第{d}天" for d in s["packets"])
    info = paragraph(
        f"200人的群，80%是潜水者；在{packets}发红包（共{n_packets}次）。"
        f"从输出测得：最后一次红包后，多出来的活跃人数降到一半用了<b>{hl_text}</b>；"
        f"共有<b>{s['converted']:z.1f}</b>位潜水者转为常客。"
    )
    lasting = s["month"] - base
    verdict = f"一个月后仍比平时多{lasting:z.1f}人。" if lasting >= 0.5 else "一个月后几乎回到平时的水平。"
    return info + table + paragraph(verdict)


def red_packet_explorer_spec() -> Explorer:
    """Lesson 2: lift x half-life x conversion x number of packets (grid 3 x 4 x 3 x 3 = 108)."""
    return Explorer(
        name="community_vs_fans_red_packets",
        title="红包探索器（red packet explorer）",
        note="数字来自本课的示意模型（shequn.models.red_packets）：参数是假设，不是实测数据。",
        controls=[
            Control(
                "lift",
                "红包力度",
                [("小（+0.1）", 0.1), ("中（+0.3）", 0.3), ("大（+0.5）", 0.5)],
                default=0.3,
                kind="toggle",
            ),
            Control(
                "half_life_days", "半衰期（天）", [(f"{h:g}", h) for h in (0.5, 1.0, 3.0, 7.0)], default=1.0
            ),
            Control(
                "conversion",
                "转化率",
                [("0", 0.0), ("少（5%）", 0.05), ("较多（20%）", 0.2)],
                default=0.0,
                kind="toggle",
            ),
            Control("n_packets", "红包次数", [(str(n), n) for n in (1, 4, 8)], default=1),
        ],
        render=_render_red_packets,
    )


def red_packet_explorer():
    """The red-packet widget shown in lesson 2."""
    return red_packet_explorer_spec().widget()
