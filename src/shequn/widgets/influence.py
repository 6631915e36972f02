"""Lesson 3 widget: strong nodes and how far they reach (drives :mod:`shequn.models.influence`)."""

from __future__ import annotations

import html

from shequn.models import influence
from shequn.widgets.explorer import CAPTION, Control, Explorer, bar_table, paragraph

__all__ = ["influence_explorer_spec", "influence_explorer"]

_INFLUENCE_RUNS = 60


def _render_influence(strategy: str, k: int, spread_prob: float) -> str:
    r = influence.influence_reach(strategy, k, spread_prob, runs=_INFLUENCE_RUNS, seed=0)
    base_key = "random" if strategy != "random" else "degree"
    base = influence.influence_reach(base_key, k, spread_prob, runs=_INFLUENCE_RUNS, seed=0)
    others = r.members - k
    rows = [
        {"what": "1跳之内（直接联系人）", "share": r.one_hop / others, "count": f"{r.one_hop:z.0f}"},
        {"what": "2跳之内（联系人的联系人）", "share": r.two_hop / others, "count": f"{r.two_hop:z.0f}"},
        {
            "what": f"级联传播（每条关系传出概率{spread_prob:z.2f}）",
            "share": r.cascade / others,
            "count": f"{r.cascade:z.0f}",
        },
    ]
    table = bar_table(
        rows,
        [("what", "触达方式", None), ("share", "占其余成员的比例", 1), ("count", "平均人数", None)],
        caption=CAPTION,
    )
    head = paragraph(
        f"<b>{html.escape(influence.SEED_STRATEGY_ZH[strategy])}</b>：最先把消息交给{k}个人，"
        f"在{r.members}人的合成社群里，级联传播平均触达<b>{r.cascade:z.0f}</b>人。"
    )
    compare = paragraph(
        f"<small>对照：同样{k}人、同样传播概率，若换成{html.escape(influence.SEED_STRATEGY_ZH[base_key])}，"
        f"级联传播平均触达{base.cascade:z.0f}人，2跳之内{base.two_hop:z.0f}人。</small>"
    )
    return head + table + compare


def influence_explorer_spec() -> Explorer:
    """Lesson 3: seeding strategy x number of seeds x spread probability (grid 4 x 5 x 5 = 100)."""
    for measure in ("degree", "betweenness", "eigenvector"):
        influence.seed_ranking(measure)  # rank once here, so each recompute stays fast
    return Explorer(
        name="user_economy_influence",
        title="强节点探索器（influence explorer）",
        note="1000人的合成社群（幂律聚类网络，固定随机种子）；传播结果是60次模拟的平均，不是实测数据。",
        controls=[
            Control(
                "strategy",
                "播种方式",
                [(label, key) for key, label in influence.SEED_STRATEGY_ZH.items()],
                default="degree",
                kind="dropdown",
            ),
            Control("k", "播种人数", [(str(k), k) for k in (1, 2, 5, 10, 20)], default=5),
            Control(
                "spread_prob",
                "传播概率",
                [(f"{q:z.2f}", q) for q in (0.02, 0.05, 0.1, 0.15, 0.2)],
                default=0.05,
            ),
        ],
        render=_render_influence,
    )


def influence_explorer():
    """The strong-node widget shown in lesson 3."""
    return influence_explorer_spec().widget()
