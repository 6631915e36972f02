"""Lesson 2 figures and tables for the star-vs-mesh model in :mod:`shequn.models.networks`.

Seed ``002_a72570d53a65987b.md`` contrasts a fan economy (a star around one
centre) with a community economy (a mesh of pairwise ties that runs itself).
The model itself lives in :mod:`shequn.models.networks`; this module only draws it
and tabulates it, in Chinese, for the lesson page.  All numbers are synthetic.

Drawings use a spring layout with a fixed seed, computed on the full group,
so that a member keeps its place after others have left.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
import pandas as pd

from shequn.models import networks

__all__ = [
    "SHAPE_ZH",
    "REMOVAL_ZH",
    "SOCIAL_PULLS",
    "resilience_table",
    "plot_networks",
    "plot_resilience",
]

SHAPE_ZH = {"star": "星形（粉丝经济）", "mesh": "网状（社群经济）"}
SOCIAL_PULLS = tuple(round(0.05 * i, 2) for i in range(20))  # 0.0, 0.05, ..., 0.95
REMOVAL_ZH = {"centre": "中心（连接最多的人）", "most_active": "最活跃的人", "random": "随机成员"}


def resilience_table(
    how: str = "centre",
    k: int = 1,
    social_pull: float = 0.6,
    n: int = 60,
    degree: int = 6,
    seed: int = 0,
    equal_drives: bool = True,
) -> pd.DataFrame:
    """Both shapes side by side: activity and connectivity before and after ``k`` members leave.

    ``equal_drives=False`` uses the unequal star (keen centre, reluctant fans).
    """
    if how not in REMOVAL_ZH:
        raise ValueError(f"how must be one of {sorted(REMOVAL_ZH)}, got {how!r}")
    rows = []
    for shape in ("star", "mesh"):
        r = networks.resilience(shape, how, k, n, degree, social_pull, seed, equal_drives)
        rows.append(
            {
                "网络形状": SHAPE_ZH[shape],
                "度中心势": round(
                    networks.degree_centralization(networks.build_network(shape, n, degree, seed)), 2
                ),
                "离开前人均发言概率": round(r.activity_before, 3),
                "离开后人均发言概率": round(r.activity_after, 3),
                "活跃度保留": f"{r.activity_kept:.0%}",
                "离开前最大连通部分": f"{r.connected_before:.0%}",
                "离开后最大连通部分": f"{r.connected_after:.0%}",
            }
        )
    return pd.DataFrame(rows).set_index("网络形状")


def plot_networks(
    how: str = "centre", k: int = 1, n: int = 60, degree: int = 6, social_pull: float = 0.6, seed: int = 0
):
    """2 x 2 drawing: star and mesh (rows), before and after ``k`` members leave (columns).

    Node colour is the member's steady daily posting probability.
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    from shequn.plotting import new_figure

    if how not in REMOVAL_ZH:
        raise ValueError(f"how must be one of {sorted(REMOVAL_ZH)}, got {how!r}")
    fig, ax = new_figure(figsize=(8.0, 7.2))
    ax.remove()
    axes = fig.subplots(2, 2)
    cmap, norm = colormaps["viridis"], Normalize(0.0, 1.0)
    for row, shape in enumerate(("star", "mesh")):
        g = networks.build_network(shape, n, degree, seed)
        h = networks.remove_members(g, how, k, seed, social_pull)
        pos = nx.spring_layout(g, seed=seed)
        for col, (graph, when) in enumerate(((g, "离开前"), (h, f"{k}人离开后"))):
            a = axes[row, col]
            act = networks.steady_activity(graph, social_pull)
            nodes = list(graph.nodes)
            nx.draw_networkx_edges(graph, pos, ax=a, width=0.5, alpha=0.4)
            nx.draw_networkx_nodes(
                graph, pos, nodelist=nodes, ax=a, node_size=40, node_color=[cmap(norm(act[v])) for v in nodes]
            )
            mean = float(np.mean(list(act.values()))) if act else 0.0
            a.set_title(
                f"{SHAPE_ZH[shape]}：{when}\n人均发言概率{mean:.2f}，最大连通部分"
                f"{networks.largest_component_share(graph):.0%}",
                fontsize=10,
            )
            a.set_xticks([])
            a.set_yticks([])
            a.grid(False)
            for side in a.spines.values():
                side.set_visible(False)
    fig.suptitle(f"离开的是{REMOVAL_ZH[how]}：星形与网状社群（示意模型，合成数据）", fontsize=12)
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=axes, shrink=0.6, label="成员每天发言的概率")
    return fig


def plot_resilience(
    how: str = "centre",
    k: int = 1,
    social_pulls: Sequence[float] = SOCIAL_PULLS,
    n: int = 60,
    degree: int = 6,
    seed: int = 0,
    compare_unequal_drives: bool = False,
):
    """Share of activity kept after ``k`` members leave, against social pull, for both shapes.

    Both shapes have the same drives (the fair default).  ``compare_unequal_drives``
    adds the star whose centre is keen and whose fans barely post on their own, so
    the reader sees how much a collapse of the star needs that assumption.
    """
    from shequn.plotting import new_figure

    if how not in REMOVAL_ZH:
        raise ValueError(f"how must be one of {sorted(REMOVAL_ZH)}, got {how!r}")
    pulls = [float(s) for s in social_pulls]
    fig, ax = new_figure(figsize=(7.0, 4.0))
    for shape, style in (("star", "o--"), ("mesh", "s-")):
        kept = [networks.resilience(shape, how, k, n, degree, s, seed).activity_kept for s in pulls]
        ax.plot(pulls, kept, style, markersize=4, label=SHAPE_ZH[shape])
    if compare_unequal_drives:
        kept = [
            networks.resilience("star", how, k, n, degree, s, seed, equal_drives=False).activity_kept
            for s in pulls
        ]
        ax.plot(pulls, kept, "^:", markersize=4, label="星形，中心意愿高、粉丝意愿低")
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle=":")
    ax.set_xlabel("社交拉动s（成员受身边人带动的程度）")
    ax.set_ylabel("活跃度保留比例（离开后÷离开前）")
    ax.set_ylim(0, 1.15)
    ax.set_title(f"{k}位{REMOVAL_ZH[how]}离开后还剩多少活跃度（示意模型）")
    ax.legend(loc="lower left", fontsize=9)
    fig.tight_layout()
    return fig
