"""Lesson 3 widgets: the gas-station story, the magnet claim, and strong nodes' reach."""

from __future__ import annotations

import html

from shequn import magnets, user_economy
from shequn.explorer import Control, Explorer, bar_table

__all__ = [
    "gas_station_explorer_spec",
    "gas_station_explorer",
    "magnet_explorer_spec",
    "magnet_explorer",
    "influence_explorer_spec",
    "influence_explorer",
]

CAPTION = "示意模型（合成数字，非实测数据）"
MAX_ROWS = 8  # business rows listed one by one before the rest are grouped


def _p(text: str) -> str:
    return f'<p style="margin:4px 0">{text}</p>'


def _k(yuan: float) -> str:
    """Money in thousand 元 a day, as shown in the explorer's text."""
    return f"{yuan / 1000:.2f}千元"


# ----------------------------------------------------------------- gas station
def _business_rows(n: int, strategy: str, profits) -> list[dict]:
    if strategy == "identical":
        return [{"who": f"每座加油站（共{n}座，完全相同）", "profit": float(profits[0]) / 1000}]
    names = list(user_economy.BUSINESS_NAMES_ZH)
    label = [names[i] if i < len(names) else f"第{i + 1}家互补店" for i in range(n)]
    if n <= MAX_ROWS:
        return [{"who": f"{i + 1}. {label[i]}", "profit": float(profits[i]) / 1000} for i in range(n)]
    shown = MAX_ROWS - 1
    rows = [{"who": f"{i + 1}. {label[i]}", "profit": float(profits[i]) / 1000} for i in range(shown)]
    rows.append({"who": f"其余{n - shown}家（平均）", "profit": float(profits[shown:].mean()) / 1000})
    return rows


def _render_gas_station(n: int, strategy: str, traffic: float, complementarity: float) -> str:
    kw = dict(traffic=traffic, complementarity=complementarity)
    s = user_economy.gas_station_summary(n, strategy, **kw)
    other_key = "complementary" if strategy == "identical" else "identical"
    other = user_economy.gas_station_summary(n, other_key, **kw)
    profits = user_economy.business_profits(n, strategy, **kw)
    scale = max(1.0, user_economy.gas_station_summary(1, "identical", **kw).total / 1000)
    table = bar_table(
        _business_rows(n, strategy, profits),
        [("who", "商户", None), ("profit", "每天利润（千元）", scale)],
        caption=CAPTION,
    )
    head = _p(f"<b>{html.escape(user_economy.STRATEGY_ZH[strategy])}</b>，每天{traffic:.0f}辆车经过，{n}家商户。"
              f"每家平均利润<b>{_k(s.per_business)}</b>，总利润<b>{_k(s.total)}</b>；"
              f"第一家加油站的利润{_k(s.first)}，最后加入的一家{_k(s.newest)}。")
    if strategy == "identical":
        n_star = user_economy.saturation_point(traffic=traffic)
        note = f"同质加油站瓜分同一股车流：超过约{n_star:.0f}座后，每一座都亏钱（互补程度对本策略没有影响）。"
    else:
        note = f"互补商户共用同一批用户，每家分摊的获客成本为{s.acquisition_per_business:.0f}元/天。"
    compare = _p(f"<small>{html.escape(note)} 对照：同样{n}家，若{html.escape(user_economy.STRATEGY_ZH[other_key])}，"
                 f"每家平均{_k(other.per_business)}，总利润{_k(other.total)}。</small>")
    return head + table + compare


def gas_station_explorer_spec() -> Explorer:
    """Lesson 3: businesses x strategy x traffic x complementarity (grid 8 x 2 x 3 x 4 = 192)."""
    return Explorer(
        name="user_economy_gas_station",
        title="加油站探索器（gas-station explorer）",
        note="数字来自本课的示意模型（shequn.user_economy）：利润、成本、需求比例都是假设，不是实测数据。",
        controls=[
            Control("n", "商户数", [(str(n), n) for n in (1, 2, 3, 5, 8, 12, 20, 25)], default=3),
            Control("strategy", "策略", [(user_economy.STRATEGY_ZH[s], s) for s in ("identical", "complementary")],
                    default="identical", kind="toggle"),
            Control("traffic", "每天车流", [(f"{t}辆", t) for t in (1000, 2000, 4000)], default=2000),
            Control("complementarity", "互补程度", [(f"{c:.1f}", c) for c in (0.1, 0.3, 0.5, 0.8)], default=0.5),
        ],
        render=_render_gas_station,
    )


def gas_station_explorer():
    """The gas-station widget shown in lesson 3."""
    return gas_station_explorer_spec().widget()


# ----------------------------------------------------------------- magnets
_MAGNET_TRIALS = 4000


