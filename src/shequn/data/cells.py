"""Turning a table's text cells into typed columns and checking them against the schema.

Timestamps must be ISO 8601; with a UTC offset they may mix offsets (they are converted to
Beijing time), without one they are read as Beijing time, but one file may not mix the two, and
none may lie in the future.  Numbers must parse (integers without a fraction); ids must be
unique; the rest of the schema is checked with pandera.  The first failure raises
:class:`~shequn.data.errors.DataError` naming its line and column.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from shequn.data.errors import DataError
from shequn.data.schema import TABLES, TIMEZONE, schema

__all__ = ["convert_cells", "check_table"]

_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_FUTURE_SLACK = pd.Timedelta(days=1)


def _parse_times(
    path: Path, frame: pd.DataFrame, column: str, nullable: bool, now: pd.Timestamp, first_line: int
) -> pd.Series:
    raw = frame[column]
    present = raw != ""
    if not nullable and not present.all():
        row = int(np.flatnonzero(~present.to_numpy())[0])
        raise DataError(path, "时间为空。", "empty timestamp", line=first_line + row, column=column)
    values = raw[present]
    has_offset = values.str.contains(_OFFSET)
    if has_offset.any() and not has_offset.all():
        row = int(frame.index.get_loc(values.index[int(np.flatnonzero(~has_offset.to_numpy())[0])]))
        raise DataError(
            path,
            "时区不一致：有的时间带时区（如 +08:00），有的没有，无法确定这一行的时区。"
            "请统一写成带时区的 ISO 8601 时间。",
            "mixed time zones: some timestamps carry a UTC offset and some do not",
            line=first_line + row,
            column=column,
        )
    parsed = pd.to_datetime(values, format="ISO8601", errors="coerce", utc=bool(has_offset.all()))
    bad = parsed.isna()
    if bad.any():
        label = values.index[int(np.flatnonzero(bad.to_numpy())[0])]
        row = int(frame.index.get_loc(label))
        raise DataError(
            path,
            f"无法解析的时间「{values[label]}」，应为 ISO 8601，例如 2026-03-01T09:15:00+08:00。",
            f"unparseable timestamp {values[label]!r}",
            line=first_line + row,
            column=column,
        )
    parsed = parsed.dt.tz_convert(TIMEZONE) if has_offset.all() else parsed.dt.tz_localize(TIMEZONE)
    future = parsed > now + _FUTURE_SLACK
    if future.any():
        label = parsed.index[int(np.flatnonzero(future.to_numpy())[0])]
        row = int(frame.index.get_loc(label))
        raise DataError(
            path,
            f"时间「{values[label]}」在未来。",
            f"timestamp {values[label]!r} is in the future",
            line=first_line + row,
            column=column,
        )
    out = pd.Series(pd.NaT, index=frame.index, dtype=pd.DatetimeTZDtype(tz=TIMEZONE))
    out[present] = parsed
    return out


def convert_cells(
    path: Path, table: str, frame: pd.DataFrame, now: pd.Timestamp, first_line: int = 2
) -> pd.DataFrame:
    """The table's string cells as the schema's types; ``first_line`` is the file line of the first row."""
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
                raise DataError(
                    path,
                    f"「{values.iloc[row]}」不是{'整数' if col.kind == 'int' else '数字'}。",
                    f"{values.iloc[row]!r} is not a number",
                    line=first_line + row,
                    column=col.name,
                )
            out[col.name] = numbers.astype("int64" if col.kind == "int" else "float64")
        else:
            out[col.name] = values.where(~empty, None) if col.nullable else values
    return pd.DataFrame(out, index=frame.index)


def check_table(path: Path, table: str, frame: pd.DataFrame, first_line: int = 2) -> None:
    """Check a typed table: unique ids first (naming both lines), then the pandera schema."""
    key = TABLES[table].key
    dup = frame[key].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        value = frame[key].iloc[row]
        first = int(np.flatnonzero((frame[key] == value).to_numpy())[0])
        raise DataError(
            path,
            f"编号「{value}」重复（第 {first + first_line} 行已出现）。",
            f"duplicate id {value!r} (first seen on line {first + first_line})",
            line=row + first_line,
            column=key,
        )
    try:
        schema(table).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        case = exc.failure_cases.iloc[0]
        index = case.get("index")
        line = (
            first_line + int(frame.index.get_loc(index)) if index is not None and not pd.isna(index) else None
        )
        column = case.get("column")
        check = str(case.get("check"))
        if "field_uniqueness" in check or "unique" in check:
            zh, en = f"编号「{case['failure_case']}」重复。", f"duplicate id {case['failure_case']!r}"
        elif "isin" in check:
            allowed = ", ".join(TABLES[table].column(column).categories)
            zh, en = (
                f"取值「{case['failure_case']}」不在允许范围内（{allowed}）。",
                f"value {case['failure_case']!r} not allowed; expected one of {allowed}",
            )
        else:
            zh, en = f"取值「{case['failure_case']}」不符合要求（{check}）。", f"value fails check {check}"
        raise DataError(path, zh, en, line=line, column=column) from None
