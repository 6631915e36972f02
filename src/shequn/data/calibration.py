"""Calibration targets of the synthetic generator, and the values it achieves.

Each :class:`Target` names a published figure (or a platform rule), the range
the generator should reproduce, a tolerance, and a function that computes the
achieved value from the four tables.  The datasheet (``datasets/README.md``)
shows :func:`calibration_table` for the shipped sample; a test recomputes it.

Sources are tagged as in the research notes:

* **[PRIMARY]** the paper's own text or abstract;
* **[SECONDARY]** another party's summary or translation of a paper (the body
  figures of Qiu et al. 2016 come from the Chinese translation of its key
  findings by 新智元 / Xinzhiyuan, not from the PDF);
* **[WEAK]** an unofficial web page, used only as a bound.

A target is either a single value (met when ``|achieved - value| <= tolerance``)
or a ``(low, high)`` range (met when ``low - tolerance <= achieved <= high + tolerance``);
``-inf`` or ``inf`` leaves a side open.

The measures, computed from what the tables record the way an analyst would, are in
:mod:`shequn.data.calibration_measures`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shequn.data.calibration_measures import (
    active_after_30_days,
    deep_invitation_share,
    first_invitation_within_5_days,
    invitation_interval_within_2_days,
    leave_rate_ratio,
    log_size_skewness,
    long_to_short_median_size,
    max_group_size,
    max_red_packet,
    mean_lurker_share,
    media_share,
    short_lived_under_100,
    silent_within_week,
    typed_tables,
)

__all__ = ["Target", "TARGETS", "achieved", "calibration_table", "markdown_table", "typed_tables"]

QIU = (
    'Qiu et al., "The Lifecycle and Cascade of WeChat Social Messaging Groups", WWW 2016, arXiv:1512.07831; '
    "figure taken from the 新智元 (Xinzhiyuan) Chinese translation of its findings [SECONDARY]"
)


@dataclass(frozen=True)
class Target:
    """One calibration target: a published figure, its tolerance, and how to measure it."""

    key: str
    description_zh: str
    description_en: str
    source: str
    target: float | tuple[float, float]
    tolerance: float
    compute: Callable[[dict[str, pd.DataFrame]], float]
    ref: str = ""  # short reference for the datasheet table, e.g. "Qiu 2016 [SECONDARY]"
    decimals: int = 3  # how the achieved value is printed in the datasheet

    @property
    def bounds(self) -> tuple[float, float]:
        """The accepted interval, tolerance included."""
        if isinstance(self.target, tuple):
            low, high = self.target
        else:
            low = high = self.target
        return low - self.tolerance, high + self.tolerance

    def met(self, value: float) -> bool:
        low, high = self.bounds
        return bool(np.isfinite(value) and low <= value <= high)

    def target_text(self) -> str:
        """The target as printed in the datasheet: ``≈ 0.4``, ``≥ 0.8``, ``≤ 500``, ``[0.46, 0.82]``."""
        if not isinstance(self.target, tuple):
            return f"≈ {_fmt(self.target)}"
        low, high = self.target
        if math.isinf(high):
            return f"≥ {_fmt(low)}"
        if math.isinf(low):
            return f"≤ {_fmt(high)}"
        return f"[{_fmt(low)}, {_fmt(high)}]"


def _fmt(x: float) -> str:
    return f"{x:g}"


# --- the targets ---------------------------------------------------------------------------------

TARGETS: list[Target] = [
    Target(
        "silent_within_7_days",
        "一周内沉寂的群所占比例（最后一条消息在建群后 7 天内）",
        "share of groups whose last message comes within 7 days of creation",
        QIU + ': "40% 的群在一周之内变得默默无言"',
        0.40,
        0.05,
        silent_within_week,
        ref="Qiu 2016 [SECONDARY]",
    ),
    Target(
        "active_after_30_days",
        "建群 30 天后仍有消息的群所占比例",
        "share of groups with a message 30 days or more after creation",
        QIU + ': "30% 的群能够存活超过 30 天"',
        0.30,
        0.05,
        active_after_30_days,
        ref="Qiu 2016 [SECONDARY]",
    ),
    Target(
        "short_lived_under_100",
        "一周内沉寂的群中，成员少于 100 人的比例",
        "share of groups silent within 7 days that have fewer than 100 members",
        QIU + ": \"临时群的规模往往在 100 人以内\" (a shape; the threshold 0.8 is our reading of 'usually')",
        (0.8, math.inf),
        0.0,
        short_lived_under_100,
        ref="Qiu 2016 [SECONDARY]",
    ),
    Target(
        "long_vs_short_median_size",
        "30 天后仍活跃的群与一周内沉寂的群的成员数中位数之比",
        "median size of groups active after 30 days / median size of groups silent within 7 days",
        QIU + ': "长期群往往拥有较大的规模" (shape only)',
        (1.0, math.inf),
        0.0,
        long_to_short_median_size,
        ref="Qiu 2016 [SECONDARY]",
        decimals=2,
    ),
    Target(
        "log_size_skewness",
        "log(群成员数) 的偏度（对数正态分布约为 0）",
        "skewness of log(group size); about 0 for a log-normal",
        "Vranić, Smiljanić & Mitrović Dankulov, J. Stat. Mech. 2022, 123402: group sizes 'exhibit log-normal "
        "behavior' (Meetup, Reddit; not WeChat) [PRIMARY abstract, shape only]",
        (-1.0, 1.0),
        0.0,
        log_size_skewness,
        ref="Vranić 2022 [PRIMARY]",
        decimals=2,
    ),
    Target(
        "max_group_size",
        "最大的群的成员数（含已退群者）",
        "largest group size (everyone who ever joined)",
        "WeChat ordinary-group cap of 500 members [WEAK: unofficial pages agree on 500; one says 200; "
        "no Tencent page found]",
        (-math.inf, 500.0),
        0.0,
        max_group_size,
        ref="WeChat cap [WEAK]",
        decimals=0,
    ),
    Target(
        "mean_lurker_share",
        "每个群中从未发言的成员比例（各群平均）",
        "per-group share of members with zero messages, averaged over groups",
        'Nonnecke & Preece, "Lurker demographics: Counting the silent", CHI 2000: health-support lists '
        "46%, software-support lists 82% lurkers over 12 weeks (mailing lists, not chat groups) "
        "[PRIMARY abstract]",
        (0.46, 0.82),
        0.0,
        mean_lurker_share,
        ref="Nonnecke & Preece 2000 [PRIMARY]",
    ),
    Target(
        "media_share",
        "图片（多媒体）消息占全部消息的比例",
        "share of messages that are images (the tables' only multimedia type)",
        'Caetano et al., "Analyzing and characterizing political discussions in WhatsApp public groups", '
        "arXiv:1804.00397 (2018): multimedia (audio, image, video) in 20% of messages [PRIMARY abstract]",
        0.20,
        0.03,
        media_share,
        ref="Caetano 2018 [PRIMARY]",
    ),
    Target(
        "first_invitation_within_5_days",
        "首次邀请发生在邀请人入群后 5 天内的比例",
        "share of first invitations made within 5 days of the inviter joining "
        "(inviters who joined by invitation)",
        QIU + ': "80% 的首次邀请发生在邀请人入群的 5 天之内"',
        0.80,
        0.10,
        first_invitation_within_5_days,
        ref="Qiu 2016 [SECONDARY]",
    ),
    Target(
        "invitation_interval_within_2_days",
        "同一邀请人的相邻两次邀请间隔不超过 2 天的比例",
        "share of consecutive invitations by the same inviter at most 2 days apart",
        QIU + ': "80% 的連續邀請發生在 2 天的時間間隔"',
        0.80,
        0.10,
        invitation_interval_within_2_days,
        ref="Qiu 2016 [SECONDARY]",
    ),
    Target(
        "deep_invitation_share",
        "邀请链深度 ≥ 3 的邀请所占比例",
        "share of invitations at cascade depth 3 or more",
        QIU + ": long-term groups 10%, short-term groups 1% of invitations at depth ≥ 3",
        (0.01, 0.10),
        0.0,
        deep_invitation_share,
        ref="Qiu 2016 [SECONDARY]",
    ),
    Target(
        "leave_rate_weeks_5_8_vs_1_4",
        "入群第 5–8 周的周退群率 ÷ 第 1–4 周的周退群率（不含建群者）",
        "weekly leave rate in tenure weeks 5–8 divided by that in weeks 1–4 (founders excluded)",
        'Zhang et al., "Come-and-Go Patterns of Group Evolution: A Dynamic Model", KDD 2016: quitting shows '
        "power-law decay, not exponential [PRIMARY abstract, shape only; the bound 0.8 is ours]",
        (0.0, 0.8),
        0.0,
        leave_rate_ratio,
        ref="Zhang 2016 [PRIMARY]",
        decimals=2,
    ),
    Target(
        "max_red_packet_yuan",
        "单个红包的最大金额（元）",
        "largest red packet, yuan",
        "WeChat red packets are limited to 200 yuan each [news reports; not an official Tencent page]",
        (0.01, 200.0),
        0.0,
        max_red_packet,
        ref="news [WEAK]",
        decimals=2,
    ),
]


def achieved(tables) -> pd.DataFrame:
    """The achieved value of every target on ``tables`` (a loaded dataset, typed tables or generator output).

    Columns: ``key``, ``description_zh``, ``description_en``, ``target`` (as text), ``tolerance``,
    ``achieved``, ``met``, ``source``.
    """
    t = typed_tables(tables)
    rows = []
    for target in TARGETS:
        value = target.compute(t)
        rows.append(
            {
                "key": target.key,
                "description_zh": target.description_zh,
                "description_en": target.description_en,
                "target": target.target_text(),
                "tolerance": target.tolerance,
                "achieved": value,
                "met": target.met(value),
                "source": target.source,
            }
        )
    return pd.DataFrame(rows)


def calibration_table(seed: int = 2026, groups: int = 20) -> pd.DataFrame:
    """:func:`achieved` on a fresh ``generate(seed, groups)`` (the shipped sample by default)."""
    from shequn.data.generate import generate

    return achieved(generate(seed=seed, groups=groups))


def markdown_table(table: pd.DataFrame) -> str:
    """The datasheet's "target vs achieved" table for a result of :func:`achieved`."""
    by_key = {t.key: t for t in TARGETS}
    lines = [
        "| 指标 key | 含义 (meaning) | 目标 target | 容差 tolerance "
        "| 实现值 achieved | 达标 met | 来源 source |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples(index=False):
        decimals = by_key[row.key].decimals
        lines.append(
            f"| `{row.key}` | {row.description_zh}<br>{row.description_en} | {row.target} | "
            f"{row.tolerance:g} | {row.achieved:.{decimals}f} | {'✓' if row.met else '✗'} | "
            f"{by_key[row.key].ref} |"
        )
    return "\n".join(lines) + "\n"
