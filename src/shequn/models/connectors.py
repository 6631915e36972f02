"""Lesson 1 model: how firms connect to consumers, era by era.

The qualitative part (eras, who holds power, which connector, what kind of tie)
follows seed ``000_09ffa5ac827d94b1.md``. The quantitative part is a small,
deterministic expected-value model of how often each connector type reaches one
consumer. Its parameters are illustrative assumptions, not measurements; the
lesson page says so.

Model, for connector ``c`` in week ``t`` (t = 0, 1, ...):

    lambda_c(t) = r_c * q_c(t) * (1 - d) ** t
    P(reached at least once in week t) = 1 - exp(-lambda_c(t))

``r_c`` is contacts per week, ``d`` the weekly platform decline and ``q_c(t)``
the probability that a contact is noticed.  For relationship ties ``q_c``
grows with the effective contacts accumulated so far (habit):

    q_c(t) = min(1, g * (q0 + (q_max - q0) * (1 - exp(-k * C(t - 1)))))

where ``C`` is the cumulative sum of ``lambda_c``; transaction ties keep
``q_c(t) = min(1, g * q0)``.  ``g`` is the content factor: ``quality / 0.6``
for content-based connectors (0.6 is the reference quality at which the
parameters below were set) and 1 otherwise.  Content quality scales the
notice probability at every stage of a relationship, not only at its start:
seed 000 names failing content (内容失效) as a cause of Xiaomi's trouble in its
own right, so content that stops being worth reading must keep costing reach
however old the habit is.  (An earlier version scaled only ``q0``; the habit
then washed the content effect out, which reversed the seed's second cause.)

Seed 000 says firms connect through two kinds of content, the product and the
marketing (「靠产品或营销这两种内容高频连接消费者」), and lists both as failing at
Xiaomi.  So the Xiaomi scenarios carry a product channel (``PRODUCT``: the
product itself, used about once a week, a transaction tie whose notice
probability scales with content quality like any content-based connector)
beside the marketing channel (the content account) and, when adopted, the
community.  ``PRODUCT`` belongs to no era: the eras list the connectors a firm
chooses, the product is there in every era.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "Connector",
    "Era",
    "CONNECTORS",
    "ERAS",
    "era",
    "weekly_reach",
    "era_reach",
    "era_table",
    "plot_weekly_reach",
    "xiaomi_scenarios",
    "XIAOMI_SCENARIOS",
    "xiaomi_switch_sensitivity",
    "REFERENCE_QUALITY",
    "PRODUCT",
]

Tie = Literal["transaction", "relationship"]
TIE_ZH = {"transaction": "交易（物与人）", "relationship": "关系（人与人）"}


@dataclass(frozen=True)
class Connector:
    """One way a firm reaches consumers."""

    key: str
    name_zh: str
    name_en: str
    contacts_per_week: float  # r_c
    base_notice: float  # q0, probability that one contact is noticed
    tie: Tie
    content_based: bool  # notice probability scales with content quality
    max_notice: float = 0.9  # q_max for relationship ties
    habit_rate: float = 0.25  # k for relationship ties

    def __post_init__(self) -> None:
        if self.contacts_per_week < 0:
            raise ValueError(f"{self.key}: contacts_per_week must be >= 0")
        for name in ("base_notice", "max_notice"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{self.key}: {name} must lie in [0, 1], got {value}")
        if self.max_notice < self.base_notice:
            raise ValueError(f"{self.key}: max_notice must be >= base_notice")


@dataclass(frozen=True)
class Era:
    """One era in the history of how firms connect to consumers (seed 000)."""

    key: str
    name_zh: str
    name_en: str
    power_zh: str  # who holds power and who profits, as seed 000 puts it
    connector_examples_zh: str
    tie: Tie
    connectors: tuple[str, ...]
    tie_zh: str = ""  # the kind of connection, in the lesson's words


# Illustrative parameters (assumptions, not data): a store is visited about
# every other week and the visit is usually noticed; a content account posts
# several times a week but most posts are skipped; a community talks daily.
CONNECTORS: dict[str, Connector] = {
    c.key: c
    for c in (
        Connector("retail_terminal", "线下零售终端", "retail terminal", 0.5, 0.6, "transaction", False),
        Connector(
            "ecommerce_store", "电商旗舰店", "e-commerce flagship store", 0.8, 0.3, "transaction", False
        ),
        Connector(
            "distributor", "经销商与零售商渠道", "distributors and retailers", 0.7, 0.5, "transaction", False
        ),
        Connector(
            "content_account",
            "内容账号（微博、公众号）",
            "content account",
            3.0,
            0.12,
            "relationship",
            True,
            0.5,
            0.15,
        ),
        Connector("community", "社群（人与人）", "community", 5.0, 0.08, "relationship", True, 0.6, 0.3),
    )
}

ERAS: tuple[Era, ...] = (
    Era(
        "mass_sales",
        "大量销售",
        "mass sales",
        "生产、供应一方主导，消费者缺乏主导权",
        "线下零售终端、淘宝旗舰店、京东",
        "transaction",
        ("retail_terminal", "ecommerce_store"),
        "物与人",
    ),
    Era(
        "deep_distribution",
        "深度分销",
        "deep distribution",
        "渠道：竞争集中在争夺经销商、零售商，核心是争夺连接器",
        "线下终端、淘宝、京东",
        "transaction",
        ("retail_terminal", "ecommerce_store", "distributor"),
        "仍是物与人",
    ),
    Era(
        "community_commerce",
        "社区商务",
        "community commerce",
        # Seed 000: 「连接器获利（沃尔玛是全球第一名）」 -- the connector profits;
        # what firms now compete for is the consumer, not that the consumer rules.
        "连接器获利（如沃尔玛）；供大于求、多败俱伤，争夺的重点转向消费者及其生活方式",
        "企业自建的连接器：产品连接、营销或服务连接、人与人的连接（如社群）",
        "relationship",
        ("retail_terminal", "ecommerce_store", "distributor", "content_account", "community"),
        "人与人，关系",
    ),
)

_ERAS_BY_KEY = {e.key: e for e in ERAS}

# The product itself as a content channel (seed 000: 产品连接的内容): one use a
# week, noticed as content with probability 0.3 at the reference quality.
# Illustrative, like every parameter here.
PRODUCT = Connector("product", "产品本身", "the product itself", 1.0, 0.3, "transaction", True)

# Content quality at which the connectors' notice probabilities were set.
REFERENCE_QUALITY = 0.6


def era(key: str) -> Era:
    """Return the era called ``key``; raise ``KeyError`` naming the valid keys."""
    try:
        return _ERAS_BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown era {key!r}; choose one of {sorted(_ERAS_BY_KEY)}") from None


def _check_unit(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value}")


def weekly_reach(
    connector: Connector | str,
    weeks: int = 12,
    content_quality: float = 0.6,
    platform_decline: float = 0.0,
) -> pd.DataFrame:
    """Expected effective contacts of one connector with one consumer, week by week.

    Returns a frame indexed by week (0-based) with columns ``contacts``
    (lambda, expected effective contacts), ``p_reached`` (probability of at
    least one effective contact that week) and ``notice`` (q).
    """
    c = CONNECTORS[connector] if isinstance(connector, str) else connector
    if weeks < 1:
        raise ValueError(f"weeks must be >= 1, got {weeks}")
    _check_unit("content_quality", content_quality)
    _check_unit("platform_decline", platform_decline)

    g = content_quality / REFERENCE_QUALITY if c.content_based else 1.0
    platform = (1.0 - platform_decline) ** np.arange(weeks)
    if c.tie == "transaction":
        notice = np.full(weeks, min(1.0, g * c.base_notice))
        lam = c.contacts_per_week * notice * platform
    else:
        # The habit recursion depends on the running sum, so it is a short
        # scan over weeks (at most a few hundred), not over consumers.
        notice = np.empty(weeks)
        lam = np.empty(weeks)
        cumulative = 0.0
        for t in range(weeks):
            habit = c.base_notice + (c.max_notice - c.base_notice) * (
                1.0 - np.exp(-c.habit_rate * cumulative)
            )
            notice[t] = min(1.0, g * habit)
            lam[t] = c.contacts_per_week * notice[t] * platform[t]
            cumulative += lam[t]
    return pd.DataFrame(
        {"contacts": lam, "p_reached": 1.0 - np.exp(-lam), "notice": notice},
        index=pd.RangeIndex(weeks, name="week"),
    )


def era_reach(
    era_key: str,
    weeks: int = 12,
    content_quality: float = 0.6,
    platform_decline: float = 0.0,
    decline_applies_to: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Summary of every connector available in an era over ``weeks`` weeks.

    ``decline_applies_to`` names the connectors whose platform declines; by
    default the decline hits the content account (the seed's Xiaomi case: the
    old platform fades).  Columns: connector key, Chinese name, tie type,
    total expected effective contacts, share of weeks with a contact (mean of
    ``p_reached``) and the last week's reach probability.
    """
    e = era(era_key)
    hit = ("content_account",) if decline_applies_to is None else decline_applies_to
    rows = []
    for key in e.connectors:
        c = CONNECTORS[key]
        w = weekly_reach(c, weeks, content_quality, platform_decline if key in hit else 0.0)
        rows.append(
            {
                "connector": key,
                "连接器": c.name_zh,
                "连接类型": TIE_ZH[c.tie],
                "有效触达次数": float(w["contacts"].sum()),
                "每周触达概率（平均）": float(w["p_reached"].mean()),
                "最后一周触达概率": float(w["p_reached"].iloc[-1]),
            }
        )
    return pd.DataFrame(rows).set_index("connector")


