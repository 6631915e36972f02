"""The group-chat tables: columns, types, units and meanings, in one place.

This module is the single source for the pandera schemas used by the loader
and for the composition table of the datasheet (``datasets/README.md``); a test
checks that the datasheet lists exactly these columns.

Timestamps are ISO 8601 strings with an explicit UTC offset in the CSV files
(``2026-03-01T09:15:00+08:00``) and timezone-aware ``Asia/Shanghai`` values
once loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

__all__ = [
    "ColumnSpec",
    "TableSpec",
    "TABLES",
    "TIMEZONE",
    "THRESHOLDS",
    "TOPOLOGIES",
    "JOIN_METHODS",
    "MESSAGE_TYPES",
    "schema",
]

TIMEZONE = "Asia/Shanghai"
# "unknown" marks what an imported chat export does not record (never guessed).
THRESHOLDS = ("free", "paid", "invite", "unknown")
TOPOLOGIES = ("star", "mesh", "unknown")
JOIN_METHODS = ("founder", "free", "paid", "invite", "unknown")
MESSAGE_TYPES = ("text", "image", "red_packet", "link")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str  # "id", "ref", "str", "category", "datetime", "int", "float", "bool"
    unit: str
    meaning_zh: str
    meaning_en: str
    nullable: bool = False
    categories: tuple[str, ...] = ()
    minimum: float | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    file: str
    key: str
    columns: tuple[ColumnSpec, ...]
    meaning_zh: str

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


C = ColumnSpec
TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "groups",
            "groups.csv",
            "group_id",
            (
                C("group_id", "id", "—", "群编号", "group identifier"),
                C("name", "str", "—", "群名称（合成）", "group name (synthetic)"),
                C("created_at", "datetime", "ISO 8601，含时区", "建群时间", "creation time"),
                C(
                    "threshold",
                    "category",
                    "—",
                    "入群门槛类型：free 免费 / paid 付费 / invite 带流量入群 / unknown 未知",
                    "entry-threshold type",
                    categories=THRESHOLDS,
                ),
                C(
                    "fee_yuan",
                    "float",
                    "元",
                    "入群费（免费群为 0）",
                    "entry fee in yuan (0 if not paid)",
                    minimum=0,
                ),
                C(
                    "topology",
                    "category",
                    "—",
                    "结构：star 星形（围绕群主）/ mesh 网状 / unknown 未知",
                    "star-like or mesh-like",
                    categories=TOPOLOGIES,
                ),
                C(
                    "owner_id",
                    "ref",
                    "—",
                    "群主的成员编号（导入的聊天记录中未知则为空）",
                    "member_id of the owner, empty if unknown",
                    nullable=True,
                ),
            ),
            "每行一个群",
        ),
        TableSpec(
            "members",
            "members.csv",
            "member_id",
            (
                C(
                    "member_id",
                    "id",
                    "—",
                    "成员编号（每个群内的一次入群）",
                    "member identifier (one membership)",
                ),
                C("group_id", "ref", "—", "所在群", "group of this member"),
                C("nickname", "str", "—", "昵称（合成）", "nickname (synthetic)"),
                C("joined_at", "datetime", "ISO 8601，含时区", "入群时间", "join time"),
                C(
                    "join_method",
                    "category",
                    "—",
                    "入群方式：founder 建群者 / free / paid / invite / unknown",
                    "how the member joined",
                    categories=JOIN_METHODS,
                ),
                C(
                    "invited_by",
                    "ref",
                    "—",
                    "邀请人的成员编号（非邀请入群为空）",
                    "member_id of the inviter, if invited",
                    nullable=True,
                ),
                C(
                    "left_at",
                    "datetime",
                    "ISO 8601，含时区",
                    "退群时间（仍在群内为空）",
                    "leave time, empty if still in",
                    nullable=True,
                ),
            ),
            "每行一个成员（一次入群）",
        ),
        TableSpec(
            "messages",
            "messages.csv",
            "message_id",
            (
                C("message_id", "id", "—", "消息编号", "message identifier"),
                C("group_id", "ref", "—", "所在群", "group"),
                C("sender_id", "ref", "—", "发送者的成员编号", "member_id of the sender"),
                C("sent_at", "datetime", "ISO 8601，含时区", "发送时间", "time sent"),
                C(
                    "type",
                    "category",
                    "—",
                    "消息类型：text 文字 / image 图片 / red_packet 红包 / link 链接",
                    "message type",
                    categories=MESSAGE_TYPES,
                ),
                C(
                    "length",
                    "int",
                    "字符",
                    "文字长度（非文字消息为 0）",
                    "text length in characters",
                    minimum=0,
                ),
                C(
                    "reply_to",
                    "ref",
                    "—",
                    "所回复消息的编号（无则为空）",
                    "message_id replied to, if any",
                    nullable=True,
                ),
                C(
                    "mention_id",
                    "ref",
                    "—",
                    "被 @ 的成员编号（无则为空）",
                    "member_id mentioned, if any",
                    nullable=True,
                ),
            ),
            "每行一条消息",
        ),
        TableSpec(
            "red_packets",
            "red_packets.csv",
            "red_packet_id",
            (
                C("red_packet_id", "id", "—", "红包编号", "red-packet identifier"),
                C("message_id", "ref", "—", "发红包的那条消息", "the red_packet message"),
                C("group_id", "ref", "—", "所在群", "group"),
                C("sender_id", "ref", "—", "发红包的成员", "member_id of the sender"),
                C("sent_at", "datetime", "ISO 8601，含时区", "发出时间", "time sent"),
                C("amount_yuan", "float", "元", "红包总金额", "total amount in yuan", minimum=0.01),
                C("shares", "int", "个", "红包份数", "number of shares", minimum=1),
                C("claimed", "int", "个", "被领取的份数", "shares claimed", minimum=0),
            ),
            "每行一个红包（群里发出的拼手气红包）",
        ),
    )
}


def _column(spec: ColumnSpec) -> pa.Column:
    checks = []
    if spec.categories:
        checks.append(pa.Check.isin(spec.categories))
    if spec.minimum is not None:
        checks.append(pa.Check.ge(spec.minimum))
    dtype = {
        "id": str,
        "ref": str,
        "str": str,
        "category": str,
        "datetime": pd.DatetimeTZDtype(tz=TIMEZONE),
        "int": "int64",
        "float": "float64",
        "bool": bool,
    }[spec.kind]
    return pa.Column(
        dtype,
        checks=checks,
        nullable=spec.nullable,
        unique=spec.kind == "id",
        coerce=spec.kind in ("int", "float"),
    )


def schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of one table, strict about its columns."""
    spec = TABLES[table]
    return pa.DataFrameSchema(
        {c.name: _column(c) for c in spec.columns}, strict=True, ordered=False, name=spec.name
    )
