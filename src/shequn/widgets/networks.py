"""Lesson 2 widget: star vs mesh when members leave (drives :mod:`shequn.models.networks`)."""

from __future__ import annotations

import html

from shequn.models import network_plots, networks
from shequn.widgets.explorer import CAPTION, Control, Explorer, bar_table, paragraph

__all__ = ["network_explorer_spec", "network_explorer"]


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
        verdict = (
            f"离开的是{html.escape(who)}：活跃度保留<b>{r.activity_kept:z.0%}</b>，"
            f"剩下的人中<b>{r.connected_after:z.0%}</b>仍连在同一个部分里。"
        )
    over = [
        name
        for name, res in ((network_plots.SHAPE_ZH[shape], r), (network_plots.SHAPE_ZH[other_shape], other))
        if k and round(res.activity_kept * 100) > 100
    ]
    if over:  # the mean per remaining member rose: the ones who left were quieter than those who stayed
        verdict += (
            f"（{html.escape('、'.join(over))}的活跃度保留超过100%：这里比较的是留下的人的人均发言概率，"
            "离开的人原本就不如留下的人活跃，他们一走，人均就被抬高了。）"
        )
    head = paragraph(
        f"<b>{html.escape(network_plots.SHAPE_ZH[shape])}</b>，60人，社交拉动{social_pull:z.1f}。{verdict}"
    )
    compare = paragraph(
        f"<small>对照：同样设置下，{html.escape(network_plots.SHAPE_ZH[other_shape])}"
        f"保留活跃度{other.activity_kept:z.0%}，最大连通部分{other.connected_after:z.0%}。</small>"
    )
    return head + table + compare


def network_explorer_spec() -> Explorer:
    """Lesson 2: shape x who leaves x how many leave x social pull (grid 2 x 3 x 4 x 4 = 96)."""
    return Explorer(
        name="community_vs_fans_network",
        title="星形与网状探索器（star vs mesh explorer）",
        note="数字来自本课的示意模型（shequn.models.networks）：两种形状里人人自己的发言意愿取自同一范围；参数是假设，不是实测数据。",
        controls=[
            Control(
                "shape",
                "网络形状",
                [(network_plots.SHAPE_ZH[s], s) for s in ("star", "mesh")],
                default="star",
                kind="toggle",
            ),
            Control(
                "how",
                "谁离开",
                [("中心", "centre"), ("最活跃的人", "most_active"), ("随机成员", "random")],
                default="centre",
                kind="toggle",
            ),
            Control("k", "离开人数", [(str(k), k) for k in (0, 1, 3, 5)], default=1),
            Control("social_pull", "社交拉动", [(f"{s:z.1f}", s) for s in (0.0, 0.3, 0.6, 0.9)], default=0.6),
        ],
        render=_render_network,
    )


def network_explorer():
    """The star-vs-mesh widget shown in lesson 2."""
    return network_explorer_spec().widget()