def era_table() -> pd.DataFrame:
    """The three eras side by side, in Chinese, word for word as the lesson's table.

    ``tests/test_connectors.py`` compares this frame with the Markdown table in
    ``book/01_connectors/connectors.md`` cell by cell.
    """
    return pd.DataFrame(
        {
            "时代": [e.name_zh for e in ERAS],
            "主导权与获利": [e.power_zh for e in ERAS],
            "主要连接器": [e.connector_examples_zh for e in ERAS],
            "连接的性质": [e.tie_zh for e in ERAS],
        }
    ).set_index("时代")


def plot_weekly_reach(era_key: str, weeks: int = 26, content_quality: float = 0.6):
    """Line chart of each connector's weekly reach probability in one era."""
    from shequn.plotting import new_figure

    e = era(era_key)
    fig, ax = new_figure(figsize=(7.5, 4.0))
    for key in e.connectors:
        c = CONNECTORS[key]
        w = weekly_reach(c, weeks, content_quality)
        style = "-" if c.tie == "relationship" else "--"
        ax.plot(w.index + 1, w["p_reached"], style, marker="o", markersize=3, label=c.name_zh)
    ax.set_xlabel("周")
    ax.set_ylabel("本周至少触达一次的概率")
    ax.set_ylim(0, 1)
    ax.set_title(f"{e.name_zh}时代：各连接器每周触达一位消费者的概率（示意模型）")
    ax.legend(loc="center right", fontsize=9)
    fig.tight_layout()
    return fig


