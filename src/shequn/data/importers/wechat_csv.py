"""WeChat group chats exported by chatlog (github.com/sjzar/chatlog) as CSV.

chatlog's HTTP API (``/api/v1/chatlog?talker=…&time=…&format=csv``) writes
``Time,SenderName,Sender,TalkerName,Talker,Content`` (``internal/chatlog/http/route.go``,
``Message.CSV`` in ``internal/model/message.go``): local time without a zone
(``--tz`` applies), the sender's wxid and name, the chat (``…@chatroom`` for a
group; several chats when several talkers were asked for) and the message as
plain text: ``![图片](…)``, ``[动画表情]``, ``[链接|标题](url)``, ``[红包]``,
``[语音]``.  System rows have ``Sender`` = ``系统消息`` and an empty name; their
text is the notice (``"张三"邀请"李四"加入了群聊``).

Not in the export: reply links (quotes carry no id), red-packet amounts,
voluntary leaves (WeChat does not announce them), the group owner.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from shequn.data.importers.common import URL, Conversation, DataError, Record, read_text
from shequn.data.importers.notices import parse_notice

__all__ = ["parse", "looks_like", "COLUMNS"]

COLUMNS = ["Time", "SenderName", "Sender", "TalkerName", "Talker", "Content"]
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_IMAGE = re.compile(r"^(?:!?\[(?:图片|动画表情|GIF表情|视频|语音)\]|\[语音\]\(|\[(?:图片|动画表情|视频)\|)")
_LINK = re.compile(r"^\[(?:链接|文件|小程序|视频号|视频号直播|音乐|分享|笔记|合并转发|群公告)(?:\||\])")
_QUOTE = re.compile(r"^(?:> .*\n?)+")


def looks_like(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip().replace('"', "")
    return first.split(",") == COLUMNS


def _classify(content: str) -> tuple[str, str]:
    body = _QUOTE.sub("", content) if content.startswith("> ") else content
    if body.startswith("[红包]") or body == "[红包]":
        return "red_packet", body
    if _IMAGE.match(body):
        return "image", body
    if _LINK.match(body) or URL.search(body):
        return "link", body
    return "text", body


def parse(path: Path, max_bytes: int, text: str | None = None) -> list[Conversation]:
    text = read_text(path, max_bytes) if text is None else text
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip().lstrip("\ufeff") for h in header] != COLUMNS:
        raise DataError(
            path,
            f"表头应为 {','.join(COLUMNS)}（chatlog 导出的 CSV）。",
            f"expected the header {','.join(COLUMNS)} (a chatlog CSV)",
            line=1,
        )
    convs: dict[str, Conversation] = {}
    try:
        _rows(path, reader, convs)
    except csv.Error as exc:
        raise DataError(
            path,
            f"CSV 格式错误：{exc}（文件可能被截断或被其他程序改过）。",
            f"malformed CSV: {exc}",
            line=reader.line_num,
        ) from None
    if not convs:
        raise DataError(path, "只有表头，没有消息。", "header only: no messages", line=2)
    return list(convs.values())


def _rows(path: Path, reader, convs: dict[str, Conversation]) -> None:
    for row in reader:
        line = reader.line_num
        if not row or row == [""]:
            continue
        if len(row) != len(COLUMNS):
            raise DataError(
                path,
                f"这一行有 {len(row)} 个字段，表头有 {len(COLUMNS)} 个（文件可能被截断或被其他程序改过）。",
                f"row has {len(row)} fields, the header {len(COLUMNS)} (truncated or edited file)",
                line=line,
            )
        when, sender_name, sender, talker_name, talker, content = row
        if not _TIME.match(when.strip()):
            raise DataError(
                path,
                f"无法解析的时间「{when[:40]}」，应为 2025-03-01 09:15:00。",
                f"unparseable time {when[:40]!r}; expected 2025-03-01 09:15:00",
                line=line,
                column="Time",
            )
        if not talker:
            raise DataError(path, "聊天对象（Talker）为空。", "empty Talker", line=line, column="Talker")
        conv = convs.get(talker)
        if conv is None:
            kind = "group" if talker.endswith("@chatroom") else "private"
            conv = convs[talker] = Conversation(
                key=talker, name=talker_name or talker, kind=kind, sources=[str(path)]
            )
        when = when.strip()
        if sender == "系统消息" or (not sender and not sender_name):
            conv.records.append(parse_notice(content, when, line))
            continue
        if "拍了拍" in content and content.count('"') >= 2 and len(content) < 80:
            conv.records.append(Record("other", when, line, account=sender, name=sender_name))
            continue
        kind, body = _classify(content)
        conv.records.append(
            Record(
                "message",
                when,
                line,
                account=sender or None,
                name=sender_name or sender,
                msg_type=kind,
                length=len(body),
                text=content,
            )
        )
