"""The one error the data layer raises: :class:`DataError`, bilingual, naming the file and the place.

Loading, validating and importing all raise it, so a caller (the command line, a lesson, the
grader's channel) catches one class and shows its message as it is.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DataError"]


class DataError(ValueError):
    """A data file that cannot be loaded; the message says what and where, in 中文 and English."""

    def __init__(
        self, file: str | Path, zh: str, en: str, line: int | None = None, column: str | None = None
    ):
        self.file, self.zh, self.en, self.line, self.column = str(file), zh, en, line, column
        where = self.file
        if line is not None:
            where += f" 第 {line} 行 (line {line})"
        if column is not None:
            where += f" 列「{column}」(column {column!r})"
        super().__init__(f"{where}：{zh}\n  {en}")
