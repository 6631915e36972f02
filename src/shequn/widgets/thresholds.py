"""Lesson 5 widget: the entry-threshold simulator (门槛模拟器)."""

from __future__ import annotations

import html
from functools import lru_cache

from shequn.models import thresholds
from shequn.widgets.explorer import Control, Explorer, bar_table

__all__ = ["threshold_explorer_spec", "threshold_explorer", "POLICY_OPTIONS"]

# (label, key) -> policy; the free group is always shown as the baseline.
POLICY_OPTIONS: dict[str, tuple[str, object]] = {
    "free": ("免费", thresholds.FreePolicy),
    "paid20": ("付费20元", lambda: thresholds.PaidPolicy(20)),
    "paid50": ("付费50元", lambda: thresholds.PaidPolicy(50)),
    "paid100": ("付费100元", lambda: thresholds.PaidPolicy(100)),
    "invite1": ("邀请1人", lambda: thresholds.InvitePolicy(1)),
    "invite3": ("邀请3人", lambda: thresholds.InvitePolicy(3)),
    "invite5": ("邀请5人", lambda: thresholds.InvitePolicy(5)),
    "poster": ("转发海报", thresholds.PosterPolicy),
}
_RULE_WEEKS = 4
_SEED = 0


@lru_cache(maxsize=1)
def _pool() -> thresholds.Applicants:
    return thresholds.generate_applicants(10_000, seed=_SEED)


@lru_cache(maxsize=64)
def _result(key: str, weeks: int, rule: int | None) -> thresholds.SimulationResult:
    policy = POLICY_OPTIONS[key][1]()
    return thresholds.simulate(policy, _pool(), weeks=weeks, seed=_SEED, remove_after_inactive_weeks=rule)


def _row(r: thresholds.SimulationResult, label: str) -> dict:
    return {
        "门槛": label,
        "members": r.members / 1000,
        "precision": r.fit_precision,
        "active": r.active_after(),
        "active_n": r.active_members_after() / 1000,
        "invited": r.invited_members / 1000,
        "revenue": r.revenue / 10_000,
        "cost": r.cost / 10_000,
        "net": f"{r.net / 10_000:+z.1f}",
    }


def _render_thresholds(policy: str, weeks: int, rule: int | None) -> str:
    chosen = _result(policy, weeks, rule)
    free = _result("free", weeks, rule)
    rows = [_row(free, "免费（对照）")]
    if policy != "free":
        rows.append(_row(chosen, chosen.policy_name))
    people_scale = max(r["members"] for r in rows) or 1.0
    money_scale = max(max(r["revenue"], r["cost"]) for r in rows) or 1.0
    per100 = round(chosen.active_after() * 100)
    text = (
        f'<p style="margin:4px 0">第{weeks}周：<b>{html.escape(chosen.policy_name)}</b>的群里，'
        f"每100名成员约有{per100}人当周活跃；免费群约{round(free.active_after() * 100)}人。</p>"
    )
    caption = "示意模型（合成数字，非实测数据）"
    people = bar_table(
        rows,
        [
            ("门槛", "门槛", None),
            ("members", "成员数（千人）", people_scale),
            ("precision", "匹配者占比", 1),
            ("active", f"第{weeks}周活跃占比", 1),
            ("active_n", f"第{weeks}周活跃人数（千人）", people_scale),
            ("invited", "经邀请加入（千人）", people_scale),
        ],
        caption=caption,
    )
    money = bar_table(
        rows,
        [
            ("门槛", "门槛", None),
            ("revenue", "收入（万元）", money_scale),
            ("cost", "成本（万元）", money_scale),
            ("net", "净收益（万元）", None),
        ],
        caption=caption,
    )
    return text + people + money


def threshold_explorer_spec() -> Explorer:
    """Lesson 5: threshold (8 policies) x weeks x group rule; the free group is the baseline."""
    return Explorer(
        name="thresholds",
        title="门槛模拟器（threshold simulator）",
        note=(
            "数字来自本课的示意模型：10000名合成申请人，参数是假设，不是实测数据。"
            "活跃占比的分母是全部入群成员；成本按每名在群成员每周0.5元计。"
        ),
        controls=[
            Control(
                "policy",
                "门槛",
                [(label, key) for key, (label, _) in POLICY_OPTIONS.items()],
                default="paid50",
                kind="dropdown",
            ),
            Control("weeks", "周数", [(str(n), n) for n in (4, 8, 12, 26)], default=8),
            Control(
                "rule",
                "群规",
                [("不清退", None), (f"连续{_RULE_WEEKS}周不活跃请出群", _RULE_WEEKS)],
                default=None,
                kind="toggle",
            ),
        ],
        render=_render_thresholds,
    )


def threshold_explorer():
    """The widget shown in lesson 5."""
    return threshold_explorer_spec().widget()
