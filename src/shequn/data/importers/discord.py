"""Discord channels exported as JSON by DiscordChatExporter (github.com/Tyrrrz/DiscordChatExporter).

``DiscordChatExporter.Core/Exporting/JsonMessageWriter.cs`` writes
``{"guild": {"id", "name"}, "channel": {"id", "type", "name", …}, "dateRange",
"exportedAt", "messages": […], "messageCount"}``; a message has ``id``, ``type``
(``Default``, ``Reply``, ``GuildMemberJoin``, ``RecipientAdd``,
``RecipientRemove``, ``ChannelNameChange``, ``ChannelPinnedMessage``, ``Call``,
…), ``timestamp`` (ISO 8601 with an offset: the zone is known), ``content``,
``author`` (``id``, ``name``, ``nickname``, ``isBot``), ``attachments``
(``fileName``), ``embeds``, ``stickers``, ``mentions`` (users with ids) and
``reference.messageId`` for replies.

Not in the export: leaving a server (only group-DM ``RecipientRemove``), joins
outside the system channel, red packets (Discord has none), the owner.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from shequn.data.importers.common import URL, Conversation, Record, as_text, load_json, read_text, shape_error

__all__ = ["parse", "looks_like"]

_IMAGE_EXT = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".bmp",
    ".heic",
    ".mp4",
    ".mov",
    ".webm",
    ".mp3",
    ".ogg",
    ".m4a",
    ".wav",
)
_MESSAGE = {"default", "reply", "threadstartermessage", "chatinputcommand", "contextmenucommand"}


def looks_like(root) -> bool:
    return (
        isinstance(root, dict)
        and isinstance(root.get("guild"), dict)
        and isinstance(root.get("channel"), dict)
        and isinstance(root.get("messages"), list)
    )


def _when(m: dict, path: Path, i: int) -> float:
    raw = m.get("timestamp")
    if isinstance(raw, str):
        try:  # ISO 8601 with an offset: the standard library is ~100x faster than pd.to_datetime per value
            stamp = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if stamp.tzinfo is not None:
                return stamp.timestamp()
        except ValueError:
            pass
    t = pd.to_datetime(raw, errors="coerce", utc=True) if isinstance(raw, str) else None
    if t is None or pd.isna(t):
        raise shape_error(path, "没有可用的时间（timestamp）", "no usable timestamp", i)
    return t.timestamp()


def parse(path: Path, max_bytes: int, text: str | None = None, root=None) -> list[Conversation]:
    root = load_json(path, read_text(path, max_bytes) if text is None else text) if root is None else root
    guild, channel = root["guild"], root["channel"]
    name = str(channel.get("name") or channel.get("id") or path.stem)
    if guild.get("name") and guild.get("name") != "Direct Messages":
        name = f"{guild['name']} / {name}"
    ctype = str(channel.get("type", "")).lower()
    kind = (
        "group"
        if ("text" in ctype or "group" in ctype or "thread" in ctype)
        else ("private" if "direct" in ctype else "unknown")
    )
    conv = Conversation(key=f"discord:{channel.get('id', name)}", name=name, kind=kind, sources=[str(path)])
    for i, m in enumerate(root.get("messages") or []):
        if not isinstance(m, dict):
            raise shape_error(path, "不是一个对象", "not an object", i)
        when = _when(m, path, i)
        author = m.get("author") if isinstance(m.get("author"), dict) else {}
        account = str(author.get("id")) if author.get("id") else None
        aname = str(author.get("nickname") or author.get("name") or account or "")
        mentions = [u for u in m.get("mentions") or [] if isinstance(u, dict) and u.get("id")]
        mtype = str(m.get("type", "Default")).lower()
        if mtype not in _MESSAGE:
            if mtype == "guildmemberjoin":
                conv.records.append(Record("join", when, i + 1, targets=((account, aname),)))
            elif mtype == "recipientadd" and mentions:
                conv.records.append(
                    Record(
                        "join",
                        when,
                        i + 1,
                        account=account,
                        name=aname,
                        method="invite",
                        targets=tuple((str(u["id"]), u.get("nickname") or u.get("name")) for u in mentions),
                    )
                )
            elif mtype == "recipientremove":
                targets = tuple((str(u["id"]), u.get("nickname") or u.get("name")) for u in mentions) or (
                    (account, aname),
                )
                conv.records.append(
                    Record("leave", when, i + 1, account=account, name=aname, targets=targets)
                )
            else:
                kind_ = {"channelnamechange": "rename", "channelpinnedmessage": "pin"}.get(mtype, "other")
                conv.records.append(Record(kind_, when, i + 1, account=account, name=aname))
            continue
        if account is None:
            raise shape_error(path, "消息没有 author.id", "message has no author.id", i)
        content = as_text(m.get("content"))
        files = [
            str(a.get("fileName") or a.get("url") or "").lower()
            for a in m.get("attachments") or []
            if isinstance(a, dict)
        ]
        if content.strip():
            kind = "link" if URL.search(content) else "text"
        elif m.get("stickers") or (files and all(f.endswith(_IMAGE_EXT) for f in files)):
            kind = "image"
        elif files or m.get("embeds"):
            kind = "link"
        else:
            kind = "text"
        ref = m.get("reference") if isinstance(m.get("reference"), dict) else {}
        reply = str(ref["messageId"]) if ref.get("messageId") else None
        conv.records.append(
            Record(
                "message",
                when,
                i + 1,
                account=account,
                name=aname,
                msg_type=kind,
                length=len(content),
                text=content,
                source_id=str(m.get("id")),
                reply_to=reply,
                mentions=tuple(str(u["id"]) for u in mentions),
            )
        )
    return [conv]
