"""Legacy QQ 消息管理器 text export (``导出消息记录 → 文本文件 (*.txt)``).

Layout (one file may hold many chats when "export all" was used)::

    消息分组:我的QQ群
    ================================================================
    消息对象:读书交流群
    ================================================================

    2016-05-09 16:55:01 【群主】小王(12345)
    消息内容（可以有多行）

    2016-05-09 8:43:38 PM 小李<li@example.com>
    [图片]

Senders are ``name(QQ number)`` or ``name<e-mail>``; in a 讨论组 / 多人聊天
export the header has the nickname only (``2016-05-09 16:55:01 小王``), so
members are told apart by nickname there (renames cannot be followed; the
import summary warns).  Clocks are 24-hour or
12-hour (``AM``/``PM``, ``上午``/``下午``).  ``系统消息(10000)`` lines are notices
(joins, leaves, recalls, mutes), read by :mod:`~shequn.data.importers.notices`.
A ``【群主】`` title marks the owner.  Times carry no zone: ``--tz`` applies.
Not in the export: reply links, red-packet amounts (unless the line states
them), voluntary leaves that QQ did not announce.
"""

from __future__ import annotations

import re
from pathlib import Path

from shequn.data.importers.common import URL, Conversation, DataError, Record, naive_time, read_text
from shequn.data.importers.notices import parse_notice

__all__ = ["parse", "looks_like", "HEADER"]

HEADER = re.compile(
    r"^(?P<date>\d{4}[-/]\d{1,2}[-/]\d{1,2})\s+(?P<zh>上午|下午|中午|晚上|凌晨|早上)?\s*"
    r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?:\s?(?P<ap>[AaPp]\.?[Mm]\.?))?\s+"
    r"(?P<name>.*?)(?:\((?P<qq>\d{5,12})\)|<(?P<mail>[^<>\s]+)>)\s*$"
)
# QQ 讨论组 / 多人聊天: the header carries only the nickname (accepted after a blank line, as QQ writes it)
NAME_ONLY = re.compile(HEADER.pattern.split("(?P<name>")[0] + r"(?P<name>\S.{0,59}?)\s*$")
_GROUP = re.compile(r"^消息分组[:：]\s*(?P<v>.*?)\s*$")
_OBJECT = re.compile(r"^消息对象[:：]\s*(?P<v>.+?)\s*$")
_SYSTEM_NAMES = {"系统消息", "系统提示"}
_SYSTEM_IDS = {"10000", "1000000"}
_IMAGE = re.compile(r"^\s*(?:\[(?:图片|表情|动画表情|闪照|视频|语音|文件图片)\]\s*)+$")
_PACKET = re.compile(r"\[(?:QQ)?红包\]|拼手气红包|普通红包|口令红包")
_RECALL = re.compile(r"^\S{0,40}?\s*撤回了一条(?:成员)?消息[。.]?$")
_AMOUNT = re.compile(r"(?P<a>\d+(?:\.\d{1,2})?)\s*元")
_SHARES = re.compile(r"(?:共|分成|分为)\s*(?P<n>\d+)\s*个|(?P<n2>\d+)\s*个红包")


def looks_like(head: str) -> bool:
    lines = [ln for ln in head.splitlines()[:60] if ln.strip()]
    return (
        any(ln.startswith(("消息记录", "消息分组", "消息对象")) for ln in lines[:8])
        or sum(bool(HEADER.match(ln)) for ln in lines) >= 1
        or sum(bool(NAME_ONLY.match(ln)) for ln in lines[:30]) >= 2
    )


def _clock(m: re.Match, source: Path, line: int) -> str:
    h, mi, s = int(m.group("h")), int(m.group("m")), int(m.group("s") or 0)
    ap = (m.group("ap") or "").lower().replace(".", "")
    zh = m.group("zh")
    if ap or zh:
        if not 1 <= h <= 12 and not (zh and h == 0):
            raise DataError(
                source,
                f"12 小时制的时间「{h}:{mi:02d}」里小时数不在 1–12 之间。",
                f"12-hour clock with hour {h}",
                line=line,
            )
        pm = ap == "pm" or zh in ("下午", "晚上") or (zh == "中午" and h < 11)
        h = h % 12 + (12 if pm else 0)
    if h > 23 or mi > 59 or s > 59:
        raise DataError(source, f"无法解析的时间「{m.group(0)[:25]}」。", "unparseable time", line=line)
    return naive_time(m.group("date"), h, mi, s)


