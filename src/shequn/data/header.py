"""Checking a table's header row against the schema, with a rename hint only when it is a real match.

A missing column is reported with the extra column that most likely means it (``create_time``
for ``created_at``), and a chat export's header is recognised and sent to ``shequn data import``.
Hand-written rather than left to :mod:`difflib` alone: a bare string similarity suggests
``IsSender`` for ``sender_id``, so a candidate must also be the same kind of column.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from shequn.data.errors import DataError
from shequn.data.schema import TABLES

__all__ = ["check_header"]

_ID_WORDS = {"id", "uid", "uin", "wxid", "qq", "key", "no", "number"}
_TIME_WORDS = {"time", "at", "date", "datetime", "timestamp", "ts", "day"}


def _words(name: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def _rename_hint(table: str, missing: str, extra: list[str]) -> str | None:
    """A column rename is suggested only when it is a real match, not merely a similar string.

    The candidate must share the missing column's main word (``create_time`` →
    ``created_at``: "creat…") and be of the same kind: an id column is matched only
    by a name with an id word, a time column only by a name with a time word, and
    a boolean flag such as ``IsSender`` never matches ``sender_id``.
    """
    kind = TABLES[table].column(missing).kind
    target = _words(missing)
    stems = {w[:5] for w in target if w not in _ID_WORDS | _TIME_WORDS}
    best = None
    for cand in extra:
        words = _words(cand)
        if not words or words[0] in ("is", "has", "was", "can"):
            continue
        if kind in ("id", "ref") and not _ID_WORDS & set(words):
            continue
        if kind == "datetime" and not _TIME_WORDS & set(words):
            continue
        if stems and not stems & {w[:5] for w in words}:
            continue
        score = difflib.SequenceMatcher(None, "_".join(words), missing).ratio()
        if score >= 0.5 and (best is None or score > best[0]):
            best = (score, cand)
    return best[1] if best else None


def _export_hint(columns: list[str]) -> str | None:
    cols = set(columns)
    if (
        {"Time", "SenderName", "Sender", "Talker", "Content"} <= cols
        or {"StrContent", "IsSender"} <= cols
        or {"AuthorID", "Author", "Content"} <= cols
    ):
        return (
            "这看起来是聊天记录导出，不是本课程的表格：请用 `shequn data import 文件 --out 文件夹` 导入。"
            "(this looks like a chat export, not one of the kit's tables: use `shequn data import`)"
        )
    return None


def check_header(path: Path, table: str, columns: list[str]) -> None:
    """Refuse a header that lacks a schema column (with rename or import hints) or has an extra one."""
    expected = TABLES[table].column_names
    missing = [c for c in expected if c not in columns]
    extra = [c for c in columns if c not in expected]
    if missing:
        hints = []
        for m in missing:
            close = _rename_hint(table, m, extra)
            if close:
                hints.append(f"「{close}」是否应为「{m}」？ ('{close}' should be '{m}'?)")
        export = _export_hint(columns)
        if export:
            hints.append(export)
        raise DataError(
            path,
            f"缺少列：{', '.join(missing)}。{' '.join(hints)}",
            f"missing column(s): {', '.join(missing)}; expected {expected}",
            line=1,
            column=missing[0],
        )
    if extra:
        raise DataError(
            path,
            f"多余的列：{', '.join(extra)}。",
            f"unexpected column(s): {', '.join(extra)}",
            line=1,
            column=extra[0],
        )
