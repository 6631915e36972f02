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
the probability that a contact is noticed.  For content-based connectors the
base notice probability is scaled by content quality.  For relationship ties
``q_c`` grows with the effective contacts accumulated so far (habit):

    q_c(t) = q0 + (q_max - q0) * (1 - exp(-k * C(t - 1)))

where ``C`` is the cumulative sum of ``lambda_c``.  Transaction ties keep
``q_c(t) = q0``.
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
    power_zh: str
    connector_examples_zh: str
    tie: Tie
    connectors: tuple[str, ...]


# Illustrative parameters (assumptions, not data): a store is visited about
# every other week and the visit is usually noticed; a content account posts
# several times a week but most posts are skipped; a community talks daily.
CONNECTORS: dict[str, Connector] = {
    c.key: c
    for c in (
        Connector("retail_terminal", "线下零售终端", "retail terminal", 0.5, 0.6, "transaction", False),
        Connector("ecommerce_store", "电商旗舰店", "e-commerce flagship store", 0.8, 0.3, "transaction", False),
        Connector("distributor", "经销商与零售商渠道", "distributors and retailers", 0.7, 0.5, "transaction", False),
        Connector("content_account", "内容账号（微博、公众号）", "content account", 3.0, 0.12, "relationship", True, 0.5, 0.15),
        Connector("community", "社群（人与人）", "community", 5.0, 0.08, "relationship", True, 0.6, 0.3),
    )
}

ERAS: tuple[Era, ...] = (
    Era(
        "mass_sales",
        "大量销售",
        "mass sales",
        "生产与供应方主导，消费者缺乏主导权",
        "线下零售终端、淘宝旗舰店、京东",
        "transaction",
        ("retail_terminal", "ecommerce_store"),
    ),
    Era(
        "deep_distribution",
        "深度分销",
        "deep distribution",
        "渠道：竞争焦点是争夺经销商、零售商这些连接器",
        "线下终端、淘宝、京东",
        "transaction",
        ("retail_terminal", "ecommerce_store", "distributor"),
    ),
    Era(
        "community_commerce",
        "社区商务",
        "community commerce",
        "消费者：供大于求，争夺的是消费者及其生活方式",
        "企业自建的连接器：产品、营销与服务、人与人",
        "relationship",
        ("retail_terminal", "ecommerce_store", "distributor", "content_account", "community"),
    ),
)

_ERAS_BY_KEY = {e.key: e for e in ERAS}


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

    q0 = c.base_notice * (content_quality / 0.6 if c.content_based else 1.0)
    q0 = min(q0, c.max_notice) if c.tie == "relationship" else min(q0, 1.0)
    platform = (1.0 - platform_decline) ** np.arange(weeks)
    if c.tie == "transaction":
        notice = np.full(weeks, q0)
        lam = c.contacts_per_week * notice * platform
    else:
        # The habit recursion depends on the running sum, so it is a short
        # scan over weeks (at most a few hundred), not over consumers.
        notice = np.empty(weeks)
        lam = np.empty(weeks)
        cumulative = 0.0
        for t in range(weeks):
            notice[t] = q0 + (c.max_notice - q0) * (1.0 - np.exp(-c.habit_rate * cumulative))
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
    """The three eras side by side, in Chinese, as the lesson shows them."""
    return pd.DataFrame(
        {
            "时代": [f"{e.name_zh}（{e.name_en}）" for e in ERAS],
            "谁掌握主导权": [e.power_zh for e in ERAS],
            "主要连接器": [e.connector_examples_zh for e in ERAS],
            "连接的性质": [TIE_ZH[e.tie] for e in ERAS],
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


def xiaomi_scenarios(weeks: int = 12) -> pd.DataFrame:
    """Seed 000's Xiaomi case as four model scenarios over ``weeks`` weeks.

    Connectors: the old content account (Weibo/forum) and, when adopted, a new
    community connector.  "Decline" makes the old platform lose 15% of its
    reach a week; "content failure" drops content quality from 0.8 to 0.3.
    """
    account, community = CONNECTORS["content_account"], CONNECTORS["community"]
    scenarios = [
        ("旧连接器正常", 0.8, 0.0, False),
        ("旧连接器式微，未采用新连接器", 0.8, 0.15, False),
        ("旧连接器式微，转向新连接器（社群）", 0.8, 0.15, True),
        ("旧连接器式微，转向社群，但内容失效", 0.3, 0.15, True),
    ]
    rows = []
    for name, quality, decline, adopts_new in scenarios:
        old = weekly_reach(account, weeks, quality, decline)
        total = old["contacts"].copy()
        if adopts_new:
            total = total + weekly_reach(community, weeks, quality, 0.0)["contacts"]
        rows.append(
            {
                "情景": name,
                "内容质量": quality,
                "旧平台每周衰减": decline,
                f"{weeks} 周内有效触达次数": float(total.sum()),
                "最后一周触达概率": float(1.0 - np.exp(-total.iloc[-1])),
            }
        )
    return pd.DataFrame(rows).set_index("情景")
