"""ChatLab Standard Format (JSON and JSONL), read from its published specification only.

Spec: "ChatLab 标准化格式规范 v0.0.2" (hellodigua/ChatLab, ``docs/cn/chatlab-format.md``,
version history 0.0.1 2025-12-22, 0.0.2 2026-01-09).  ChatLab's own code is AGPL and
was not read or copied; this module follows the documented fields only:

* JSON: ``{"chatlab": {version, exportedAt, generator?}, "meta": {name,
  platform, type: group|private, groupId?, ownerId?}, "members": [{platformId,
  accountName, groupNickname?, roles?: [{id: owner|admin}]}], "messages":
  [{sender, accountName, groupNickname?, timestamp (Unix seconds), type,
  content, platformMessageId?, replyToMessageId?}]}``.
* JSONL: one object per line with ``_type`` ``header`` (first line: ``chatlab``
  and ``meta``), ``member`` or ``message``; lines starting with ``#`` are comments.
* message ``type``: 0 text, 1 image, 2 voice, 3 video, 4 file, 5 sticker,
  7 link, 8 location, 20 red packet, 21 transfer, 22 poke, 23 call, 24 share,
  25 reply, 26 forward, 27 contact, 80 system, 81 recall, 99 other.

Listed members who never post are lurkers (ChatLab lists the group's members).
System messages (80) are read as notices.  The spec has no join times or
red-packet amounts: files written by ``shequn data export --format chatlab``
add them under a ``_shequn`` key (other tools ignore unknown keys), and this
reader uses them when present, so export → import gives the same tables.
"""

from __future__ import annotations

import json
from pathlib import Path

from shequn.data.importers.common import Conversation, DataError, Record, load_json, read_text, shape_error
from shequn.data.importers.notices import parse_notice

__all__ = ["parse", "looks_like", "looks_like_jsonl", "TYPE_CODES"]

TYPE_CODES = {
    0: "text",
    1: "image",
    2: "image",
    3: "image",
    4: "link",
    5: "image",
    7: "link",
    8: "link",
    20: "red_packet",
    21: "link",
    24: "link",
    25: "text",
    26: "link",
    27: "link",
}
_EVENTS = {22: "other", 23: "other", 81: "recall", 99: "other"}


def looks_like(root) -> bool:
    return (
        isinstance(root, dict)
        and isinstance(root.get("chatlab"), dict)
        and isinstance(root.get("meta"), dict)
        and isinstance(root.get("messages"), list)
    )


def looks_like_jsonl(head: str) -> bool:
    first = next(
        (ln for ln in head.lstrip("\ufeff").splitlines() if ln.strip() and not ln.startswith("#")), ""
    )
    return (
        first.lstrip().startswith("{") and '"_type"' in first and '"header"' in first and '"chatlab"' in first
    )


def _member(conv: Conversation, m, path: Path, where: int, joins: list) -> None:
    if not isinstance(m, dict) or not m.get("platformId"):
        raise DataError(path, "成员没有 platformId。", "a member has no platformId", line=where)
    acc, name = str(m["platformId"]), str(m.get("groupNickname") or m.get("accountName") or m["platformId"])
    if any(isinstance(r, dict) and r.get("id") == "owner" for r in m.get("roles") or []):
        conv.owner_account = acc
    extra = m.get("_shequn") if isinstance(m.get("_shequn"), dict) else {}
    joins.append((acc, name, extra))


