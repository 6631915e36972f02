"""Plots of the threshold model: the admission funnel and weekly activity per policy."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .applicants import Applicants
from .comparison import _results
from .policies import Policy
from .simulation import SimulationResult


def plot_funnel(
    policies: Iterable[Policy | Callable | SimulationResult] | None = None,
    applicants: Applicants | None = None,
    *,
    n: int = 10_000,
    weeks: int = 8,
    seed: int = 0,
    **kwargs,
):
    """Grouped bars per policy: applicants, members, good-fit members, active in the last week."""
    from shequn.plotting import new_figure

    results = _results(policies, applicants, n, weeks, seed, kwargs)
    stages = [
        ("申请人数", [r.applicants for r in results]),
        ("成员数", [r.members for r in results]),
        ("匹配的成员", [r.good_fit_members for r in results]),
        (f"第{weeks}周活跃成员", [r.active_members_after() for r in results]),
    ]
    fig, ax = new_figure((8.0, 4.5))
    x = np.arange(len(results))
    width = 0.8 / len(stages)
    for j, (label, values) in enumerate(stages):
        ax.bar(x + (j - (len(stages) - 1) / 2) * width, values, width, label=label)
    ax.set_xticks(x, [r.policy_name for r in results])
    ax.set_ylabel("人数")
    ax.set_title("入群漏斗：不同门槛下的人数（示意模型，合成数据）")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_weekly_active(
    policies: Iterable[Policy | Callable | SimulationResult] | None = None,
    applicants: Applicants | None = None,
    *,
    n: int = 10_000,
    weeks: int = 8,
    seed: int = 0,
    **kwargs,
):
    """Share of members active in each week, one line per policy."""
    from shequn.plotting import new_figure

    results = _results(policies, applicants, n, weeks, seed, kwargs)
    fig, ax = new_figure()
    weeks_axis = np.arange(1, weeks + 1)
    styles = ["-", "--", "-.", ":"]
    for i, r in enumerate(results):
        ax.plot(
            weeks_axis,
            r.weekly_active * 100,
            styles[i % len(styles)],
            marker="o",
            markersize=3,
            label=r.policy_name,
        )
    ax.set_xlabel("入群后第几周")
    ax.set_ylabel("当周活跃的成员占比（%）")
    ax.set_ylim(0, None)
    ax.set_title("每周活跃占比（示意模型，合成数据）")
    ax.legend(frameon=False, ncol=2)
    fig.tight_layout()
    return fig
