"""Telegram Desktop's JSON export (``result.json``).

Written by ``Telegram/SourceFiles/export/output/export_output_json.cpp`` in
telegramdesktop/tdesktop: a single chat is ``{"name", "type", "id", "messages"}``;
"export all" is ``{"about", "chats": {"list": [chat, …]}, "left_chats": …}``.
Messages have ``id``, ``type`` (``message`` or ``service``), ``date`` (local,
no zone) and ``date_unixtime`` (which wins), ``from``/``from_id`` or, for
service messages, ``actor``/``actor_id`` and ``action`` (``create_group``,
``invite_members``, ``join_group_by_link``, ``join_group_by_request``,
``remove_members``, ``edit_group_title``, ``pin_message``, …; ``members`` lists
names only), ``reply_to_message_id``, ``photo``, ``media_type`` (``sticker``,
``animation``, ``video_file``, ``voice_message``, …), ``file`` and ``text``
(a string or a list of parts; ``text_entities`` with ``mention_name`` user ids).

Not in the export: red packets (Telegram has none), the owner (except the
creator's ``create_group``), joins before the exported period.
"""

from __future__ import annotations

from pathlib import Path

from shequn.data.importers.common import URL, Conversation, Record, as_text, load_json, read_text, shape_error

__all__ = ["parse", "looks_like"]

_MEDIA = {"sticker", "animation", "video_file", "video_message", "voice_message", "audio_file"}
_JOIN = {"invite_members", "join_group_by_link", "join_group_by_request", "create_group"}
_LEAVE = {"remove_members"}
_OTHER = {"edit_group_title": "rename", "pin_message": "pin"}


def looks_like(root) -> bool:
    if not isinstance(root, dict):
        return False
    if isinstance(root.get("chats"), dict) and isinstance(root["chats"].get("list"), list):
        return True
    msgs = root.get("messages")
    if not isinstance(msgs, list) or "guild" in root:
        return False
    first = next((m for m in msgs[:5] if isinstance(m, dict)), {})
    return (
        "date" in first
        and ("from_id" in first or "actor_id" in first or "date_unixtime" in first)
        or ("type" in root and "id" in root and not msgs)
    )


def _account(value) -> str | None:
    """``"user123"`` (current exports) or ``123`` (older ones) → ``"user123"``."""
    if value is None or value == "":
        return None
    return f"user{value}" if isinstance(value, int) or str(value).isdigit() else str(value)


def _when(m: dict, path: Path, i: int):
    raw = m.get("date_unixtime")
    if raw is not None and str(raw).strip().lstrip("-").isdigit():
        return float(raw)
    date = m.get("date")
    if isinstance(date, str) and len(date) >= 19:
        return date[:19].replace("T", " ")
    raise shape_error(path, "没有 date 或 date_unixtime", "no date or date_unixtime", i)


def _chat(chat: dict, path: Path) -> Conversation:
    name = str(chat.get("name") or chat.get("id") or path.stem)
    ctype = str(chat.get("type", ""))
    kind = (
        "group"
        if "group" in ctype
        else (
            "channel"
            if "channel" in ctype
            else ("private" if ctype in ("personal_chat", "bot_chat", "saved_messages") else "unknown")
        )
    )
    conv = Conversation(key=f"telegram:{chat.get('id', name)}", name=name, kind=kind, sources=[str(path)])
    for i, m in enumerate(chat.get("messages") or []):
        if not isinstance(m, dict):
            raise shape_error(path, "不是一个对象", "not an object", i)
        when = _when(m, path, i)
        line = int(m["id"]) if str(m.get("id", "")).isdigit() else i + 1
        if m.get("type") == "service":
            action = str(m.get("action", ""))
            actor, actor_name = _account(m.get("actor_id")), m.get("actor")
            names = [str(x) for x in m.get("members") or [] if x]
            if action in _JOIN:
                targets = tuple((None, n) for n in names if n != actor_name) or ((actor, actor_name),)
                self_join = targets == ((actor, actor_name),)
                method = "founder" if action == "create_group" else (None if self_join else "invite")
                if action == "create_group":
                    conv.owner_account = actor
                    conv.records.append(
                        Record("join", when, line, targets=((actor, actor_name),), method="founder")
                    )
                    if names:
                        conv.records.append(
                            Record(
                                "join",
                                when,
                                line,
                                account=actor,
                                name=actor_name,
                                targets=tuple((None, n) for n in names if n != actor_name),
                                method="invite",
                            )
                        )
                    continue
                conv.records.append(
                    Record(
                        "join",
                        when,
                        line,
                        account=None if self_join else actor,
                        name=None if self_join else actor_name,
                        targets=targets,
                        method=method,
                    )
                )
            elif action in _LEAVE:
                targets = tuple((actor, n) if n == actor_name else (None, n) for n in names) or (
                    (actor, actor_name),
                )
                conv.records.append(
                    Record("leave", when, line, account=actor, name=actor_name, targets=targets)
                )
            else:
                conv.records.append(
                    Record(_OTHER.get(action, "other"), when, line, account=actor, name=actor_name)
                )
            continue
        account = _account(m.get("from_id"))
        if account is None:
            raise shape_error(path, "消息没有 from_id", "message has no from_id", i)
        text = as_text(m.get("text"))
        entities = (
            m.get("text_entities")
            if isinstance(m.get("text_entities"), list)
            else [
                p for p in (m.get("text") if isinstance(m.get("text"), list) else []) if isinstance(p, dict)
            ]
        )
        mentions = tuple(
            f"user{e['user_id']}"
            for e in entities
            if isinstance(e, dict) and e.get("type") == "mention_name" and e.get("user_id") is not None
        )
        has_link = any(isinstance(e, dict) and e.get("type") in ("link", "text_link") for e in entities)
        media = (
            m.get("photo")
            or m.get("media_type") in _MEDIA
            or str(m.get("mime_type", "")).startswith(("image/", "video/", "audio/"))
        )
        if media:
            kind = "image" if not text.strip() else ("link" if has_link or URL.search(text) else "text")
        elif has_link or URL.search(text):
            kind = "link"
        elif m.get("file") and not text.strip():
            kind = "link"
        else:
            kind = "text"
        reply = str(m["reply_to_message_id"]) if m.get("reply_to_message_id") is not None else None
        conv.records.append(
            Record(
                "message",
                when,
                line,
                account=account,
                name=str(m.get("from") or account),
                msg_type=kind,
                length=len(text),
                text=text,
                source_id=str(m.get("id")),
                reply_to=reply,
                mentions=mentions,
            )
        )
    return conv


def parse(path: Path, max_bytes: int, text: str | None = None, root=None) -> list[Conversation]:
    root = load_json(path, read_text(path, max_bytes) if text is None else text) if root is None else root
    if isinstance(root.get("chats"), dict):
        chats = list(root["chats"].get("list") or [])
        if isinstance(root.get("left_chats"), dict):
            chats += list(root["left_chats"].get("list") or [])
        return [_chat(c, path) for c in chats if isinstance(c, dict)]
    return [_chat(root, path)]
