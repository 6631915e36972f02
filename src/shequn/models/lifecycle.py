"""The synthesis lesson: a community's lifecycle, stage by stage, on group-chat tables.

The lessons each look at one moment of a community's life; the synthesis page
ties them into five stages -- attract, admit, activate, retain, self-run -- and
measures each on the kit's group-chat tables (the synthetic sample in
``datasets/group_chats`` or a learner's own import) with :mod:`shequn.metrics`.
This module holds the stage map and the per-stage numbers so that the lesson's
cells stay one line each.

Definitions (one each, as in the glossary):

* **activated**: the member posted at least once within ``activate_days`` days
  of joining;
* **retained in week k** (留存率): the member posted in days ``[7k, 7k + 7)``
  after joining, counted only for members whose week ``k`` ends before the last
  message in the tables (later joiners cannot be observed yet);
* **never posted**: the member has no message at all (潜水者);
* **self-run ratio**: the other members' messages per day in the ``days``
  after the owner left, divided by those in the ``days`` before
  (:func:`shequn.metrics.owner_departure_effect`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from shequn import metrics

__all__ = ["Stage", "STAGES", "stage_map", "sample_folder", "member_flags", "funnel", "self_run"]

_US_PER_DAY = 86_400_000_000


@dataclass(frozen=True)
class Stage:
    """One stage of the lifecycle and where the course treats it."""

    key: str
    name_zh: str
    question_zh: str
    lessons_zh: str
    models: str
    measure_zh: str


STAGES: tuple[Stage, ...] = (
    Stage(
        "attract",
        "吸引",
        "人从哪里来？",
        "导论（流量与留量）、第1课（连接器）",
        "traffic, connectors",
        "成员数；由已有成员拉进群的占比",
    ),
    Stage("admit", "准入", "谁能进来？", "第5课（门槛）", "thresholds", "按门槛分组比较以下各项"),
    Stage(
        "activate",
        "激活",
        "进来的人开口了吗？",
        "第2课（红包、参与感）、第4课（内容配比）",
        "red_packets, content_mix",
        "入群7天内发言的占比；从未发言的占比",
    ),
    Stage(
        "retain",
        "留存",
        "过几周还在说话吗？",
        "导论（用户存量）、第4课（停手以后）",
        "traffic, content_mix",
        "第4周留存率",
    ),
    Stage(
        "self_run",
        "自运转",
        "组织者离开以后，群还转吗？",
        "第2课（星形与网状）、第3课（强节点）",
        "networks, influence",
        "群主离开前后其他成员每天的消息数之比",
    ),
)


def stage_map() -> pd.DataFrame:
    """The five stages with their question, lessons, models and measure, in Chinese."""
    return pd.DataFrame(
        {
            "阶段": [s.name_zh for s in STAGES],
            "要回答的问题": [s.question_zh for s in STAGES],
            "在哪一课": [s.lessons_zh for s in STAGES],
            "模型（shequn 模块）": [s.models for s in STAGES],
            "在聊天记录上量什么": [s.measure_zh for s in STAGES],
        }
    ).set_index("阶段")


def sample_folder(name: str = "group_chats") -> Path:
    """The course's sample data, ``datasets/<name>``, in the working folder or one above it.

    Lessons run in their own folder (``book/06_synthesis``), so the search walks
    up from there; it also tries the folders above the installed package.
    """
    import shequn

    for start in (Path.cwd().resolve(), Path(shequn.__file__).resolve().parent):
        for folder in (start, *start.parents):
            candidate = folder / "datasets" / name
            if candidate.is_dir():
                return candidate
    raise FileNotFoundError(
        f"找不到 datasets/{name} 文件夹，请在课程文件夹里运行 (datasets/{name} not found; "
        "run from the course folder)"
    )


def _us(times: pd.Series) -> np.ndarray:
    return pd.to_datetime(times, utc=True).astype("int64").to_numpy() // 1000


def _check_tables(dataset) -> None:
    for name in ("groups", "members", "messages"):
        if not hasattr(dataset, name):
            raise TypeError(
                f"需要 shequn.data.load_dataset 返回的数据集，缺少表 {name!r} "
                f"(expected a dataset from shequn.data.load_dataset; table {name!r} is missing)"
            )


def member_flags(dataset, activate_days: int = 7, retain_week: int = 4) -> pd.DataFrame:
    """One row per member: group, threshold, topology, invited, activated, retained, never posted.

    ``invited`` means another member brought them in (``invited_by`` is set and
    they are not the founder), whatever the group's threshold.

    ``retained`` is ``NaN`` for members whose week ``retain_week`` is not yet
    observable (it ends after the last message in the tables).
    """
    _check_tables(dataset)
    if activate_days < 1 or retain_week < 0:
        raise ValueError(
            f"activate_days 必须 ≥ 1、retain_week 必须 ≥ 0 (activate_days must be >= 1 and "
            f"retain_week >= 0), got {activate_days}, {retain_week}"
        )
    members, messages, groups = dataset.members, dataset.messages, dataset.groups
    joined = _us(members["joined_at"])
    index = pd.Index(members["member_id"].astype(str))
    pos = index.get_indexer(messages["sender_id"].astype(str))
    known = pos >= 0
    age = _us(messages["sent_at"])[known] - joined[pos[known]]
    n = len(members)
    posted = np.bincount(pos[known], minlength=n) > 0
    activated = np.bincount(pos[known][(age >= 0) & (age < activate_days * _US_PER_DAY)], minlength=n) > 0
    start, stop = 7 * retain_week * _US_PER_DAY, 7 * (retain_week + 1) * _US_PER_DAY
    retained = np.bincount(pos[known][(age >= start) & (age < stop)], minlength=n) > 0
    observable = joined + stop <= (
        _us(messages["sent_at"]).max() if len(messages) else np.iinfo(np.int64).min
    )
    info = groups.set_index("group_id")
    return pd.DataFrame(
        {
            "group_id": members["group_id"].to_numpy(),
            "threshold": members["group_id"].map(info["threshold"]).to_numpy(),
            "topology": members["group_id"].map(info["topology"]).to_numpy(),
            "invited": (members["invited_by"].notna() & (members["join_method"] != "founder")).to_numpy(),
            "activated": activated,
            "retained": np.where(observable, retained.astype(float), np.nan),
            "never_posted": ~posted,
        },
        index=index.rename("member_id"),
    )


_BY = {"threshold": "门槛", "topology": "结构"}
_LABELS = {"free": "免费", "paid": "收费", "invite": "邀请", "star": "星形", "mesh": "网状"}


def funnel(dataset, by: str = "threshold", activate_days: int = 7, retain_week: int = 4) -> pd.DataFrame:
    """The lifecycle measures per group type (``threshold`` or ``topology``) and for all members.

    Columns: groups, members, share invited (attract), share activated within
    ``activate_days`` days (activate), share never posted, retention in week
    ``retain_week`` among observable members (retain).
    """
    if by not in _BY:
        raise ValueError(
            f"by 只能是 'threshold' 或 'topology' (by must be 'threshold' or 'topology'), got {by!r}"
        )
    flags = member_flags(dataset, activate_days, retain_week)
    label = flags[by].map(_LABELS).fillna(flags[by])
    parts = [(name, part) for name, part in flags.groupby(label, sort=True)] + [("全部", flags)]
    rows = []
    for name, part in parts:
        rows.append(
            {
                _BY[by]: name,
                "群数": part["group_id"].nunique(),
                "成员数": len(part),
                "由成员拉进群": round(float(part["invited"].mean()), 3),
                f"{activate_days}天内发言": round(float(part["activated"].mean()), 3),
                "从未发言": round(float(part["never_posted"].mean()), 3),
                f"第{retain_week}周留存率": round(float(part["retained"].mean()), 3),
            }
        )
    return pd.DataFrame(rows).set_index(_BY[by])


def self_run(dataset, days: int = 14) -> pd.DataFrame:
    """Groups whose owner left: the others' activity after / before, with the group's structure."""
    _check_tables(dataset)
    effect = metrics.owner_departure_effect(dataset.groups, dataset.members, dataset.messages, days=days)
    out = pd.DataFrame(
        {
            "结构": effect["topology"].map(_LABELS),
            "门槛": effect["threshold"].map(_LABELS),
            "离开前每天消息数": effect["before"].round(1),
            "离开后每天消息数": effect["after"].round(1),
            "离开后÷离开前": effect["ratio"].round(2),
        }
    )
    out.index.name = "群"
    return out
