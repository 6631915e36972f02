"""Reading one CSV file's text into a table of strings, refusing what is not a CSV table.

Accepted input: UTF-8 CSV (with or without a byte-order mark) and GBK/GB18030 CSV (detected and
decoded).  Excel, JSON and binary files are refused with advice on what to do instead; short
rows, a truncated last line and duplicate rows are refused with their line numbers (pandas would
pad or keep them silently).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from shequn.data.errors import DataError
from shequn.data.header import check_header

__all__ = ["sniff", "decode", "check_field_counts", "read_frame"]


def sniff(path: Path, head: bytes) -> None:
    """Refuse a file whose first bytes show it is not a text CSV (Excel, zip, JSON, binary)."""
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"PK\x03\x04"):
        raise DataError(
            path,
            "这是 Excel（.xlsx）或其他压缩文件，不是 CSV。请在 Excel 中「另存为 → CSV UTF-8」。",
            "This is an Excel (.xlsx) or zip file, not CSV. Save it as 'CSV UTF-8' first.",
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            path,
            "这是旧版 Excel（.xls）文件，不是 CSV。请另存为 CSV UTF-8。",
            "This is an old Excel (.xls) file, not CSV. Save it as 'CSV UTF-8' first.",
        )
    if stripped[:1] in (b"{", b"["):
        raise DataError(
            path,
            "这是 JSON 文件，不是本课程的 CSV 表格。如果它是聊天记录导出（Telegram、QQ NT、Discord），"
            "请用 `shequn data import 文件 --out 文件夹` 导入，它会生成这些表格。",
            "This is JSON, not one of the kit's CSV tables. If it is a chat export (Telegram, QQ NT, "
            "Discord), import it with `shequn data import FILE --out DIR`, which writes the tables.",
        )
    if b"\x00" in head:
        raise DataError(
            path,
            "文件含有二进制内容（NUL 字节），不是文本 CSV。",
            "The file contains binary data (NUL bytes); it is not a text CSV.",
        )


def decode(path: Path, raw: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark is dropped), else GBK/GB18030 if it reads as Chinese."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        line = raw[: utf8_error.start].count(b"\n") + 1
        raise DataError(
            path,
            "无法识别文件编码（既不是 UTF-8 也不是 GBK）。请转换为 UTF-8，例如："
            "iconv -f <原编码> -t UTF-8 原文件 > 新文件。",
            "Unknown encoding (neither UTF-8 nor GBK). Convert the file to UTF-8, "
            "e.g. iconv -f <encoding> -t UTF-8 in.csv > out.csv.",
            line=line,
        ) from None
    if not re.search(r"[\u4e00-\u9fff]", text):
        line = raw[: utf8_error.start].count(b"\n") + 1
        raise DataError(
            path,
            "文件不是有效的 UTF-8。请转换为 UTF-8 后再读取。",
            "The file is not valid UTF-8; convert it to UTF-8.",
            line=line,
        )
    return text  # GBK/GB18030 detected and decoded


def check_field_counts(path: Path, stream, n_fields: int, ends_with_newline: bool = True) -> None:
    """pandas pads short rows with empty strings; find them with the csv module instead."""
    lengths = np.fromiter((len(r) for r in csv.reader(stream)), dtype=np.int64)
    data = lengths[1:]
    rows = np.flatnonzero(data > 0)  # blank lines are skipped, as pandas does
    short = rows[data[rows] < n_fields]
    if len(short):
        row = int(short[0])
        last = row == int(rows[-1]) and not ends_with_newline
        zh = (
            "最后一行不完整（文件可能被截断）。"
            if last
            else f"这一行只有 {data[row]} 个字段，表头有 {n_fields} 个。"
        )
        en = (
            "truncated last line (the file may be cut off)"
            if last
            else f"row has {data[row]} fields, the header {n_fields}"
        )
        raise DataError(path, zh, en, line=row + 2)


def read_frame(path: Path, table: str, text: str) -> pd.DataFrame:
    """Parse a CSV's text into strings (no type guessing), after checking header, rows and duplicates."""
    if not text.strip():
        raise DataError(path, "文件是空的。", "the file is empty")
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_values=[], skipinitialspace=False
        )
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise DataError(
            path, f"CSV 格式错误：{exc}", f"malformed CSV: {exc}", line=int(match.group(1)) if match else None
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError(path, "文件没有表头。", "the file has no header row") from None
    check_header(path, table, list(frame.columns))
    if frame.empty:
        raise DataError(path, "只有表头，没有数据行。", "header only: the file has no data rows", line=2)
    check_field_counts(path, io.StringIO(text), len(frame.columns), ends_with_newline=text.endswith("\n"))
    duplicated = frame.duplicated()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DataError(path, "与前面某一行完全重复。", "duplicate row", line=row + 2)
    return frame