def _message(conv: Conversation, m, path: Path, i: int, where: int) -> None:
    if not isinstance(m, dict):
        raise shape_error(path, "不是一个对象", "not an object", i)
    ts = m.get("timestamp")
    if not isinstance(ts, (int, float)) or isinstance(ts, bool) or ts <= 0:
        raise DataError(
            path,
            f"第 {i + 1} 条消息的 timestamp 不是 Unix 秒数。",
            f"message {i + 1}: timestamp is not Unix seconds",
            line=where,
        )
    when = float(ts) / (1000 if ts > 1e11 else 1)
    code = m.get("type")
    acc = str(m["sender"]) if m.get("sender") not in (None, "") else None
    name = str(m.get("groupNickname") or m.get("accountName") or acc or "")
    content = m.get("content") if isinstance(m.get("content"), str) else ""
    if code == 80:
        conv.records.append(parse_notice(content, when, where))
        return
    if code in _EVENTS:
        targets = ((acc, name),) if code == 81 and acc else ()
        conv.records.append(Record(_EVENTS[code], when, where, account=acc, name=name, targets=targets))
        return
    if acc is None:
        raise shape_error(path, "消息没有 sender", "message has no sender", i)
    extra = m.get("_shequn") if isinstance(m.get("_shequn"), dict) else {}
    kind = TYPE_CODES.get(code, "text") if isinstance(code, int) else "text"
    length = extra.get("length", len(content)) if kind == "text" else 0
    conv.records.append(
        Record(
            "message",
            when,
            where,
            account=acc,
            name=name,
            msg_type=kind,
            length=int(length),
            text=content,
            source_id=str(m["platformMessageId"]) if m.get("platformMessageId") else None,
            reply_to=str(m["replyToMessageId"]) if m.get("replyToMessageId") else None,
            amount=extra.get("amount_yuan"),
            shares=extra.get("shares"),
            claimed=extra.get("claimed"),
            mentions=(str(extra["mention"]),) if extra.get("mention") else (),
        )
    )


def _finish(conv: Conversation, joins: list) -> Conversation:
    """Listed members: a join at the time ``_shequn`` states, else at the first record (they were there)."""
    if not conv.records:
        return conv
    start = min(r.when for r in conv.records)
    events = []
    for acc, name, extra in joins:
        when = extra.get("joined_at", start)
        method = extra.get("join_method")
        if method not in ("founder", "invite", "link", "request"):  # listed, no join known: present, no event
            events.append(Record("present", when, 0, targets=((acc, name),)))
        else:
            events.append(
                Record(
                    "join",
                    when,
                    0,
                    account=extra.get("invited_by"),
                    targets=((acc, name),),
                    method=method if method in ("founder", "invite") else None,
                )
            )
        if extra.get("left_at") is not None:
            events.append(Record("leave", extra["left_at"], 0, targets=((acc, name),)))
    conv.records = events + conv.records
    conv.records.sort(key=lambda r: r.when)
    for r in conv.records:
        r.line = r.line or 1
    return conv


def _conversation(path: Path, header: dict) -> Conversation:
    meta = header.get("meta") if isinstance(header.get("meta"), dict) else {}
    name = str(meta.get("name") or path.stem)
    kind = meta.get("type") if meta.get("type") in ("group", "private") else "unknown"
    conv = Conversation(
        key=f"chatlab:{meta.get('groupId') or name}", name=name, kind=kind, sources=[str(path)]
    )
    conv.owner_account = str(meta["ownerId"]) if meta.get("ownerId") and kind == "group" else None
    return conv


def parse(path: Path, max_bytes: int, text: str | None = None, root=None) -> list[Conversation]:
    text = read_text(path, max_bytes) if text is None and root is None else text
    joins: list = []
    if root is None and looks_like_jsonl(text[:20000]):
        return [_parse_jsonl(path, text)]
    root = load_json(path, text) if root is None else root
    conv = _conversation(path, root)
    for k, m in enumerate(root.get("members") or []):
        _member(conv, m, path, k + 1, joins)
    for i, m in enumerate(root["messages"]):
        _message(conv, m, path, i, i + 1)
    return [_finish(conv, joins)]


def _parse_jsonl(path: Path, text: str) -> Conversation:
    conv, joins, i = None, [], 0
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                path,
                f"这一行不是完整的 JSON（{exc.msg}）：文件可能被截断。",
                f"not a complete JSON line ({exc.msg}): truncated file?",
                line=n,
            ) from None
        kind = obj.get("_type") if isinstance(obj, dict) else None
        if conv is None:
            if kind != "header":
                raise DataError(
                    path,
                    "ChatLab JSONL 的第一行应为 header。",
                    "the first line of ChatLab JSONL must be the header",
                    line=n,
                )
            conv = _conversation(path, obj)
        elif kind == "member":
            _member(conv, obj, path, n, joins)
        elif kind == "message":
            _message(conv, obj, path, i, n)
            i += 1
        else:
            raise DataError(
                path, f"未知的行类型 _type={kind!r}。", f"unknown line type _type={kind!r}", line=n
            )
    return _finish(conv, joins)
