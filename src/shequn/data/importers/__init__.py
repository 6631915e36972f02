"""Import the chat exports people actually have into the kit's four tables.

``import_exports(files, out)`` detects each file's format from its content
(legacy QQ text, qq-chat-exporter JSON, WeChat chatlog CSV, Telegram Desktop
JSON, DiscordChatExporter JSON), picks one conversation (``group``), builds the
tables with :func:`~shequn.data.importers.build.build` and writes them, with
``events.csv``, a provenance ``README.txt`` and a ``PRIVACY.txt`` note, all or
nothing.  Per-format details are in each module's docstring and in the
datasheet (``datasets/README.md``, section 9.6).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shequn.data.importers import discord, qq_json, qq_text, telegram, wechat_csv
from shequn.data.importers.build import Built, Settings, build
from shequn.data.importers.common import DEFAULT_MAX_BYTES, Conversation, DataError, check_size, load_json, read_text
from shequn.data.importers.detect import FORMATS, detect_json, detect_text, is_json, sniff_binary
from shequn.data.importers.output import PIPL_NOTE, write_import

__all__ = ["FORMATS", "UNKNOWN_FIELDS", "ImportResult", "import_exports", "read_conversations", "PIPL_NOTE",
           "format_names"]

_PARSERS = {"qq-text": qq_text, "qq-json": qq_json, "wechat-csv": wechat_csv, "telegram": telegram,
            "discord": discord}
UNKNOWN_FIELDS = {  # what each export does not record (filled as unknown / empty, never guessed)
    "qq-text": ["groups.threshold/topology/fee_yuan", "messages.reply_to", "red_packets (amounts; only if stated)",
                "members.joined_at before the first notice (first seen)", "groups.owner_id (unless a 【群主】 title)"],
    "qq-json": ["groups.threshold/topology/fee_yuan", "red_packets (amounts; only if an element states them)",
                "members.joined_at before the first notice (first seen)", "groups.owner_id"],
    "wechat-csv": ["groups.threshold/topology/fee_yuan", "messages.reply_to", "red_packets (amounts)",
                   "members.left_at for voluntary leaves", "members.joined_at before the first notice (first seen)",
                   "groups.owner_id"],
    "telegram": ["groups.threshold/topology/fee_yuan", "red_packets (none on Telegram)",
                 "members.joined_at before the exported period (first seen)", "groups.owner_id (unless create_group)"],
    "discord": ["groups.threshold/topology/fee_yuan", "red_packets (none on Discord)", "members.left_at (server leaves)",
                "members.joined_at outside the system channel (first seen)", "groups.owner_id"],
}


def format_names() -> list[str]:
    return list(FORMATS)


@dataclass
class ImportResult:
    written: list[Path]
    format: str
    conversation: str
    summary: dict
    unknown: list[str]
    built: Built = field(repr=False, default=None)


def _format_name(name: str) -> str:
    key = name.strip().lower().replace("_", "-")
    aliases = {"qq": "qq-text", "qq-txt": "qq-text", "qqnt": "qq-json", "qce": "qq-json", "wechat": "wechat-csv",
               "chatlog": "wechat-csv", "tg": "telegram", "dce": "discord"}
    key = aliases.get(key, key)
    if key not in FORMATS:
        raise DataError("--format", f"未知的格式「{name}」。可选：{', '.join(FORMATS)}（或 list）。",
                        f"unknown format {name!r}; choose from {', '.join(FORMATS)} (or list)")
    return key


def read_conversations(path: str | Path, fmt: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
                       ) -> tuple[str, list[Conversation]]:
    """Detect (or take) the format of one file and parse every conversation in it."""
    path = Path(path)
    check_size(path, max_bytes)
    with path.open("rb") as fh:
        sniff_binary(path, fh.read(64))
    text = read_text(path, max_bytes)
    root = None
    if fmt is None:
        if is_json(text):
            root = load_json(path, text)
            fmt = detect_json(path, root)
        else:
            fmt = detect_text(path, text)
    else:
        fmt = _format_name(fmt)
        if fmt in ("qq-json", "telegram", "discord"):
            root = load_json(path, text)
            if not isinstance(root, dict) or not _PARSERS[fmt].looks_like(root):
                detected = None
                try:
                    detected = detect_json(path, root)
                except DataError:
                    pass
                raise DataError(path, f"用 --format {fmt} 读取，但文件的结构不是{FORMATS[fmt][0]}"
                                + (f"（看起来是 {detected}）" if detected else "") + "。",
                                f"read as --format {fmt}, but the structure is not {FORMATS[fmt][1]}"
                                + (f" (looks like {detected})" if detected else ""))
    if root is not None:
        return fmt, _PARSERS[fmt].parse(path, max_bytes, text=text, root=root)
    return fmt, _PARSERS[fmt].parse(path, max_bytes, text=text)


def _choose(convs: list[Conversation], group: str | None, label: str) -> Conversation:
    merged: dict[str, Conversation] = {}
    for c in convs:  # the same chat in several files (partitioned exports) is one conversation
        if c.key in merged:
            merged[c.key].records.extend(c.records)
            merged[c.key].sources.extend(c.sources)
            merged[c.key].owner_account = merged[c.key].owner_account or c.owner_account
        else:
            merged[c.key] = c
    convs = list(merged.values())
    listing = "\n".join(f"    - {c.name}  [{c.kind}]  {sum(r.kind == 'message' for r in c.records)} 条消息 (messages)"
                        for c in convs)
    if group is not None:
        hits = [c for c in convs if group in (c.name, c.key)]
        if len(hits) != 1:
            raise DataError(label, f"{'没有' if not hits else '有多个'}名为「{group}」的聊天。文件里有：\n{listing}",
                            f"{'no' if not hits else 'several'} conversation(s) named {group!r}; pass one of the "
                            "names above to --group")
        return hits[0]
    if len(convs) > 1:
        raise DataError(label, f"文件里有 {len(convs)} 个聊天，请用 --group 选一个：\n{listing}",
                        f"{len(convs)} conversations in the export; pick one with --group NAME")
    return convs[0]


def import_exports(files: list[str | Path], out: str | Path, *, fmt: str | None = None, group: str | None = None,
                   tz: str = "Asia/Shanghai", keep_names: bool = False, keep_text: bool = False,
                   group_id: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES, salt: bytes | None = None,
                   now=None) -> ImportResult:
    """Import one conversation from one or more export files into ``out`` (all or nothing)."""
    if not files:
        raise DataError("shequn data import", "没有给出要导入的文件。", "no input files given")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError("--tz", f"未知的时区「{tz}」，例如 Asia/Shanghai、Europe/Berlin。",
                        f"unknown time zone {tz!r}; e.g. Asia/Shanghai") from None
    formats, convs = set(), []
    for f in files:
        found, parsed = read_conversations(f, fmt, max_bytes)
        formats.add(found)
        convs.extend(parsed)
    if len(formats) > 1:
        raise DataError(str(files[0]), f"这些文件的格式不同（{', '.join(sorted(formats))}），一次只能导入一种格式的同一个群。",
                        f"the files have different formats ({', '.join(sorted(formats))}); import one chat at a time")
    found = formats.pop()
    label = str(files[0]) if len(files) == 1 else f"{files[0]} …"
    conv = _choose(convs, group, label)
    gid = group_id or {"qq-text": "qq001", "qq-json": "qq001", "wechat-csv": "wx001", "telegram": "tg001",
                       "discord": "dc001"}[found]
    settings = Settings(tz=tz, keep_names=keep_names, keep_text=keep_text,
                        salt=salt if salt is not None else secrets.token_bytes(16), group_id=gid, now=now)
    built = build(conv, settings, label)
    unknown = UNKNOWN_FIELDS[found]
    note = (f"Imported with `shequn data import` from {found} ({FORMATS[found][1]}): "
            f"{', '.join(Path(s).name for s in conv.sources)}\n"
            f"conversation: {conv.name} ({conv.kind})\n"
            f"names: {'kept (--keep-names)' if keep_names else 'pseudonymised with a per-import salt (not stored)'}; "
            f"text: {'kept in message_texts.csv (--keep-text)' if keep_text else 'dropped'}\n"
            f"naive times read in {tz}\n"
            "unknown in this export (left unknown/empty, never guessed): " + "; ".join(unknown) + "\n"
            "events.csv: joins, leaves, recalls, mutes, renames and other notices (not members' messages)\n")
    written = write_import(out, built.tables, note, built.events, built.texts)
    return ImportResult(written, found, conv.name, built.summary, unknown, built)
