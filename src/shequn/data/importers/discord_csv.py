"""Discord channels exported as CSV by DiscordChatExporter (github.com/Tyrrrz/DiscordChatExporter).

``DiscordChatExporter.Core/Exporting/Csv/CsvMessageWriter.cs`` writes the header
``AuthorID,Author,Date,Content,Attachments,Reactions`` and one quoted row per
message: the author's id and full name, the date as ``ExportContext.FormatDate``
gives it (the culture's general pattern ``g``, e.g. ``3/1/2025 9:15 AM`` or
``2025/3/1 9:15``; older versions ``dd-MMM-yy hh:mm tt``, or ``unix`` /
``unixms`` seconds), the content as plain text, attachment URLs joined by
commas and reactions.  Service messages carry their fallback text
(``PlainTextMessageExtensions.cs``: ``Joined the server.``, ``Added X to the
group.``, ``Left the group.``, ``Pinned a message.``, …).  Dates are local
(or UTC with ``--utc``) without a zone: ``--tz`` applies, to the minute.

Not in the export: message ids (so no reply links), mentions by id, the
channel's name (taken from the file name), leaves from a server.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from shequn.data.importers.common import URL, Conversation, DataError, Record, read_text
from shequn.data.importers.csv_rows import rows

__all__ = ["parse", "looks_like", "COLUMNS"]

COLUMNS = ["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"]
_FORMATS = (
    "%m/%d/%Y %I:%M %p",
    "%Y/%m/%d %H:%M",
    "%d-%b-%y %I:%M %p",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
)
_IMAGE_EXT = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".mp4",
    ".mov",
    ".webm",
    ".mp3",
    ".ogg",
    ".m4a",
    ".wav",
)
_SERVICE = [
    ("join", re.compile(r"^Joined the server\.$")),
    ("join", re.compile(r"^Added (?P<B>.+) to the group\.$")),
    ("leave", re.compile(r"^Left the group\.$")),
    ("leave", re.compile(r"^Removed (?P<B>.+) from the group\.$")),
    ("pin", re.compile(r"^Pinned a message\.$")),
    ("rename", re.compile(r"^Changed the channel name")),
    (
        "other",
        re.compile(
            r"^(Started a call that lasted \d[\d,]* minutes\.|Changed the channel icon\.|"
            r"Started a thread\.|Added a recipient\.|Removed a recipient\.)$"
        ),
    ),
]


def looks_like(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip().replace('"', "")
    return first.split(",") == COLUMNS


def _when(value: str, fmt_cache: list, path: Path, line: int):
    value = value.strip()
    if value.isdigit():
        return float(value) / (1000 if len(value) > 11 else 1)
    for fmt in fmt_cache + [f for f in _FORMATS if f not in fmt_cache]:
        try:
            stamp = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if fmt_cache[:1] != [fmt]:
            fmt_cache[:] = [fmt]
        return stamp.strftime("%Y-%m-%d %H:%M:%S")
    raise DataError(
        path,
        f"无法解析的时间「{value[:40]}」（DiscordChatExporter 的 CSV 日期）。",
        f"unparseable date {value[:40]!r}",
        line=line,
        column="Date",
    )


def parse(path: Path, max_bytes: int, text: str | None = None) -> list[Conversation]:
    text = read_text(path, max_bytes) if text is None else text
    conv = Conversation(key=f"discord-csv:{path.stem}", name=path.stem, kind="group", sources=[str(path)])
    cache: list = []
    seen: dict[str, object] = {}  # dates are to the minute: most rows repeat one already read
    for line, (author_id, author, date, content, attachments, _reactions) in rows(
        path, text, COLUMNS, "DiscordChatExporter"
    ):
        when = seen.get(date)
        if when is None:
            when = seen[date] = _when(date, cache, path, line)
        account = author_id.strip() or None
        if account is None:
            raise DataError(path, "AuthorID 为空。", "empty AuthorID", line=line, column="AuthorID")
        service = next(((k, m) for k, p in _SERVICE if (m := p.match(content.strip()))), None)
        if service and not attachments:
            kind, m = service
            named = m.groupdict().get("B")
            targets = ((None, named),) if named else ((account, author),)
            conv.records.append(
                Record(
                    kind,
                    when,
                    line,
                    account=account,
                    name=author,
                    targets=targets if kind in ("join", "leave") else (),
                    method="invite" if named and kind == "join" else None,
                )
            )
            continue
        files = [f.strip().lower().split("?")[0] for f in attachments.split(",") if f.strip()]
        if content.strip():
            kind = "link" if URL.search(content) else "text"
        elif files and all(f.endswith(_IMAGE_EXT) for f in files):
            kind = "image"
        else:
            kind = "link" if files else "text"
        conv.records.append(
            Record(
                "message",
                when,
                line,
                account=account,
                name=author,
                msg_type=kind,
                length=len(content) if kind == "text" else 0,
                text=content,
            )
        )
    if not conv.records:
        raise DataError(path, "只有表头，没有消息。", "header only: no messages", line=2)
    return [conv]