# Seed 000's account of Xiaomi's trouble has two causes: the old connectors
# (Weibo, forum) faded and the new one (WeChat) was not used well, and content
# failed (内容失效) -- the product's and the marketing's.  Each scenario switches
# the causes on or off; content quality acts on the product channel, the old
# content account (marketing) and the community alike.
XIAOMI_SCENARIOS: tuple[tuple[str, float, float, bool], ...] = (
    # name, content quality, weekly decline of the old platform, adopts a community
    ("基准：旧连接器正常，内容正常", 0.8, 0.0, False),
    ("原因一：旧连接器式微，未用好新连接器", 0.8, 0.15, False),
    ("原因二：内容失效", 0.3, 0.0, False),
    ("两个原因同时出现（种子材料的叙述）", 0.3, 0.15, False),
    ("对照：式微后转向社群，内容正常", 0.8, 0.15, True),
    ("对照：式微后转向社群，但内容失效", 0.3, 0.15, True),
)


def xiaomi_scenarios(weeks: int = 12) -> pd.DataFrame:
    """Seed 000's Xiaomi case as model scenarios over ``weeks`` weeks.

    Channels: the product itself (``PRODUCT``), the old content account
    (Weibo/forum, the marketing) and, when adopted, a new community connector.
    "Decline" makes the old platform lose 15% of its reach a week; "content
    failure" drops content quality from 0.8 to 0.3 on every channel.  The
    column ``其中产品本身`` is the product channel's share of the total reach
    and ``相对基准`` each scenario's total reach over the baseline's.
    """
    if weeks < 1:
        raise ValueError(f"weeks 必须至少为 1 (weeks must be >= 1), got {weeks}")
    account, community = CONNECTORS["content_account"], CONNECTORS["community"]
    rows = []
    for name, quality, decline, adopts_new in XIAOMI_SCENARIOS:
        product = weekly_reach(PRODUCT, weeks, quality, 0.0)["contacts"]
        old = weekly_reach(account, weeks, quality, decline)
        total = old["contacts"] + product
        if adopts_new:
            total = total + weekly_reach(community, weeks, quality, 0.0)["contacts"]
        rows.append(
            {
                "情景": name,
                "内容质量": quality,
                "旧平台每周衰减": decline,
                "采用社群": "是" if adopts_new else "否",
                f"{weeks} 周内有效触达次数": float(total.sum()),
                "其中产品本身": float(product.sum()),
                "最后一周触达概率": float(1.0 - np.exp(-total.iloc[-1])),
            }
        )
    table = pd.DataFrame(rows).set_index("情景")
    table["相对基准"] = table[f"{weeks} 周内有效触达次数"] / table[f"{weeks} 周内有效触达次数"].iloc[0]
    return table


