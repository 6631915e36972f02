"""Writing an import: the four tables (through ``write_tables``), events, notes; all or nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd

from shequn.data.store import write_tables

__all__ = ["write_import", "PIPL_NOTE", "PRIVACY_FILE", "EVENTS_FILE", "TEXTS_FILE"]

PRIVACY_FILE = "PRIVACY.txt"
EVENTS_FILE = "events.csv"
TEXTS_FILE = "message_texts.csv"

PIPL_NOTE = """\
个人信息保护提示（PIPL）/ Personal-information note
- 聊天记录是群成员的个人信息。分析前请告知成员你要分析什么、怎样保存，并取得他们的同意；
  有人不同意，就不要导入这个群。
  Chat logs are members' personal information: tell them what you will analyse and how you keep
  it, and get their consent first.
- 最小化：指标只需要消息的类型和时间。默认不保存消息文字（--keep-text 才保存），
  昵称和账号用本次导入专用的随机盐做了假名化（--keep-names 才保留）。
  Minimisation: metrics need types and times, not words. Text is dropped unless --keep-text;
  names and account ids are pseudonymised with a salt made for this import unless --keep-names.
- 假名化不等于匿名化：发言时间和次数仍可能让熟悉这个群的人认出某位成员。
  只在自己的电脑上分析，不要公开或上传导入的文件，用完删除。
  Pseudonymised is not anonymous: times and counts can still identify someone to people who know
  the group. Keep the files on your own computer, do not publish them, delete them when done.
"""


def write_import(
    out: str | Path,
    tables: dict[str, pd.DataFrame],
    note: str,
    events: pd.DataFrame,
    texts: pd.DataFrame | None,
) -> list[Path]:
    """Validate and write everything into a temporary folder, then move it into ``out``.

    ``write_tables`` loads the tables back (``load_dataset``) before anything
    moves; on any error ``out`` is left as it was.  A ``message_texts.csv`` left
    by an earlier ``--keep-text`` import into the same folder is removed when
    this import keeps no text.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-import-", dir=out.parent))
    try:
        inner = staging / "tables"
        write_tables(tables, inner, note)
        events.to_csv(inner / EVENTS_FILE, index=False, encoding="utf-8", lineterminator="\n")
        (inner / PRIVACY_FILE).write_text(PIPL_NOTE, encoding="utf-8")
        if texts is not None:
            texts.to_csv(inner / TEXTS_FILE, index=False, encoding="utf-8", lineterminator="\n")
        if not out.exists():
            inner.rename(out)
        else:
            if texts is None and (out / TEXTS_FILE).exists():
                (out / TEXTS_FILE).unlink()
            for path in sorted(inner.iterdir()):
                path.replace(out / path.name)
        return sorted(
            out / p.name
            for p in out.iterdir()
            if p.name in {*(f"{n}.csv" for n in tables), "README.txt", EVENTS_FILE, PRIVACY_FILE, TEXTS_FILE}
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
