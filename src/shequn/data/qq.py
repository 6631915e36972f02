"""Import a QQ group's plain-text chat export into the course's tables.

QQ's "导出消息记录 → 文本文件 (*.txt)" writes a short header followed by
messages, each introduced by a line like::

    2016-05-09 16:55:01 昵称(12345)
    消息内容（可以有多行）

(the sender may also appear as ``昵称<name@example.com>``).  What the export
does not record is marked as such, never guessed:

* the group's entry threshold and shape are ``unknown``, its owner empty;
* a member's ``joined_at`` is the time of their first message (the export has
  no join events) and ``join_method`` is ``unknown``;
* red-packet amounts are not in the export, so ``red_packets`` is empty and
  red packets appear only as messages of type ``red_packet``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from shequn.data.load import DataError, _decode, _sniff
from shequn.data.schema import TABLES

__all__ = ["parse_qq_export", "HEADER"]

HEADER = re.compile(
    r"^(?P<time>\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}) (?P<name>.*?)(?:\((?P<qq>\d{5,12})\)|<(?P<mail>[^<>]+)>)\s*$"
)
_OBJECT = re.compile(r"^消息对象[:：]\s*(?P<name>.+?)\s*$")
_MENTION = re.compile(r"@(\S+)")


def _classify(text: str) -> str:
    if "红包" in text and text.lstrip().startswith("["):
        return "red_packet"
    if re.fullmatch(r"\s*(\[图片\]|\[表情\])\s*", text):
        return "image"
    if re.search(r"https?://", text):
        return "link"
    return "text"


def parse_qq_export(path: str | Path, group_id: str = "qq001", *, now: pd.Timestamp | None = None
                    ) -> dict[str, pd.DataFrame]:
    """Parse one QQ text export; returns the four tables as CSV-ready frames.

    Raises :class:`~shequn.data.load.DataError` (naming the file and line) for a
    file that is empty, binary, in an unknown encoding, or has no message lines.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "找不到文件。", "file not found")
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(path, "文件是空的。", "the file is empty")
    _sniff(path, raw[:65536])
    lines = _decode(path, raw).splitlines()

    group_name = path.stem
    starts: list[int] = []
    for i, line in enumerate(lines):
        obj = _OBJECT.match(line)
        if obj and not starts:
            group_name = obj.group("name")
        if HEADER.match(line):
            starts.append(i)
    if not starts:
        raise DataError(path, "没有找到任何消息行。QQ 文本导出的消息以「2016-05-09 16:55:01 昵称(QQ号)」这样的行开头。",
                        "no message lines found; expected lines like '2016-05-09 16:55:01 nickname(12345)'")

    records = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        head = HEADER.match(lines[start])
        body = "\n".join(lines[start + 1:end]).strip()
        records.append({"line": start + 1, "time": head.group("time"), "name": head.group("name").strip(),
                        "account": head.group("qq") or head.group("mail"), "text": body})
    frame = pd.DataFrame(records)
    sent = pd.to_datetime(frame["time"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    if sent.isna().any():
        bad = frame.loc[sent.isna()].iloc[0]
        raise DataError(path, f"无法解析的时间「{bad['time']}」。", f"unparseable time {bad['time']!r}",
                        line=int(bad["line"]))
    sent = sent.dt.tz_localize("Asia/Shanghai")
    now = now if now is not None else pd.Timestamp.now(tz="Asia/Shanghai")
    if (sent > now + pd.Timedelta(days=1)).any():
        bad = frame.loc[(sent > now + pd.Timedelta(days=1)).to_numpy()].iloc[0]
        raise DataError(path, f"时间「{bad['time']}」在未来。", "timestamp in the future", line=int(bad["line"]))
    frame["sent_at"] = sent

    # Members: one per account, nickname = the latest name used, joined = first message.
    accounts = frame.groupby("account", sort=False).agg(first=("sent_at", "min"), nickname=("name", "last"))
    accounts = accounts.sort_values("first")
    member_ids = {acc: f"{group_id}-m{i + 1:05d}" for i, acc in enumerate(accounts.index)}
    by_nickname = accounts.reset_index().drop_duplicates("nickname", keep=False).set_index("nickname")["account"]

    iso = lambda s: s.dt.strftime("%Y-%m-%dT%H:%M:%S+08:00")  # noqa: E731
    kind = frame["text"].map(_classify)
    mention_name = frame["text"].str.extract(_MENTION, expand=False)
    mention = mention_name.map(by_nickname).map(member_ids)
    messages = pd.DataFrame({
        "message_id": [f"{group_id}-x{i + 1:07d}" for i in range(len(frame))],
        "group_id": group_id,
        "sender_id": frame["account"].map(member_ids),
        "sent_at": iso(frame["sent_at"]),
        "type": kind,
        "length": np.where(kind == "text", frame["text"].str.len(), 0),
        "reply_to": "",
        "mention_id": mention.fillna(""),
    })
    members = pd.DataFrame({
        "member_id": [member_ids[a] for a in accounts.index],
        "group_id": group_id,
        "nickname": accounts["nickname"].to_numpy(),
        "joined_at": iso(accounts["first"]).to_numpy(),
        "join_method": "unknown",
        "invited_by": "",
        "left_at": "",
    })
    groups = pd.DataFrame({
        "group_id": [group_id], "name": [group_name], "created_at": [iso(frame["sent_at"]).iloc[0]],
        "threshold": ["unknown"], "fee_yuan": [0.0], "topology": ["unknown"],
        "owner_id": [""],  # the export does not say who owns the group
    })
    red_packets = pd.DataFrame(columns=TABLES["red_packets"].column_names)
    return {"groups": groups, "members": members, "messages": messages, "red_packets": red_packets}
