"""Loading and validating group-chat CSV files, with clear errors in Chinese and English.

Every problem raises :class:`DataError`, which names the file and, where it
applies, the line and the column.  A table is either loaded whole and valid or
not at all; :func:`load_dataset` loads all four tables and checks the links
between them before returning anything.

Accepted input: UTF-8 CSV (with or without a byte-order mark) and GBK/GB18030
CSV (detected and decoded).  Timestamps must be ISO 8601; with a UTC offset
they may mix offsets (they are converted to Beijing time), without one they
are read as Beijing time, but one file may not mix the two.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from shequn.data.schema import TABLES, TIMEZONE, schema

__all__ = ["DataError", "DEFAULT_MAX_BYTES", "read_table", "load_dataset", "validate_file", "Dataset"]

DEFAULT_MAX_BYTES = 512 * 1024**2  # larger files: stream with validate_file() or use DuckDB
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_FUTURE_SLACK = pd.Timedelta(days=1)


class DataError(ValueError):
    """A data file that cannot be loaded; the message says what and where, in 中文 and English."""

    def __init__(self, file: str | Path, zh: str, en: str, line: int | None = None, column: str | None = None):
        self.file, self.zh, self.en, self.line, self.column = str(file), zh, en, line, column
        where = self.file
        if line is not None:
            where += f" 第 {line} 行 (line {line})"
        if column is not None:
            where += f" 列「{column}」(column {column!r})"
        super().__init__(f"{where}：{zh}\n  {en}")


@dataclass(frozen=True)
class Dataset:
    """The four tables of one dataset, validated and linked."""

    groups: pd.DataFrame
    members: pd.DataFrame
    messages: pd.DataFrame
    red_packets: pd.DataFrame


def _sniff(path: Path, head: bytes) -> None:
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"PK\x03\x04"):
        raise DataError(path, "这是 Excel（.xlsx）或其他压缩文件，不是 CSV。请在 Excel 中「另存为 → CSV UTF-8」。",
                        "This is an Excel (.xlsx) or zip file, not CSV. Save it as 'CSV UTF-8' first.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(path, "这是旧版 Excel（.xls）文件，不是 CSV。请另存为 CSV UTF-8。",
                        "This is an old Excel (.xls) file, not CSV. Save it as 'CSV UTF-8' first.")
    if stripped[:1] in (b"{", b"["):
        raise DataError(path, "这是 JSON 文件，不是本课程的 CSV 表格。如果它是聊天记录导出（Telegram、QQ NT、Discord），"
                        "请用 `shequn data import 文件 --out 文件夹` 导入，它会生成这些表格。",
                        "This is JSON, not one of the kit's CSV tables. If it is a chat export (Telegram, QQ NT, "
                        "Discord), import it with `shequn data import FILE --out DIR`, which writes the tables.")
    if b"\x00" in head:
        raise DataError(path, "文件含有二进制内容（NUL 字节），不是文本 CSV。",
                        "The file contains binary data (NUL bytes); it is not a text CSV.")


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        line = raw[: utf8_error.start].count(b"\n") + 1
        raise DataError(path, "无法识别文件编码（既不是 UTF-8 也不是 GBK）。请转换为 UTF-8，例如："
                        "iconv -f <原编码> -t UTF-8 原文件 > 新文件。",
                        "Unknown encoding (neither UTF-8 nor GBK). Convert the file to UTF-8, "
                        "e.g. iconv -f <encoding> -t UTF-8 in.csv > out.csv.", line=line) from None
    if not re.search(r"[\u4e00-\u9fff]", text):
        line = raw[: utf8_error.start].count(b"\n") + 1
        raise DataError(path, "文件不是有效的 UTF-8。请转换为 UTF-8 后再读取。",
                        "The file is not valid UTF-8; convert it to UTF-8.", line=line)
    return text  # GBK/GB18030 detected and decoded


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
    if {"Time", "SenderName", "Sender", "Talker", "Content"} <= cols or {"StrContent", "IsSender"} <= cols \
            or {"AuthorID", "Author", "Content"} <= cols:
        return ("这看起来是聊天记录导出，不是本课程的表格：请用 `shequn data import 文件 --out 文件夹` 导入。"
                "(this looks like a chat export, not one of the kit's tables: use `shequn data import`)")
    return None


def _check_header(path: Path, table: str, columns: list[str]) -> None:
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
        raise DataError(path, f"缺少列：{', '.join(missing)}。{' '.join(hints)}",
                        f"missing column(s): {', '.join(missing)}; expected {expected}", line=1,
                        column=missing[0])
    if extra:
        raise DataError(path, f"多余的列：{', '.join(extra)}。", f"unexpected column(s): {', '.join(extra)}",
                        line=1, column=extra[0])


def _parse_times(path: Path, frame: pd.DataFrame, column: str, nullable: bool, now: pd.Timestamp,
                 first_line: int) -> pd.Series:
    raw = frame[column]
    present = raw != ""
    if not nullable and not present.all():
        row = int(np.flatnonzero(~present.to_numpy())[0])
        raise DataError(path, "时间为空。", "empty timestamp", line=first_line + row, column=column)
    values = raw[present]
    has_offset = values.str.contains(_OFFSET)
    if has_offset.any() and not has_offset.all():
        row = int(frame.index.get_loc(values.index[int(np.flatnonzero(~has_offset.to_numpy())[0])]))
        raise DataError(path, "时区不一致：有的时间带时区（如 +08:00），有的没有，无法确定这一行的时区。"
                        "请统一写成带时区的 ISO 8601 时间。",
                        "mixed time zones: some timestamps carry a UTC offset and some do not",
                        line=first_line + row, column=column)
    parsed = pd.to_datetime(values, format="ISO8601", errors="coerce", utc=bool(has_offset.all()))
    bad = parsed.isna()
    if bad.any():
        label = values.index[int(np.flatnonzero(bad.to_numpy())[0])]
        row = int(frame.index.get_loc(label))
        raise DataError(path, f"无法解析的时间「{values[label]}」，应为 ISO 8601，例如 2026-03-01T09:15:00+08:00。",
                        f"unparseable timestamp {values[label]!r}", line=first_line + row, column=column)
    parsed = parsed.dt.tz_convert(TIMEZONE) if has_offset.all() else parsed.dt.tz_localize(TIMEZONE)
    future = parsed > now + _FUTURE_SLACK
    if future.any():
        label = parsed.index[int(np.flatnonzero(future.to_numpy())[0])]
        row = int(frame.index.get_loc(label))
        raise DataError(path, f"时间「{values[label]}」在未来。", f"timestamp {values[label]!r} is in the future",
                        line=first_line + row, column=column)
    out = pd.Series(pd.NaT, index=frame.index, dtype=pd.DatetimeTZDtype(tz=TIMEZONE))
    out[present] = parsed
    return out


def _convert(path: Path, table: str, frame: pd.DataFrame, now: pd.Timestamp, first_line: int = 2) -> pd.DataFrame:
    spec = TABLES[table]
    out = {}
    for col in spec.columns:
        values = frame[col.name]
        if col.kind == "datetime":
            out[col.name] = _parse_times(path, frame, col.name, col.nullable, now, first_line)
            continue
        empty = values == ""
        if not col.nullable and empty.any():
            row = int(np.flatnonzero(empty.to_numpy())[0])
            raise DataError(path, "此处不能为空。", "empty value", line=first_line + row, column=col.name)
        if col.kind in ("int", "float"):
            numbers = pd.to_numeric(values, errors="coerce")
            bad = numbers.isna() & ~empty
            if col.kind == "int":
                bad |= numbers.notna() & (numbers != np.floor(numbers))
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(path, f"「{values.iloc[row]}」不是{'整数' if col.kind == 'int' else '数字'}。",
                                f"{values.iloc[row]!r} is not a number", line=first_line + row, column=col.name)
            out[col.name] = numbers.astype("int64" if col.kind == "int" else "float64")
        else:
            out[col.name] = values.where(~empty, None) if col.nullable else values
    return pd.DataFrame(out, index=frame.index)


def _validate(path: Path, table: str, frame: pd.DataFrame, first_line: int = 2) -> None:
    key = TABLES[table].key
    dup = frame[key].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        value = frame[key].iloc[row]
        first = int(np.flatnonzero((frame[key] == value).to_numpy())[0])
        raise DataError(path, f"编号「{value}」重复（第 {first + first_line} 行已出现）。",
                        f"duplicate id {value!r} (first seen on line {first + first_line})",
                        line=row + first_line, column=key)
    try:
        schema(table).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        case = exc.failure_cases.iloc[0]
        index = case.get("index")
        line = first_line + int(frame.index.get_loc(index)) if index is not None and not pd.isna(index) else None
        column = case.get("column")
        check = str(case.get("check"))
        if "field_uniqueness" in check or "unique" in check:
            zh, en = f"编号「{case['failure_case']}」重复。", f"duplicate id {case['failure_case']!r}"
        elif "isin" in check:
            allowed = ", ".join(TABLES[table].column(column).categories)
            zh, en = (f"取值「{case['failure_case']}」不在允许范围内（{allowed}）。",
                      f"value {case['failure_case']!r} not allowed; expected one of {allowed}")
        else:
            zh, en = f"取值「{case['failure_case']}」不符合要求（{check}）。", f"value fails check {check}"
        raise DataError(path, zh, en, line=line, column=column) from None


def _check_field_counts(path: Path, stream, n_fields: int, ends_with_newline: bool = True) -> None:
    """pandas pads short rows with empty strings; find them with the csv module instead."""
    lengths = np.fromiter((len(r) for r in csv.reader(stream)), dtype=np.int64)
    data = lengths[1:]
    rows = np.flatnonzero(data > 0)  # blank lines are skipped, as pandas does
    short = rows[data[rows] < n_fields]
    if len(short):
        row = int(short[0])
        last = row == int(rows[-1]) and not ends_with_newline
        zh = "最后一行不完整（文件可能被截断）。" if last else f"这一行只有 {data[row]} 个字段，表头有 {n_fields} 个。"
        en = "truncated last line (the file may be cut off)" if last else \
            f"row has {data[row]} fields, the header {n_fields}"
        raise DataError(path, zh, en, line=row + 2)


def _frame_from_text(path: Path, table: str, text: str) -> pd.DataFrame:
    if not text.strip():
        raise DataError(path, "文件是空的。", "the file is empty")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[],
                            skipinitialspace=False)
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise DataError(path, f"CSV 格式错误：{exc}", f"malformed CSV: {exc}",
                        line=int(match.group(1)) if match else None) from None
    except pd.errors.EmptyDataError:
        raise DataError(path, "文件没有表头。", "the file has no header row") from None
    _check_header(path, table, list(frame.columns))
    if frame.empty:
        raise DataError(path, "只有表头，没有数据行。", "header only: the file has no data rows", line=2)
    _check_field_counts(path, io.StringIO(text), len(frame.columns), ends_with_newline=text.endswith("\n"))
    duplicated = frame.duplicated()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DataError(path, "与前面某一行完全重复。", "duplicate row", line=row + 2)
    return frame


def read_table(path: str | Path, table: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
               now: pd.Timestamp | None = None, allow_empty: bool = False) -> pd.DataFrame:
    """Read and validate one CSV table (``groups``, ``members``, ``messages`` or ``red_packets``).

    ``allow_empty`` accepts a header-only file (e.g. no red packets) as an empty table.
    """
    path = Path(path)
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; expected one of {sorted(TABLES)}")
    if not path.is_file():
        raise DataError(path, "找不到文件。", "file not found")
    size = path.stat().st_size
    if size > max_bytes:
        raise DataError(path, f"文件太大（{size / 1024**2:,.0f} MB，上限 {max_bytes / 1024**2:,.0f} MB），"
                        "为避免内存不足没有读取。请用 `shequn data validate` 逐块检查，或用 DuckDB 分析。",
                        f"file too large ({size:,} bytes > {max_bytes:,}); not loaded to avoid running out of "
                        "memory. Stream it with `shequn data validate`, or query it with DuckDB.")
    raw = path.read_bytes()
    _sniff(path, raw[:65536])
    text = _decode(path, raw)
    if allow_empty and text.strip() and len(text.strip().splitlines()) == 1:
        _check_header(path, table, next(csv.reader([text.strip()])))
        return _empty_table(table)
    frame = _frame_from_text(path, table, text)
    now = now if now is not None else pd.Timestamp.now(tz=TIMEZONE)
    converted = _convert(path, table, frame, now)
    _validate(path, table, converted)
    return converted.reset_index(drop=True)


def _empty_table(table: str) -> pd.DataFrame:
    dtypes = {"datetime": pd.DatetimeTZDtype(tz=TIMEZONE), "int": "int64", "float": "float64"}
    return pd.DataFrame({c.name: pd.Series(dtype=dtypes.get(c.kind, object)) for c in TABLES[table].columns})


def validate_file(path: str | Path, table: str, *, chunk_rows: int = 250_000,
                  now: pd.Timestamp | None = None, allow_empty: bool | None = None) -> int:
    """Validate a CSV of any size in constant memory, chunk by chunk; return its row count.

    A header-only ``red_packets`` file is valid (no red packets), as in
    :func:`load_dataset`.  Checks the same things as :func:`read_table` within each chunk, and
    duplicate rows and ids across chunks (rows and ids are hashed to 64-bit
    integers, so memory grows by 16 bytes a row, not with the file's size).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "找不到文件。", "file not found")
    size = path.stat().st_size
    if size == 0:
        raise DataError(path, "文件是空的。", "the file is empty")
    with path.open("rb") as fh:
        head = fh.read(65536)
        fh.seek(-1, 2)
        ends_with_newline = fh.read(1) in (b"\n", b"\r")
    _sniff(path, head)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the buffer's end
            _decode(path, head[: exc.start + 64].rsplit(b"\n", 1)[0] or head)  # refuses non-GBK text
            encoding = "gb18030"
    now = now if now is not None else pd.Timestamp.now(tz=TIMEZONE)
    key = TABLES[table].key
    row_hashes: list[np.ndarray] = []
    id_hashes: list[np.ndarray] = []
    rows = 0
    try:
        with path.open(encoding=encoding, newline="") as fh:  # first streaming pass: header and field counts
            header = next(csv.reader(fh), [])
            _check_header(path, table, header)
            fh.seek(0)
            _check_field_counts(path, fh, len(header), ends_with_newline)
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], chunksize=chunk_rows,
                             encoding=encoding)
        for chunk in reader:
            chunk.index = pd.RangeIndex(rows, rows + len(chunk))
            row_hashes.append(pd.util.hash_pandas_object(chunk, index=False).to_numpy())
            id_hashes.append(pd.util.hash_array(chunk[key].to_numpy(dtype=object)))
            dup_rows = chunk.duplicated().to_numpy()
            if dup_rows.any():
                raise DataError(path, "与前面某一行完全重复。", "duplicate row", line=rows + int(np.flatnonzero(dup_rows)[0]) + 2)
            converted = _convert(path, table, chunk, now, first_line=rows + 2)
            _validate(path, table, converted, first_line=rows + 2)
            rows += len(chunk)
    except UnicodeDecodeError as exc:
        raise DataError(path, "文件编码前后不一致或不是 UTF-8/GBK。请转换为 UTF-8。",
                        f"inconsistent or unknown encoding: {exc}") from None
    except pd.errors.EmptyDataError:
        raise DataError(path, "文件是空的。", "the file is empty") from None
    except pd.errors.ParserError as exc:
        raise DataError(path, f"CSV 格式错误：{exc}", f"malformed CSV: {exc}") from None
    if rows == 0:
        if allow_empty if allow_empty is not None else table == "red_packets":
            return 0  # a group with no red packets (as load_dataset accepts)
        raise DataError(path, "只有表头，没有数据行。", "header only: the file has no data rows", line=2)
    for hashes, zh, en, column in ((np.concatenate(row_hashes), "与前面某一行完全重复。", "duplicate row", None),
                                   (np.concatenate(id_hashes), "编号重复。", f"duplicate {key}", key)):
        dup = pd.Series(hashes).duplicated().to_numpy()
        if dup.any():
            raise DataError(path, zh, en, line=int(np.flatnonzero(dup)[0]) + 2, column=column)
    return rows