def _render_magnets(variant: str, n: int) -> str:
    r = magnets.compare(variant, n, trials=_MAGNET_TRIALS, seed=0)
    rows = [{"what": f"模拟估计（{_MAGNET_TRIALS}次试验）", "p": r.estimate}]
    if r.exact is not None:
        rows.append({"what": "精确公式", "p": r.exact})
    if r.seed_claim is not None:
        rows.append({"what": "原文的说法", "p": r.seed_claim})
    table = bar_table(rows, [("what", "", None), ("p", "概率", 1)], caption=CAPTION)
    exact = "本变体没有给出精确公式。" if r.exact is None else f"精确值{r.exact:.1%}。"
    head = _p(f"<b>{html.escape(magnets.VARIANT_ZH[variant])}</b>，{n}块磁铁："
              f"模拟估计{r.estimate:.1%}（标准误约{r.std_error:.1%}），{exact}")
    if r.seed_claim is None:
        verdict = "原文只给出了2块和3块的数字。"
    elif r.exact is not None and abs(r.exact - r.seed_claim) < 0.01:
        verdict = "在这组假设下，精确值与原文的数字一致（原文把2/3写作66%）。"
    elif r.exact is not None:
        verdict = "在这组假设下，精确值与原文的数字不一致。"
    else:
        diff = abs(r.estimate - r.seed_claim) > 4 * max(r.std_error, 1e-3)
        verdict = "模拟估计与原文的数字" + ("相差超过4个标准误。" if diff else "在模拟误差之内。")
    return head + table + _p(f"<small>{html.escape(verdict)}</small>")


def magnet_explorer_spec() -> Explorer:
    """Lesson 3: assumption (variant) x number of magnets (grid 5 x 7 = 35)."""
    return Explorer(
        name="user_economy_magnets",
        title="磁铁探索器（magnet explorer）",
        note="每个变体是一组明确的假设；模拟用固定的随机种子。原文没有说明它的数字依据什么假设。",
        controls=[
            Control("variant", "假设", [(magnets.VARIANT_ZH[v], v) for v in magnets.VARIANTS],
                    default="chain_any", kind="dropdown"),
            Control("n", "磁铁数", [(str(n), n) for n in range(2, 9)], default=3),
        ],
        render=_render_magnets,
    )


def magnet_explorer():
    """The magnet widget shown in lesson 3."""
    return magnet_explorer_spec().widget()


# ----------------------------------------------------------------- influence
_INFLUENCE_RUNS = 60


def _render_influence(strategy: str, k: int, spread_prob: float) -> str:
    r = user_economy.influence_reach(strategy, k, spread_prob, runs=_INFLUENCE_RUNS, seed=0)
    base_key = "random" if strategy != "random" else "degree"
    base = user_economy.influence_reach(base_key, k, spread_prob, runs=_INFLUENCE_RUNS, seed=0)
    others = r.members - k
    rows = [
        {"what": "1跳之内（直接联系人）", "share": r.one_hop / others, "count": f"{r.one_hop:.0f}"},
        {"what": "2跳之内（联系人的联系人）", "share": r.two_hop / others, "count": f"{r.two_hop:.0f}"},
        {"what": f"级联传播（每条关系传出概率{spread_prob:.2f}）", "share": r.cascade / others, "count": f"{r.cascade:.0f}"},
    ]
    table = bar_table(rows, [("what", "触达方式", None), ("share", "占其余成员的比例", 1),
                             ("count", "平均人数", None)], caption=CAPTION)
    head = _p(f"<b>{html.escape(user_economy.SEED_STRATEGY_ZH[strategy])}</b>：最先把消息交给{k}个人，"
              f"在{r.members}人的合成社群里，级联传播平均触达<b>{r.cascade:.0f}</b>人。")
    compare = _p(f"<small>对照：同样{k}人、同样传播概率，若换成{html.escape(user_economy.SEED_STRATEGY_ZH[base_key])}，"
                 f"级联传播平均触达{base.cascade:.0f}人，2跳之内{base.two_hop:.0f}人。</small>")
    return head + table + compare


def influence_explorer_spec() -> Explorer:
    """Lesson 3: seeding strategy x number of seeds x spread probability (grid 4 x 5 x 5 = 100)."""
    for measure in ("degree", "betweenness", "eigenvector"):
        user_economy.seed_ranking(measure)  # rank once here, so each recompute stays fast
    return Explorer(
        name="user_economy_influence",
        title="强节点探索器（influence explorer）",
        note="1000人的合成社群（幂律聚类网络，固定随机种子）；传播结果是60次模拟的平均，不是实测数据。",
        controls=[
            Control("strategy", "播种方式", [(label, key) for key, label in user_economy.SEED_STRATEGY_ZH.items()],
                    default="degree", kind="dropdown"),
            Control("k", "播种人数", [(str(k), k) for k in (1, 2, 5, 10, 20)], default=5),
            Control("spread_prob", "传播概率", [(f"{q:.2f}", q) for q in (0.02, 0.05, 0.1, 0.15, 0.2)],
                    default=0.05),
        ],
        render=_render_influence,
    )


def influence_explorer():
    """The strong-node widget shown in lesson 3."""
    return influence_explorer_spec().widget()
