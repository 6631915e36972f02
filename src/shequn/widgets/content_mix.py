"""Lesson 4 widget: the content-mix explorer (PGC share × cadence × horizon × operator stop)."""

from __future__ import annotations

import html

from shequn.models import content_mix, content_mix_scenarios
from shequn.widgets.explorer import CAPTION, Control, Explorer, bar_table

__all__ = ["content_mix_explorer_spec", "content_mix_explorer"]


def _render_content_mix(pgc_share: float, cadence: int, weeks: int, stop_week: int | None) -> str:
    params = content_mix.DEFAULT_PARAMS
    run = content_mix.simulate(pgc_share, cadence, weeks, stop_week, params)
    marks = content_mix_scenarios.checkpoint_weeks(weeks)
    rows = []
    for week in marks:
        r = run.loc[week]
        rows.append(
            {
                "week": f"第{week}周" + ("" if r["operator"] > 0 else "（已停手）"),
                "posts": f"PGC {r['pgc_posts']:z.1f}＋UGC {r['ugc_posts']:z.1f}",
                "value": float(r["value"]),
                "active": float(r["active_share"]),
                "retained": float(r["retained"]),
            }
        )
    table = bar_table(
        rows,
        [
            ("week", "周", None),
            ("posts", "本周内容（条）", None),
            ("value", "内容价值", params.full_activity_value),
            ("active", "在群成员活跃比例", 1),
            ("retained", "在群率", 1),
        ],
        caption=CAPTION,
    )
    hours = float(run["operator_hours"].sum())
    working = stop_week is None or stop_week >= weeks
    # Generated from the selected option, so it never contradicts the control.
    if stop_week is None:
        who = "运营者全程在岗"
    elif working:
        who = (
            f"选定运营者第{stop_week}周后停手，但这里只看{weeks}周，停手前就到了终点，所以{weeks}周内一直在岗"
        )
    else:
        who = f"运营者第{stop_week}周后停手"
    last = run.iloc[-1]
    if working:
        verdict = ""
    elif last["active_members"] >= 0.05:
        verdict = f"；停手后第{weeks}周仍有{last['active_members']:z.0%}的初始成员活跃"
    else:
        verdict = f"；停手后到第{weeks}周群已基本沉寂"
    summary = (
        f'<p style="margin:4px 0">PGC占比<b>{pgc_share:z.0%}</b>、每周<b>{cadence}</b>条：'
        f"{html.escape(who)}，共投入约<b>{hours:z.0f}</b>小时{html.escape(verdict)}。</p>"
    )
    return summary + table


def content_mix_explorer_spec() -> Explorer:
    """Lesson 4: PGC share × cadence × horizon × week the operator stops (5 × 4 × 3 × 3 = 180)."""
    return Explorer(
        name="content_mix",
        title="内容配比探索器（content-mix explorer）",
        note=(
            "数字来自本课的示意模型：参数是假设，不是实测数据。内容价值一栏的满格表示"
            "价值足以让全部留下的成员活跃；在群率是仍在群里的人占初始成员的比例，"
            "在群成员活跃比例的分母是仍在群里的人。"
        ),
        controls=[
            Control("pgc_share", "PGC占比", [(f"{s:z.0%}", s) for s in content_mix.PGC_SHARES], default=0.5),
            Control("cadence", "每周条数", [(str(c), c) for c in content_mix.CADENCES], default=7),
            Control("weeks", "周数", [(str(n), n) for n in content_mix.HORIZONS], default=26, kind="toggle"),
            Control(
                "stop_week",
                "运营者",
                [("全程在岗" if k is None else f"第{k}周后停手", k) for k in content_mix.STOP_WEEKS],
                default=8,
                kind="toggle",
            ),
        ],
        render=_render_content_mix,
    )


def content_mix_explorer():
    """The widget shown in lesson 4."""
    return content_mix_explorer_spec().widget()
