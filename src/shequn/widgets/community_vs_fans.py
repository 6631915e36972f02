"""Lesson 2 widgets: star vs mesh when members leave, and red packets that wake lurkers."""

from __future__ import annotations

import html
import math

from shequn import network_plots, networks, red_packets
from shequn.explorer import Control, Explorer, bar_table

__all__ = ["network_explorer_spec", "network_explorer", "red_packet_explorer_spec", "red_packet_explorer"]

CAPTION = "示意模型（合成数字，非实测数据）"


def _p(text: str) -> str:
    return f'<p style="margin:4px 0">{text}</p>'


# --------------------------------------------------------------- network
def _render_network(shape: str, how: str, k: int, social_pull: float) -> str:
    r = networks.resilience(shape, how, k, social_pull=social_pull)
    other_shape = "mesh" if shape == "star" else "star"
    other = networks.resilience(other_shape, how, k, social_pull=social_pull)
    rows = [
        {"when": "离开前", "activity": r.activity_before, "connected": r.connected_before},
        {"when": f"{k}人离开后", "activity": r.activity_after, "connected": r.connected_after},
    ]
    table = bar_table(
        rows,
        [("when", "", None), ("activity", "人均每天发言概率", 1), ("connected", "最大连通部分占比", 1)],
        caption=CAPTION,
    )
    who = network_plots.REMOVAL_ZH[how]
    if k == 0:
        verdict = "没有人离开，两行相同。"
    else:
        verdict = (f"离开的是{html.escape(who)}：活跃度保留<b>{r.activity_kept:.0%}</b>，"
                   f"剩下的人中<b>{r.connected_after:.0%}</b>仍连在同一个部分里。")
    head = _p(f"<b>{html.escape(network_plots.SHAPE_ZH[shape])}</b>，60人，社交拉动{social_pull:.1f}。{verdict}")
    compare = _p(f"<small>对照：同样设置下，{html.escape(network_plots.SHAPE_ZH[other_shape])}"
                 f"保留活跃度{other.activity_kept:.0%}，最大连通部分{other.connected_after:.0%}。</small>")
    return head + table + compare


def network_explorer_spec() -> Explorer:
    """Lesson 2: shape x who leaves x how many leave x social pull (grid 2 x 3 x 4 x 4 = 96)."""
    return Explorer(
        name="community_vs_fans_network",
        title="星形与网状探索器（star vs mesh explorer）",
        note="数字来自本课的示意模型（shequn.networks）：参数是假设，不是实测数据。",
        controls=[
            Control("shape", "网络形状", [(network_plots.SHAPE_ZH[s], s) for s in ("star", "mesh")],
                    default="star", kind="toggle"),
            Control("how", "谁离开", [("中心", "centre"), ("最活跃的人", "most_active"), ("随机成员", "random")],
                    default="centre", kind="toggle"),
            Control("k", "离开人数", [(str(k), k) for k in (0, 1, 3, 5)], default=1),
            Control("social_pull", "社交拉动", [(f"{s:.1f}", s) for s in (0.0, 0.3, 0.6, 0.9)], default=0.6),
        ],
        render=_render_network,
    )


def network_explorer():
    """The star-vs-mesh widget shown in lesson 2."""
    return network_explorer_spec().widget()


# ------------------------------------------------------------ red packet
def _render_red_packets(lift: float, half_life_days: float, conversion: float, n_packets: int) -> str:
    s = red_packets.lift_summary(lift, half_life_days, conversion, n_packets)
    base = s["baseline"]
    rows = [
        {"when": "平时（无红包）", "active": base, "ratio": "1.00倍"},
        {"when": "最后一次红包当天", "active": s["day0"], "ratio": f"{s['day0'] / base:.2f}倍"},
        {"when": "一周后", "active": s["week"], "ratio": f"{s['week'] / base:.2f}倍"},
        {"when": "一个月后", "active": s["month"], "ratio": f"{s['month'] / base:.2f}倍"},
    ]
    scale = max(120.0, s["day0"])
    table = bar_table(
        rows,
        [("when", "", None), ("active", "每天发言的成员数（期望）", scale), ("ratio", "相对平时", None)],
        caption=CAPTION,
    )
    hl = s["half_life"]
    hl_text = "一个月内没有降到一半" if math.isinf(hl) else f"{hl:.1f}天"
    packets = "、".join(f"第{d}天" for d in s["packets"])
    info = _p(f"200人的群，80%是潜水者；在{packets}发红包（共{n_packets}次）。"
              f"从输出测得：最后一次红包后，多出来的活跃人数降到一半用了<b>{hl_text}</b>；"
              f"共有<b>{s['converted']:.1f}</b>位潜水者转为常客。")
    lasting = s["month"] - base
    verdict = (f"一个月后仍比平时多{lasting:.1f}人。" if lasting >= 0.5
               else "一个月后几乎回到平时的水平。")
    return info + table + _p(verdict)


def red_packet_explorer_spec() -> Explorer:
    """Lesson 2: lift x half-life x conversion x number of packets (grid 3 x 4 x 3 x 3 = 108)."""
    return Explorer(
        name="community_vs_fans_red_packets",
        title="红包探索器（red packet explorer）",
        note="数字来自本课的示意模型（shequn.red_packets）：参数是假设，不是实测数据。",
        controls=[
            Control("lift", "红包力度", [("小（+0.1）", 0.1), ("中（+0.3）", 0.3), ("大（+0.5）", 0.5)],
                    default=0.3, kind="toggle"),
            Control("half_life_days", "半衰期（天）", [(f"{h:g}", h) for h in (0.5, 1.0, 3.0, 7.0)],
                    default=1.0),
            Control("conversion", "转化率", [("0", 0.0), ("少（5%）", 0.05), ("较多（20%）", 0.2)],
                    default=0.0, kind="toggle"),
            Control("n_packets", "红包次数", [(str(n), n) for n in (1, 4, 8)], default=1),
        ],
        render=_render_red_packets,
    )


def red_packet_explorer():
    """The red-packet widget shown in lesson 2."""
    return red_packet_explorer_spec().widget()