def _check_links(folder: Path, t: dict[str, pd.DataFrame]) -> None:
    links = [
        ("groups", "owner_id", "members", "member_id"),
        ("members", "group_id", "groups", "group_id"),
        ("members", "invited_by", "members", "member_id"),
        ("messages", "group_id", "groups", "group_id"),
        ("messages", "sender_id", "members", "member_id"),
        ("messages", "reply_to", "messages", "message_id"),
        ("messages", "mention_id", "members", "member_id"),
        ("red_packets", "message_id", "messages", "message_id"),
        ("red_packets", "sender_id", "members", "member_id"),
    ]
    for table, column, target, key in links:
        values = t[table][column]
        bad = values.notna() & ~values.isin(t[target][key])
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(folder / TABLES[table].file,
                            f"「{values.iloc[row]}」在 {TABLES[target].file} 的 {key} 中不存在。",
                            f"{values.iloc[row]!r} not found in {TABLES[target].file}:{key}",
                            line=row + 2, column=column)


def load_dataset(folder: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 now: pd.Timestamp | None = None) -> Dataset:
    """Load the four tables from ``folder`` and check the ids that link them."""
    folder = Path(folder)
    tables = {name: read_table(folder / spec.file, name, max_bytes=max_bytes, now=now,
                               allow_empty=name == "red_packets")
              for name, spec in TABLES.items()}
    _check_links(folder, tables)
    return Dataset(**tables)
