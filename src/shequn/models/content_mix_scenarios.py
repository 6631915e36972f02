"""Lesson 4: the content-mix model's scenarios, side by side.

Each function runs :func:`shequn.models.content_mix.simulate` several times and lays the runs out
for the lesson page: a few weeks of one run, PGC shares at one cadence, cadences at one share,
one assumption moved at a time (does "the group still runs a year after the operator stops"
survive?), and the activity figure.  Column names are Chinese; the numbers are synthetic.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pandas as pd

from shequn.models.content_mix import (
    CADENCES,
    DEFAULT_PARAMS,
    PGC_SHARES,
    MixParams,
    is_self_sustaining,
    simulate,
    summary,
)

__all__ = [
    "checkpoint_weeks",
    "weekly_table",
    "mix_table",
    "cadence_table",
    "plot_activity",
    "SENSITIVITY_CHANGES",
    "sustain_sensitivity",
]


def checkpoint_weeks(weeks: int) -> list[int]:
    """The weeks shown in tables: 1, 2, 4, 8, 12, 18, 26 up to ``weeks``, plus ``weeks``."""
    if weeks < 1:
        raise ValueError(f"weeks must be >= 1, got {weeks}")
    marks = [w for w in (1, 2, 4, 8, 12, 18, 26) if w <= weeks]
    return marks if marks[-1] == weeks else [*marks, weeks]


def weekly_table(
    pgc_share: float,
    cadence: float,
    weeks: int = 26,
    stop_week: int | None = None,
    params: MixParams = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """A few weeks of one run, with Chinese column names, for the lesson page."""
    run = simulate(pgc_share, cadence, weeks, stop_week, params).loc[checkpoint_weeks(weeks)]
    return pd.DataFrame(
        {
            "运营者在岗": np.where(run["operator"] > 0, "是", "否"),
            "PGC（条）": run["pgc_posts"].round(1),
            "UGC（条）": run["ugc_posts"].round(1),
            "内容价值": run["value"].round(2),
            "在群成员活跃比例": run["active_share"].round(2),
            "在群率": run["retained"].round(2),
        },
        index=pd.Index(run.index, name="周"),
    )


def mix_table(
    cadence: float = 7,
    weeks: int = 26,
    stop_week: int | None = 8,
    shares: tuple[float, ...] = PGC_SHARES,
    params: MixParams = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """Compare PGC shares at one cadence: end-of-horizon activity, retention, hours."""
    rows = []
    for s in shares:
        out = summary(s, cadence, weeks, stop_week, params)
        if stop_week is None:
            sustains = "不适用"
        else:
            sustains = "是" if is_self_sustaining(s, cadence, stop_week, params=params) else "否"
        rows.append(
            {
                "PGC占比": s,
                f"第{weeks}周在群成员活跃比例": round(out["final_active_share"], 2),
                f"第{weeks}周在群率": round(out["retained"], 2),
                "运营者投入（小时）": round(out["operator_hours"], 1),
                "停手52周后仍有活跃成员": sustains,
            }
        )
    return pd.DataFrame(rows).set_index("PGC占比")


# One assumption moved at a time, for the lesson's sensitivity exercise:
# (parameter, new value).  Each is a small move from the default.
SENSITIVITY_CHANGES: tuple[tuple[str, float], ...] = (
    ("critical_mass", 0.25),
    ("critical_mass", 0.35),
    ("fatigue_per_post", 0.03),
    ("fatigue_per_post", 0.05),
    ("max_leave", 0.15),
    ("leave_value_scale", 0.20),
    ("ugc_quality", 0.75),
    ("initial_active", 0.10),
)


def sustain_sensitivity(
    pgc_share: float = 0.25,
    cadence: float = 7,
    stop_week: int = 8,
    changes: tuple[tuple[str, float], ...] = SENSITIVITY_CHANGES,
    params: MixParams = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """Does "the group still runs a year after the operator stops" survive small changes?

    One row for the defaults, then one row per ``(parameter, value)`` change,
    each made on its own.  Columns: the default and new value, whether at least
    5% of the original members are active 52 weeks after the operator stops,
    and the active share of the cohort in that last week.
    """
    names = {f.name for f in fields(MixParams)}
    rows = []
    for name, value in (("（默认参数）", None), *changes):
        if value is None:
            p = params
            default = new = float("nan")
        else:
            if name not in names:
                raise ValueError(f"未知参数 {name!r} (unknown parameter); choose one of {sorted(names)}")
            p = replace(params, **{name: value})
            default, new = getattr(params, name), value
        run = simulate(pgc_share, cadence, stop_week + 52, stop_week, p)
        last = float(run["active_members"].iloc[-1])
        rows.append(
            {
                "参数": name,
                "默认值": default,
                "改为": new,
                "停手52周后仍有活跃成员": "是" if last >= 0.05 else "否",
                "停手52周后活跃占比": round(last, 3),
            }
        )
    return pd.DataFrame(rows).set_index("参数")


def cadence_table(
    pgc_share: float = 1.0,
    weeks: int = 26,
    cadences: tuple[int, ...] = CADENCES,
    params: MixParams = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """Compare cadences with the operator always working (shows fatigue)."""
    rows = []
    for c in cadences:
        out = summary(pgc_share, c, weeks, None, params)
        rows.append(
            {
                "每周条数": c,
                "平均内容价值": round(out["mean_value"], 2),
                f"第{weeks}周在群成员活跃比例": round(out["final_active_share"], 2),
                f"第{weeks}周在群率": round(out["retained"], 2),
                "运营者投入（小时）": round(out["operator_hours"], 1),
            }
        )
    return pd.DataFrame(rows).set_index("每周条数")


def plot_activity(
    pgc_shares: tuple[float, ...] = (1.0, 0.25, 0.0),
    cadence: float = 7,
    weeks: int = 26,
    stop_week: int | None = 8,
    params: MixParams = DEFAULT_PARAMS,
):
    """Active members (solid) and retained members (dashed) week by week."""
    from shequn.plotting import new_figure

    fig, ax = new_figure(figsize=(7.5, 4.2))
    colors = ("#2f6fb0", "#d9822b", "#3a9a5b", "#a24b9c", "#777777")
    for i, s in enumerate(pgc_shares):
        run = simulate(s, cadence, weeks, stop_week, params)
        color = colors[i % len(colors)]
        ax.plot(
            run.index,
            run["active_members"],
            "-",
            marker="o",
            markersize=3,
            color=color,
            label=f"PGC占比{s:.0%}：活跃成员",
        )
        ax.plot(run.index, run["retained"], "--", color=color, alpha=0.7, label=f"PGC占比{s:.0%}：在群率")
    if stop_week is not None and stop_week < weeks:
        ax.axvline(stop_week + 0.5, color="#555555", linestyle=":", linewidth=1)
        ax.text(stop_week + 0.7, 1.02, "运营者停手", fontsize=9, color="#555555")
    ax.set_xlabel("周")
    ax.set_ylabel("占初始成员的比例")
    ax.set_ylim(0, 1.08)
    ax.set_title(f"每周{cadence:g}条内容时的活跃与在群率（示意模型，合成数据）")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    fig.tight_layout()
    return fig
