"""Loading group-chat tables: one CSV table, or a dataset's four tables linked by their ids.

A table is either loaded whole and valid or not at all; :func:`load_dataset` loads all four
tables and checks the links between them before returning anything.  Every problem raises
:class:`~shequn.data.errors.DataError`, naming the file and, where it applies, the line and the
column.  The steps live in their own modules: reading the file's text (:mod:`~shequn.data.csv_file`),
its header (:mod:`~shequn.data.header`), typing and checking its cells (:mod:`~shequn.data.cells`);
:mod:`~shequn.data.streaming` validates files too large to load.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from shequn.data.cells import check_table, convert_cells
from shequn.data.csv_file import decode, read_frame, sniff
from shequn.data.errors import DataError
from shequn.data.header import check_header
from shequn.data.schema import TABLES, TIMEZONE

__all__ = ["DEFAULT_MAX_BYTES", "read_table", "load_dataset", "Dataset"]

DEFAULT_MAX_BYTES = 512 * 1024**2  # larger files: stream with validate_file() or use DuckDB


@dataclass(frozen=True)
class Dataset:
    """The four tables of one dataset, validated and linked."""

    groups: pd.DataFrame
    members: pd.DataFrame
    messages: pd.DataFrame
    red_packets: pd.DataFrame


def read_table(
    path: str | Path,
    table: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    now: pd.Timestamp | None = None,
    allow_empty: bool = False,
) -> pd.DataFrame:
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
        raise DataError(
            path,
            f"文件太大（{size / 1024**2:,.0f} MB，上限 {max_bytes / 1024**2:,.0f} MB），"
            "为避免内存不足没有读取。请用 `shequn data validate` 逐块检查，或用 DuckDB 分析。",
            f"file too large ({size:,} bytes > {max_bytes:,}); not loaded to avoid running out of "
            "memory. Stream it with `shequn data validate`, or query it with DuckDB.",
        )
    raw = path.read_bytes()
    sniff(path, raw[:65536])
    text = decode(path, raw)
    if allow_empty and text.strip() and len(text.strip().splitlines()) == 1:
        check_header(path, table, next(csv.reader([text.strip()])))
        return _empty_table(table)
    frame = read_frame(path, table, text)
    now = now if now is not None else pd.Timestamp.now(tz=TIMEZONE)
    converted = convert_cells(path, table, frame, now)
    check_table(path, table, converted)
    return converted.reset_index(drop=True)


def _empty_table(table: str) -> pd.DataFrame:
    dtypes = {"datetime": pd.DatetimeTZDtype(tz=TIMEZONE), "int": "int64", "float": "float64"}
    return pd.DataFrame({c.name: pd.Series(dtype=dtypes.get(c.kind, object)) for c in TABLES[table].columns})


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
            raise DataError(
                folder / TABLES[table].file,
                f"「{values.iloc[row]}」在 {TABLES[target].file} 的 {key} 中不存在。",
                f"{values.iloc[row]!r} not found in {TABLES[target].file}:{key}",
                line=row + 2,
                column=column,
            )


def load_dataset(
    folder: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, now: pd.Timestamp | None = None
) -> Dataset:
    """Load the four tables from ``folder`` and check the ids that link them."""
    folder = Path(folder)
    tables = {
        name: read_table(
            folder / spec.file, name, max_bytes=max_bytes, now=now, allow_empty=name == "red_packets"
        )
        for name, spec in TABLES.items()
    }
    _check_links(folder, tables)
    return Dataset(**tables)
