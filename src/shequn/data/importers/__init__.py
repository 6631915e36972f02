"""Import the chat exports people actually have into the kit's four tables.

``import_exports(files, out)`` detects each file's format from its content (the
formats are listed in :mod:`~shequn.data.importers.formats`, one module each),
picks one conversation (``group``) per file, merges the files of one chat
(records another file already holds are kept once), builds the tables with
:func:`~shequn.data.importers.build.build` and writes them, with ``events.csv``,
a provenance ``README.txt`` and a ``PRIVACY.txt`` note, all or nothing.
Per-format details are in each module's docstring and in the datasheet
(``datasets/README.md``, section 9.6).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shequn.data.importers import (
    chatlab,
    discord,
    discord_csv,
    memotrace_csv,
    qce_jsonl,
    qce_text,
    qq_json,
    qq_text,
    telegram,
    wechat_csv,
)
from shequn.data.importers.build import Built, Settings, build
from shequn.data.importers.common import (
    DEFAULT_MAX_BYTES,
    Conversation,
    DataError,
    check_size,
    load_json,
    read_text,
)
from shequn.data.importers.detect import detect_json, detect_text, is_json, sniff_binary
from shequn.data.importers.formats import ALIASES, FORMATS
from shequn.data.importers.output import PIPL_NOTE, write_import

__all__ = [
    "FORMATS",
    "UNKNOWN_FIELDS",
    "ImportResult",
    "import_exports",
    "read_conversations",
    "PIPL_NOTE",
    "format_names",
]

_PARSERS = {
    "qq-text": qq_text,
    "qq-json": qq_json,
    "qq-jsonl": qce_jsonl,
    "qq-chat-exporter-txt": qce_text,
    "wechat-csv": wechat_csv,
    "memotrace-csv": memotrace_csv,
    "telegram": telegram,
    "discord": discord,
    "discord-csv": discord_csv,
    "chatlab": chatlab,
}
_JSON_ROOTED = {"qq-json", "qq-jsonl", "telegram", "discord"}  # parsers that take the parsed JSON root
UNKNOWN_FIELDS = {
    name: list(f.lacks) for name, f in FORMATS.items()
}  # filled as unknown / empty, never guessed


def format_names() -> list[str]:
    return list(FORMATS)


@dataclass
class ImportResult:
    written: list[Path]
    format: str
    conversation: str
    summary: dict
    unknown: list[str]
    built: Built | None = field(repr=False, default=None)


def _format_name(name: str) -> str:
    key = name.strip().lower().replace("_", "-")
    key = ALIASES.get(key, key)
    if key not in FORMATS:
        raise DataError(
            "--format",
            f"未知的格式「{name}」。可选：{', '.join(FORMATS)}（或 list）。",
            f"unknown format {name!r}; choose from {', '.join(FORMATS)} (or list)",
        )
    return key


_MARKERS = [
    ("QQChatExporter", "qq-chat-exporter"),
    ('"chatlab"', "ChatLab"),
    ('"_type"', "ChatLab"),
    ('"guild"', "DiscordChatExporter"),
    ('"date_unixtime"', "Telegram Desktop"),
    ("StrContent", "WeChatMsg / MemoTrace"),
    ("TalkerName", "chatlog"),
    ("AuthorID", "DiscordChatExporter"),
    ("消息对象:", "QQ 消息管理器"),
]


def _naming_exporter(exc: DataError, text: str, fmt: str | None) -> DataError:
    """The same error, naming the exporter the file looks like it came from (if it does not yet)."""
    label = (
        FORMATS[fmt].exporter if fmt else next((name for mark, name in _MARKERS if mark in text[:4000]), None)
    )
    if not label or label in exc.zh or label in exc.en:
        return exc
    return DataError(
        exc.file,
        f"{exc.zh}（这个文件看起来来自 {label}。）",
        f"{exc.en} (the file looks like a {label} export)",
        line=exc.line,
        column=exc.column,
    )


def read_conversations(
    path: str | Path, fmt: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[str, list[Conversation]]:
    """Detect (or take) the format of one file and parse every conversation in it.

    Every error names the file, the line where there is one, and the exporter
    the file seems to come from.  Anything unexpected inside a parser (a field
    of the wrong type in an edited export) becomes a :class:`DataError` too:
    never a traceback.
    """
    path = Path(path)
    if path.is_dir() and (path / "manifest.json").is_file():  # qq-chat-exporter chunked export folder
        path = path / "manifest.json"
    check_size(path, max_bytes)
    with path.open("rb") as fh:
        head = fh.read(4000)
    sniff_binary(path, head[:64])
    try:
        return _read(path, read_text(path, max_bytes), fmt, max_bytes)
    except DataError as exc:
        key = ALIASES.get((fmt or "").strip().lower(), (fmt or "").strip().lower())
        text = head.decode("utf-8", errors="replace")
        raise _naming_exporter(exc, text, key if key in FORMATS else _detected(text)) from None


def _detected(text: str) -> str | None:
    return "chatlab" if chatlab.looks_like_jsonl(text) else None


def _read(path: Path, text: str, fmt: str | None, max_bytes: int) -> tuple[str, list[Conversation]]:
    root = None
    if fmt is None:
        if chatlab.looks_like_jsonl(text[:20000]):
            fmt = "chatlab"
        elif qce_text.looks_like(text[:2000]):  # starts with "[QQChatExporter …]": not JSON
            fmt = "qq-chat-exporter-txt"
        elif is_json(text):
            root = load_json(path, text)
            fmt = detect_json(path, root)
        else:
            fmt = detect_text(path, text)
    else:
        fmt = _format_name(fmt)
        expected = _JSON_ROOTED | ({"chatlab"} if not chatlab.looks_like_jsonl(text[:20000]) else set())
        if fmt in expected:
            root = load_json(path, text)
            if not isinstance(root, dict) or not _PARSERS[fmt].looks_like(root):
                detected = None
                try:
                    detected = detect_json(path, root)
                except DataError:
                    pass
                raise DataError(
                    path,
                    f"用 --format {fmt} 读取，但文件的结构不是{FORMATS[fmt].zh}"
                    + (f"（看起来是 {detected}）" if detected else "")
                    + "。",
                    f"read as --format {fmt}, but the structure is not {FORMATS[fmt].en}"
                    + (f" (looks like {detected})" if detected else ""),
                )
    try:
        if root is not None:
            return fmt, _PARSERS[fmt].parse(path, max_bytes, text=text, root=root)
        return fmt, _PARSERS[fmt].parse(path, max_bytes, text=text)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(
            path,
            f"按 {FORMATS[fmt].zh}读取时遇到意外的结构（{type(exc).__name__}: {str(exc)[:80]}）："
            "文件可能被改过，或来自导出工具的其他版本。",
            f"unexpected structure while reading it as {FORMATS[fmt].en} ({type(exc).__name__}: "
            f"{str(exc)[:80]}); edited, or another version of {FORMATS[fmt].exporter}",
        ) from None


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
    listing = "\n".join(
        f"    - {c.name}  [{c.kind}]  {sum(r.kind == 'message' for r in c.records)} 条消息 (messages)"
        for c in convs
    )
    if group is not None:
        hits = [c for c in convs if group in (c.name, c.key)]
        if len(hits) != 1:
            raise DataError(
                label,
                f"{'没有' if not hits else '有多个'}名为「{group}」的聊天。文件里有：\n{listing}",
                f"{'no' if not hits else 'several'} conversation(s) named {group!r}; pass one of the "
                "names above to --group",
            )
        return hits[0]
    if len(convs) > 1:
        raise DataError(
            label,
            f"文件里有 {len(convs)} 个聊天，请用 --group 选一个：\n{listing}",
            f"{len(convs)} conversations in the export; pick one with --group NAME",
        )
    return convs[0]


def _merge(chosen: list[Conversation]) -> Conversation:
    """One chat from several files (partitions, overlapping ranges, other exporters), records per file."""
    conv = chosen[0]
    for c in chosen[1:]:
        conv.records.extend(c.records)
        conv.sources.extend(s for s in c.sources if s not in conv.sources)
        conv.owner_account = conv.owner_account or c.owner_account
    return conv


def import_exports(
    files: list[str | Path],
    out: str | Path,
    *,
    fmt: str | None = None,
    group: str | None = None,
    tz: str = "Asia/Shanghai",
    keep_names: bool = False,
    keep_text: bool = False,
    group_id: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    salt: bytes | None = None,
    now=None,
) -> ImportResult:
    """Import one conversation from one or more export files into ``out`` (all or nothing)."""
    if not files:
        raise DataError("shequn data import", "没有给出要导入的文件。", "no input files given")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(
            "--tz",
            f"未知的时区「{tz}」，例如 Asia/Shanghai、Europe/Berlin。",
            f"unknown time zone {tz!r}; e.g. Asia/Shanghai",
        ) from None
    found_list, chosen = [], []
    for j, f in enumerate(files):
        found, parsed = read_conversations(f, fmt, max_bytes)
        found_list.append(found)
        conv = _choose(parsed, group, str(f))
        for r in conv.records:
            r.src = j
        chosen.append(conv)
    found = found_list[0] if len(set(found_list)) == 1 else "+".join(dict.fromkeys(found_list))
    label = str(files[0]) if len(files) == 1 else f"{files[0]} …"
    conv = _merge(chosen)
    gid = group_id or FORMATS[found_list[0]].group_id
    settings = Settings(
        tz=tz,
        keep_names=keep_names,
        keep_text=keep_text,
        salt=salt if salt is not None else secrets.token_bytes(16),
        group_id=gid,
        now=now,
    )
    built = build(conv, settings, label)
    unknown = list(dict.fromkeys(u for name in found_list for u in UNKNOWN_FIELDS[name]))
    note = (
        f"Imported with `shequn data import` from {found} "
        f"({', '.join(FORMATS[n].en for n in dict.fromkeys(found_list))}): "
        f"{', '.join(Path(s).name for s in conv.sources)}\n"
        f"conversation: {conv.name} ({conv.kind})\n"
        "names: "
        f"{'kept (--keep-names)' if keep_names else 'pseudonymised with a per-import salt (not stored)'}; "
        f"text: {'kept in message_texts.csv (--keep-text)' if keep_text else 'dropped'}\n"
        f"naive times read in {tz}\n"
        "unknown in this export (left unknown/empty, never guessed): " + "; ".join(unknown) + "\n"
        "events.csv: joins, leaves, recalls, mutes, renames and other notices (not members' messages)\n"
    )
    written = write_import(out, built.tables, note, built.events, built.texts)
    return ImportResult(written, found, conv.name, built.summary, unknown, built)
