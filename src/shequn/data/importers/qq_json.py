"""QQ NT chats exported as JSON by qq-chat-exporter (github.com/shuakami/qq-chat-exporter).

The exporter (``core/exporter/JsonExporter.ts``, messages from
``core/parser/SimpleMessageParser.ts``) writes ``{"metadata": {"name":
"QQChatExporter V4 / …"}, "chatInfo": {"name", "type"}, "statistics", "messages"}``;
each message has ``id``, ``seq``, ``timestamp`` (Unix milliseconds: the zone is
known), ``sender`` (``uid``, ``uin`` = QQ number, ``name``), ``type``,
``content.text``/``content.elements`` (``text``, ``face``, ``market_face``,
``image``, ``file``, ``video``, ``audio``, ``reply``, ``forward``, ``json``,
``location``, ``system``), ``recalled`` and ``system``.  System (gray-tip)
messages carry the notice as text.

Not in the export: red-packet amounts (kept when an element states them),
join/leave notices other than gray tips, the group owner.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from shequn.data.importers.common import URL, Conversation, Record, as_text, load_json, read_text, shape_error
from shequn.data.importers.notices import parse_notice

__all__ = ["parse", "looks_like", "conversation", "add_message", "link_replies"]

_MEDIA = {"image", "market_face", "video", "audio", "face_image", "sticker"}
_LINKISH = {"file", "json", "forward", "share", "link"}
_PACKET = {"red_packet", "redbag", "red_envelope", "wallet", "hongbao"}


def looks_like(root) -> bool:
    if not isinstance(root, dict) or not isinstance(root.get("messages"), list):
        return False
    meta = root.get("metadata") if isinstance(root.get("metadata"), dict) else {}
    if "qqchatexporter" in str(meta.get("name", "")).lower().replace(" ", ""):
        return True
    first = next((m for m in root["messages"][:5] if isinstance(m, dict)), {})
    return "chatInfo" in root and isinstance(first.get("sender"), dict) and "content" in first


def _when(m: dict, path: Path, i: int) -> float:
    ts = m.get("timestamp")
    if isinstance(ts, (int, float)) and ts > 0:
        return ts / 1000 if ts > 1e11 else float(ts)
    if isinstance(m.get("time"), str):
        t = pd.to_datetime(m["time"], errors="coerce", utc=True)
        if not pd.isna(t):
            return t.timestamp()
    raise shape_error(path, "没有可用的时间（timestamp）", "no usable timestamp", i)


def _message(m: dict, when: float, i: int, account: str, name: str) -> Record:
    content = m.get("content") if isinstance(m.get("content"), dict) else {}
    elements = [e for e in content.get("elements") or [] if isinstance(e, dict)]
    kinds = {str(e.get("type", "")).lower() for e in elements}
    text_parts, reply, mentions, amount, shares = [], None, [], None, None
    for e in elements:
        data = e.get("data") if isinstance(e.get("data"), dict) else {}
        kind = str(e.get("type", "")).lower()
        if kind == "text":
            text_parts.append(as_text(data.get("text")))
        elif kind == "reply":
            reply = str(data.get("messageId") or data.get("msgId") or data.get("seq") or "") or None
        elif kind in ("at", "mention") and (data.get("uin") or data.get("uid")):
            mentions.append((str(data.get("uin") or data.get("uid")), None))
        elif kind in _PACKET or "红包" in str(data.get("summary", "")):
            kinds.add("red_packet")
            for key in ("amount", "totalAmount", "total_amount", "money"):
                if (
                    isinstance(data.get(key), (int, float, str))
                    and str(data.get(key)).replace(".", "", 1).isdigit()
                ):
                    amount = float(data[key])
                    amount = (
                        amount / 100
                        if key != "amount" and amount >= 100 and float(amount).is_integer()
                        else amount
                    )
                    break
            for key in ("shares", "count", "num", "totalNum"):
                if str(data.get(key, "")).isdigit():
                    shares = int(data[key])
                    break
    text = "".join(text_parts).strip() if elements else as_text(content.get("text")).strip()
    if kinds & {"red_packet"} or any(k in _PACKET for k in kinds) or text.startswith("[红包]"):
        return Record(
            "message",
            when,
            i + 1,
            account=account,
            name=name,
            msg_type="red_packet",
            text=text,
            source_id=str(m.get("id")),
            reply_to=reply,
            amount=amount,
            shares=shares,
        )
    if text:
        kind = "link" if URL.search(text) else "text"
    elif kinds & _MEDIA:
        kind = "image"
    elif kinds & _LINKISH:
        kind = "link"
    else:
        kind = "text"
    return Record(
        "message",
        when,
        i + 1,
        account=account,
        name=name,
        msg_type=kind,
        length=len(text),
        text=text,
        source_id=str(m.get("id")),
        reply_to=reply,
        mentions=tuple(mentions),
    )


def conversation(path: Path, root: dict) -> Conversation:
    """The chat named by ``chatInfo`` (single JSON, or a chunked export's manifest)."""
    info = root.get("chatInfo") if isinstance(root.get("chatInfo"), dict) else {}
    name = str(info.get("name") or path.stem)
    ctype = str(info.get("type", "")).lower()
    kind = "group" if ctype in ("group", "2", "群聊") else ("private" if ctype else "unknown")
    return Conversation(
        key=str(info.get("id") or info.get("peerUid") or name), name=name, kind=kind, sources=[str(path)]
    )


def add_message(
    conv: Conversation, m, path: Path, i: int, seq_alias: dict[str, str], line: int | None = None
) -> None:
    """One ``CleanMessage`` → one record of ``conv``.

    ``i``: its index; ``line``: its line in a JSONL chunk.
    """
    if not isinstance(m, dict):
        raise shape_error(path, "不是一个对象", "not an object", i)
    where = line if line is not None else i + 1
    when = _when(m, path, i)
    sender = m.get("sender") if isinstance(m.get("sender"), dict) else {}
    account = str(sender.get("uin") or sender.get("uid") or "") or None
    sname = str(sender.get("name") or sender.get("nickname") or account or "")
    content = m.get("content") if isinstance(m.get("content"), dict) else {}
    if m.get("system") or str(m.get("type", "")).lower() == "system":
        for sentence in [s for s in as_text(content.get("text")).splitlines() if s.strip()] or [""]:
            conv.records.append(parse_notice(sentence, when, where))
        return
    if m.get("recalled"):
        conv.records.append(
            Record("recall", when, where, account=account, name=sname, targets=((account, sname),))
        )
        return
    if account is None:
        raise shape_error(path, "发送者没有 uin 或 uid", "sender has no uin or uid", i)
    if m.get("seq") is not None:
        seq_alias[str(m["seq"])] = str(m.get("id"))
    rec = _message(m, when, i, account, sname)
    rec.line = where
    conv.records.append(rec)


def link_replies(conv: Conversation, seq_alias: dict[str, str]) -> None:
    for r in conv.records:  # a reply may name the quoted message by its seq
        if r.reply_to is not None and r.reply_to in seq_alias:
            r.reply_to = seq_alias[r.reply_to]


def parse(path: Path, max_bytes: int, text: str | None = None, root=None) -> list[Conversation]:
    root = load_json(path, read_text(path, max_bytes) if text is None else text) if root is None else root
    conv = conversation(path, root)
    seq_alias: dict[str, str] = {}
    for i, m in enumerate(root.get("messages") or []):
        add_message(conv, m, path, i, seq_alias)
    link_replies(conv, seq_alias)
    return [conv]
