"""QQ chats exported as TXT by qq-chat-exporter (github.com/shuakami/qq-chat-exporter).

``core/exporter/TextExporter.ts`` (V4) and, from 6.0 (2026-07), the Rust
``qq-chat-export-core/src/text_exporter.rs`` (banner ``V5``) write a header (``[QQChatExporter V4 / …]``,
``聊天名称: …``, ``聊天类型: 群聊|私聊|临时会话``, ``导出时间``, ``消息总数``,
``时间范围``) and then one block per message::

    小王:
    时间: 2025-03-01 09:00:00
    内容: 大家好
    资源: 1 个文件
      - image: a.jpg
    提及: 小李
    回复: 小李 - 原消息

and a footer (``导出完成``, ``总计导出 N 条消息``).  The sender is a display
name only (``sender.name || sender.uid``): no QQ number, so members are told
apart by nickname (renames cannot be followed; the summary warns).  Times are
local (``formatTimestamp``), without a zone: ``--tz`` applies.  System (gray
tip) messages come from a sender such as ``系统消息`` / an empty name and are
read as notices.  The Rust exporter (V5) also writes a member's group title
before the name (``[群主] 小王:``, its issue #331), which is stripped so the
titled and untitled blocks of one person stay one member, and fills an empty
content with a placeholder (``内容: [image消息]`` when only resources came,
``[系统消息]`` for an empty gray tip, ``[表情消息]``, ``[无文本内容]``), read
as no text.  Not in the export: account ids, reply links (a quote names
the person, not the message), red-packet amounts.
"""

from __future__ import annotations

import re
from pathlib import Path

from shequn.data.importers.common import URL, Conversation, DataError, Record, read_text
from shequn.data.importers.notices import parse_notice

__all__ = ["parse", "looks_like"]

_BANNER = "[QQChatExporter"
_SENDER = re.compile(r"^(?P<name>\S.*?):$")
_TIME = re.compile(r"^时间: (?P<t>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})$")
_FIELD = re.compile(r"^(?P<k>内容|资源|提及|回复|类型): ?(?P<v>.*)$")
_SYSTEM = {"系统消息", "系统提示", "0", ""}
_TITLE = re.compile(r"^\[[^\]]+\] (?=\S)")  # V5: "[群主] 小王" is 小王 with a group title
_PLACEHOLDER = re.compile(r"^\[(?:[\w、]+消息|无文本内容)\]$")  # V5 fills an empty content
_PACKET = re.compile(r"^\[(?:QQ)?红包\]")
_MEDIA = re.compile(r"^\[(?:图片|表情|动画表情|视频|语音|闪照)[^\]]*\]$")


def looks_like(head: str) -> bool:
    return head.lstrip("\ufeff").lstrip().startswith(_BANNER) or "QQ聊天记录导出文件" in head[:600]


def _message(when: str, line: int, name: str, text: str, resources: list[str], mentions: list[str]) -> Record:
    if text == "[表情消息]":
        return Record("message", when, line, name=name, msg_type="image", text="")
    if _PLACEHOLDER.match(text):
        text = ""
    if _PACKET.match(text):
        return Record("message", when, line, name=name, msg_type="red_packet", text=text)
    if not text and resources:
        kinds = {r.split(":", 1)[0].strip().lower() for r in resources}
        kind = "image" if kinds <= {"image", "video", "audio", "face", "market_face"} else "link"
    elif _MEDIA.match(text):
        kind = "image"
    elif URL.search(text):
        kind = "link"
    else:
        kind = "text"
    return Record(
        "message",
        when,
        line,
        name=name,
        msg_type=kind,
        length=len(text) if kind == "text" else 0,
        text=text,
        mentions=tuple((None, m.strip()) for m in mentions if m.strip()),
    )


def parse(path: Path, max_bytes: int, text: str | None = None) -> list[Conversation]:
    text = read_text(path, max_bytes) if text is None else text
    lines = text.splitlines()
    name, kind = path.stem, "unknown"
    for ln in lines[:20]:
        if ln.startswith("聊天名称:"):
            name = ln.split(":", 1)[1].strip() or name
        elif ln.startswith("聊天类型:"):
            v = ln.split(":", 1)[1].strip()
            kind = "group" if v == "群聊" else ("private" if v in ("私聊", "临时会话") else "unknown")
    conv = Conversation(key=f"qce:{name}", name=name, kind=kind, sources=[str(path)])
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        m = _SENDER.match(line) if line and not line.startswith((" ", "时间:", "内容:")) else None
        t = _TIME.match(lines[i + 1]) if m and i + 1 < n else None
        if not t:
            if line.startswith("时间:") and not _TIME.match(line):
                raise DataError(
                    path,
                    f"无法解析的时间「{line[3:40].strip()}」，应为 2025-03-01 09:15:00。",
                    f"unparseable time {line[3:40].strip()!r}",
                    line=i + 1,
                )
            i += 1
            continue
        sender, when, start = _TITLE.sub("", m.group("name").strip()), t.group("t"), i + 1
        body, resources, mentions = [], [], []
        i += 2
        field = None
        while (
            i < n
            and lines[i].strip()
            and not (_SENDER.match(lines[i]) and i + 1 < n and _TIME.match(lines[i + 1]))
        ):
            f = _FIELD.match(lines[i])
            if f:
                field = f.group("k")
                value = f.group("v")
                if field == "内容":
                    body.append(value)
                elif field == "提及":
                    mentions += value.split(", ")
            elif lines[i].startswith("  - ") and field == "资源":
                resources.append(lines[i][4:])
            elif field == "内容":
                body.append(lines[i])
            i += 1
        content = "\n".join(body).strip()
        if sender in _SYSTEM:
            content = "" if _PLACEHOLDER.match(content) else content
            for sentence in [s for s in content.splitlines() if s.strip()] or [""]:
                conv.records.append(parse_notice(sentence, when, start))
        else:
            conv.records.append(_message(when, start, sender, content, resources, mentions))
    if not conv.records:
        raise DataError(
            path,
            "没有找到任何消息。qq-chat-exporter 的 TXT 导出里，每条消息是「昵称:」和「时间: …」两行。",
            "no messages found; expected blocks of 'name:' and '时间: …' lines (qq-chat-exporter TXT)",
        )
    return [conv]