def xiaomi_switch_sensitivity(
    qualities: tuple[float, ...] = (0.8, 0.6, 0.5, 0.4, 0.35, 0.3),
    weeks: int = 12,
    decline: float = 0.15,
) -> pd.DataFrame:
    """Does switching to a community make up for the fading old connector?

    For each content quality, the reach of "old platform declining + community
    adopted" over ``weeks`` weeks, relative to the baseline (old platform
    healthy, content quality 0.8, no community); the product channel is in
    both, at the same content quality as the other channels.  A ratio below 1 means the
    switch does not restore the baseline: the lesson's sensitivity exercise.
    """
    if weeks < 1:
        raise ValueError(f"weeks 必须至少为 1 (weeks must be >= 1), got {weeks}")
    account, community = CONNECTORS["content_account"], CONNECTORS["community"]
    baseline = float(
        weekly_reach(account, weeks, 0.8, 0.0)["contacts"].sum()
        + weekly_reach(PRODUCT, weeks, 0.8, 0.0)["contacts"].sum()
    )
    rows = []
    for q in qualities:
        _check_unit("content_quality", q)
        total = float(
            weekly_reach(account, weeks, q, decline)["contacts"].sum()
            + weekly_reach(community, weeks, q, 0.0)["contacts"].sum()
            + weekly_reach(PRODUCT, weeks, q, 0.0)["contacts"].sum()
        )
        rows.append(
            {
                "内容质量": q,
                f"{weeks} 周内有效触达次数": total,
                "相对基准": total / baseline,
                "追平基准": "是" if total >= baseline else "否",
            }
        )
    return pd.DataFrame(rows).set_index("内容质量")
