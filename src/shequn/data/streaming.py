"""Validating a CSV file of any size in constant memory, chunk by chunk (``shequn data validate``).

The same checks as :func:`~shequn.data.load.read_table`, one chunk at a time, plus duplicate rows
and ids across chunks, found by hashing each row and id to a 64-bit integer.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from shequn.data.cells import check_table, convert_cells
from shequn.data.csv_file import check_field_counts, decode, sniff
from shequn.data.errors import DataError
from shequn.data.header import check_header
from shequn.data.schema import TABLES, TIMEZONE

__all__ = ["validate_file"]


def validate_file(
    path: str | Path,
    table: str,
    *,
    chunk_rows: int = 250_000,
    now: pd.Timestamp | None = None,
    allow_empty: bool | None = None,
) -> int:
    """Validate a CSV of any size in constant memory, chunk by chunk; return its row count.

    A header-only ``red_packets`` file is valid (no red packets), as in
    :func:`~shequn.data.load.load_dataset`.  Checks the same things as
    :func:`~shequn.data.load.read_table` within each chunk, and
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
    sniff(path, head)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the buffer's end
            decode(path, head[: exc.start + 64].rsplit(b"\n", 1)[0] or head)  # refuses non-GBK text
            encoding = "gb18030"
    now = now if now is not None else pd.Timestamp.now(tz=TIMEZONE)
    key = TABLES[table].key
    row_hashes: list[np.ndarray] = []
    id_hashes: list[np.ndarray] = []
    rows = 0
    try:
        with path.open(encoding=encoding, newline="") as fh:  # first streaming pass: header and field counts
            header = next(csv.reader(fh), [])
            check_header(path, table, header)
            fh.seek(0)
            check_field_counts(path, fh, len(header), ends_with_newline)
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_values=[], chunksize=chunk_rows, encoding=encoding
        )
        for chunk in reader:
            chunk.index = pd.RangeIndex(rows, rows + len(chunk))
            row_hashes.append(pd.util.hash_pandas_object(chunk, index=False).to_numpy())
            id_hashes.append(pd.util.hash_array(chunk[key].to_numpy(dtype=object)))
            dup_rows = chunk.duplicated().to_numpy()
            if dup_rows.any():
                raise DataError(
                    path,
                    "与前面某一行完全重复。",
                    "duplicate row",
                    line=rows + int(np.flatnonzero(dup_rows)[0]) + 2,
                )
            converted = convert_cells(path, table, chunk, now, first_line=rows + 2)
            check_table(path, table, converted, first_line=rows + 2)
            rows += len(chunk)
    except UnicodeDecodeError as exc:
        raise DataError(
            path,
            "文件编码前后不一致或不是 UTF-8/GBK。请转换为 UTF-8。",
            f"inconsistent or unknown encoding: {exc}",
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError(path, "文件是空的。", "the file is empty") from None
    except pd.errors.ParserError as exc:
        raise DataError(path, f"CSV 格式错误：{exc}", f"malformed CSV: {exc}") from None
    if rows == 0:
        if allow_empty if allow_empty is not None else table == "red_packets":
            return 0  # a group with no red packets (as load_dataset accepts)
        raise DataError(path, "只有表头，没有数据行。", "header only: the file has no data rows", line=2)
    for hashes, zh, en, column in (
        (np.concatenate(row_hashes), "与前面某一行完全重复。", "duplicate row", None),
        (np.concatenate(id_hashes), "编号重复。", f"duplicate {key}", key),
    ):
        dup = pd.Series(hashes).duplicated().to_numpy()
        if dup.any():
            raise DataError(path, zh, en, line=int(np.flatnonzero(dup)[0]) + 2, column=column)
    return rows
