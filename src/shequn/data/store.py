"""Writing the four tables: all valid and complete, or nothing at all."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd

from shequn.data.load import load_dataset
from shequn.data.schema import TABLES

__all__ = ["write_tables"]


def write_tables(tables: dict[str, pd.DataFrame], folder: str | Path, note: str) -> list[Path]:
    """Write UTF-8 CSVs plus a ``README.txt`` provenance note into ``folder``.

    The files are written to a temporary folder beside ``folder`` and loaded
    back with :func:`~shequn.data.load.load_dataset`; only if that succeeds do
    they replace the files in ``folder``.  On any error ``folder`` is untouched.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        for name, frame in tables.items():
            frame[TABLES[name].column_names].to_csv(
                staging / TABLES[name].file, index=False, encoding="utf-8", lineterminator="\n"
            )
        (staging / "README.txt").write_text(note, encoding="utf-8")
        load_dataset(staging)  # raises DataError: nothing is moved into place
        folder.mkdir(exist_ok=True)
        written = []
        for path in sorted(staging.iterdir()):
            target = folder / path.name
            path.replace(target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