def _message(text: str, when: str, line: int, account: str, name: str) -> Record:
    if _PACKET.search(text) and text.lstrip().startswith("["):
        amount = _AMOUNT.search(text)
        shares = _SHARES.search(text)
        return Record(
            "message",
            when,
            line,
            account=account,
            name=name,
            msg_type="red_packet",
            text=text,
            amount=float(amount.group("a")) if amount else None,
            shares=int(shares.group("n") or shares.group("n2")) if shares else None,
        )
    if _IMAGE.match(text):
        kind = "image"
    elif URL.search(text):
        kind = "link"
    else:
        kind = "text"
    return Record(
        "message", when, line, account=account, name=name, msg_type=kind, length=len(text), text=text
    )


def parse(path: Path, max_bytes: int, text: str | None = None) -> list[Conversation]:
    text = read_text(path, max_bytes) if text is None else text
    lines = text.splitlines()
    convs: list[Conversation] = []
    folder = ""
    current: Conversation | None = None
    pending = None  # (header match, line number, body lines)

    def flush():
        nonlocal pending
        if pending is None:
            return
        m, lineno, body = pending
        pending = None
        while body and not body[-1].strip():
            body.pop()
        content = "\n".join(body).strip()
        when = _clock(m, path, lineno)
        account = m.groupdict().get("qq") or m.groupdict().get("mail")
        name = m.group("name").strip()
        conv = current if current is not None else _default()
        if (
            name in _SYSTEM_NAMES
            or (account in _SYSTEM_IDS and not name)
            or (account is None and name == "系统消息")
        ):
            for sentence in [s for s in content.splitlines() if s.strip()] or [""]:
                conv.records.append(parse_notice(sentence, when, lineno))
            return
        if "【群主】" in name and conv.owner_account is None:
            conv.owner_account = account
        if _RECALL.match(content):  # some versions log a recall as a line from the member
            conv.records.append(
                Record("recall", when, lineno, account=account, name=name, targets=((account, name),))
            )
            return
        conv.records.append(_message(content, when, lineno, account, name))

    def _default() -> Conversation:
        nonlocal current
        current = Conversation(key=path.stem, name=path.stem, kind="unknown", sources=[str(path)])
        convs.append(current)
        return current

    blank_before = True
    for i, line in enumerate(lines, start=1):
        if line[:1].isdigit() and len(line) > 12:
            m = HEADER.match(line) or (NAME_ONLY.match(line) if blank_before else None)
            if m:
                flush()
                pending = (m, i, [])
                blank_before = False
                continue
        blank_before = not line.strip() or line.startswith("=" * 16)
        if line.startswith("消息分组") and _GROUP.match(line):
            flush()
            folder = _GROUP.match(line).group("v")
            continue
        if line.startswith("消息对象") and _OBJECT.match(line):
            flush()
            name = _OBJECT.match(line).group("v")
            kind = (
                "group"
                if ("群" in folder or "讨论组" in folder or "多人聊天" in folder)
                else ("private" if folder else "unknown")
            )
            current = Conversation(
                key=f"{folder}/{name}" if folder else name, name=name, kind=kind, sources=[str(path)]
            )
            convs.append(current)
            continue
        if pending is not None:
            if line.startswith("=" * 16):
                continue
            pending[2].append(line)
    flush()
    convs = [c for c in convs if c.records]
    if not convs:
        raise DataError(
            path,
            "没有找到任何消息行。QQ 文本导出的消息以「2016-05-09 16:55:01 昵称(QQ号)」这样的行开头。",
            "no message lines found; expected lines like '2016-05-09 16:55:01 nickname(12345)'",
        )
    return convs
