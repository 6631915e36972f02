"""Shared pieces of the chat-export importers: records, decoding, size limits, names.

Every importer turns one export file into :class:`Conversation` objects holding
:class:`Record` s (messages and events in the export's own order); ``build``
turns one conversation into the kit's four tables.  Errors are
:class:`~shequn.data.errors.DataError` (bilingual, naming the file and line).

Hand-written rather than taken from a library: no maintained PyPI package
parses these exports without merging authors by display name or counting
system notices as a member (see issue 15).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from shequn.data.csv_file import decode
from shequn.data.errors import DataError

__all__ = [
    "DataError",
    "Record",
    "Conversation",
    "read_text",
    "check_size",
    "strip_titles",
    "load_json",
    "as_text",
    "shape_error",
    "DEFAULT_MAX_BYTES",
    "URL",
    "naive_time",
]

DEFAULT_MAX_BYTES = (
    512 * 1024**2
)  # as load.DEFAULT_MAX_BYTES; a bigger export is refused (split it, or --max-mb)
URL = re.compile(r"https?://|www\.[a-z0-9-]+\.[a-z]", re.I)
_TITLE = re.compile(r"^\s*(?:【[^】]*】\s*)+|(?:\s*【[^】]*】)+\s*$")


@dataclass(slots=True)
class Record:
    """One line of an export: a member's message or an event (join, leave, recall, ...).

    ``when`` is epoch seconds when the export states the instant (a unixtime or
    an offset), or a naive ``"YYYY-MM-DD HH:MM:SS"`` string read in ``--tz``.
    ``targets`` are the members an event is about, as (account, name) pairs;
    ``account``/``name`` is who did it (the sender, the inviter, the remover).
    """

    kind: str  # message | join | leave | recall | mute | unmute | rename | pin | claim | other
    when: float | str
    line: int
    account: str | None = None
    name: str | None = None
    msg_type: str = "text"
    length: int = 0
    text: str = ""
    source_id: str | None = None
    reply_to: str | None = None
    mentions: tuple = ()
    targets: tuple = ()
    amount: float | None = None
    shares: int | None = None
    claimed: int | None = None
    method: str | None = None  # join: founder | invite | None (unknown)
    src: int = 0  # which input file (de-duplication across files of one chat)


@dataclass
class Conversation:
    """One chat inside an export (an export may hold several)."""

    key: str
    name: str
    kind: str  # group | private | channel | unknown
    records: list[Record] = field(default_factory=list)
    owner_account: str | None = None
    sources: list[str] = field(default_factory=list)


def check_size(path: Path, max_bytes: int) -> int:
    if not path.is_file():
        raise DataError(path, "找不到文件。", "file not found")
    size = path.stat().st_size
    if size == 0:
        raise DataError(path, "文件是空的。", "the file is empty")
    if size > max_bytes:
        raise DataError(
            path,
            f"文件太大（{size / 1024**2:,.0f} MB，上限 {max_bytes / 1024**2:,.0f} MB），没有读取。"
            "请在导出工具里按时间段分几次导出，或用 --max-mb 提高上限（需要足够的内存）。",
            f"file too large ({size:,} bytes > limit {max_bytes:,}); not read. Export a shorter date "
            "range in several files, or raise the limit with --max-mb (needs enough memory).",
        )
    return size


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Decode an export: UTF-8 with or without BOM, UTF-16 with BOM, GBK/GB18030."""
    check_size(path, max_bytes)
    raw = path.read_bytes()
    codec = None
    if raw.startswith(codecs.BOM_UTF32_LE) or raw.startswith(codecs.BOM_UTF32_BE):
        codec = "utf-32"
    elif raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        codec = "utf-16"
    if codec:
        try:
            return raw.decode(codec).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise DataError(
                path,
                f"文件以 {codec.upper()} 的字节顺序标记（BOM）开头，但内容无法按 {codec.upper()} 解码"
                "（文件可能损坏或被截断）。",
                f"starts with a {codec.upper()} byte-order mark but does not decode ({exc.reason})",
            ) from None
    if raw[:4096].count(b"\x00") > 64:
        raise DataError(
            path,
            "文件含有大量 NUL 字节：可能是没有 BOM 的 UTF-16 文本，或是二进制文件（例如数据库、图片）。"
            "请用导出工具重新导出为 UTF-8 文本。",
            "many NUL bytes: UTF-16 text without a byte-order mark, or a binary file (a database, an "
            "image). Re-export as UTF-8 text.",
        )
    _refuse_mixed(path, raw)
    return decode(path, raw)


def _refuse_mixed(path: Path, raw: bytes) -> None:
    """UTF-8 Chinese first, then bytes that are not UTF-8: two files of different encodings pasted together.

    Decoding the whole file as GBK would then turn the UTF-8 part into mojibake
    without an error, so it is refused, naming the first line that is not UTF-8.
    """
    try:
        raw.decode("utf-8")
        return
    except UnicodeDecodeError as exc:
        start = exc.start
    head = raw[:start].decode("utf-8", errors="replace")
    if sum(ord(c) > 127 for c in head) >= 2:
        line = raw[:start].count(b"\n") + 1
        raise DataError(
            path,
            "文件里混有两种编码：前面是 UTF-8，从这一行起不是（可能是几个不同编码的文件被拼在了一起）。"
            "请分别导出，或把整个文件转换为 UTF-8。",
            "mixed encodings: UTF-8 up to this line, something else from here (files of different "
            "encodings pasted together?); export again or convert the whole file to UTF-8",
            line=line,
        )


@lru_cache(maxsize=1 << 16)  # called for every record; a chat has few distinct names
def strip_titles(name: str) -> str:
    """``【群主】小王`` → ``小王``: group titles are not part of the name people @-mention."""
    return _TITLE.sub("", name).strip()


def naive_time(date: str, hour: int, minute: int, second: int) -> str:
    y, m, d = re.split(r"[-/]", date)
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d} {hour:02d}:{minute:02d}:{second:02d}"


def load_json(path: Path, text: str):
    """Parse a JSON export; a truncated or broken file gets a message with its line and column."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        tail = not text[exc.pos :].strip() or exc.pos >= len(text.rstrip()) - 1
        if tail or "Unterminated" in exc.msg:
            zh = "JSON 不完整：文件在中途结束（导出可能没有完成，或文件被截断）。请重新导出。"
            en = f"truncated JSON: the file ends in the middle ({exc.msg}); export it again"
        else:
            zh = f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：文件可能损坏或被手工改过。"
            en = f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise DataError(path, zh, en, line=exc.lineno) from None


def as_text(value) -> str:
    """Telegram-style rich text (a string or a list of strings and {"text": …} parts) → plain text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(as_text(v) for v in value)
    if isinstance(value, dict):
        return as_text(value.get("text"))
    return str(value)


def shape_error(path: Path, what_zh: str, what_en: str, index: int | None = None) -> DataError:
    where_zh = f"第 {index + 1} 条消息：" if index is not None else ""
    where_en = f"message {index + 1}: " if index is not None else ""
    return DataError(
        path,
        f"{where_zh}{what_zh}（文件结构与导出工具的格式不符，可能被改过或来自其他版本）。",
        f"{where_en}{what_en} (the structure does not match the exporter's format)",
    )
