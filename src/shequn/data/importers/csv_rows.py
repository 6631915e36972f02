"""Reading an exporter's CSV: the header checked, rows yielded with their line, errors bilingual."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from shequn.data.importers.common import DataError

__all__ = ["rows"]


def rows(path: Path, text: str, columns: list[str], exporter: str, allowed_widths: tuple[int, ...] = ()):
    """Yield (line, row) after checking the header is ``columns`` (names the exporter when it is not)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    if header != columns:
        raise DataError(
            path,
            f"表头应为 {','.join(columns)}（{exporter} 导出的 CSV），这个文件的表头是 "
            f"{','.join(header)[:120]}：列不对，可能来自其他工具或被改过。",
            f"expected the header {','.join(columns)} ({exporter} CSV); found {','.join(header)[:120]!r}",
            line=1,
        )
    widths = {len(columns), *allowed_widths}
    try:
        for row in reader:
            if not row or row == [""]:
                continue
            if len(row) not in widths:
                raise DataError(
                    path,
                    f"这一行有 {len(row)} 个字段，表头有 {len(columns)} 个"
                    "（文件可能被截断或被其他程序改过）。",
                    f"row has {len(row)} fields, the header {len(columns)} (truncated or edited file)",
                    line=reader.line_num,
                )
            yield reader.line_num, row
    except csv.Error as exc:
        raise DataError(
            path,
            f"CSV 格式错误：{exc}（文件可能被截断或被其他程序改过）。",
            f"malformed CSV: {exc}",
            line=reader.line_num,
        ) from None
