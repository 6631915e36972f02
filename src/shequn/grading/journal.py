"""The grading journal: one fsync'd JSON line per finished submission, for kill -9 and resume.

A rerun skips a submission whose latest line has the same content hash; a changed submission
is regraded.  A torn last line from a crash is ignored and terminated.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from shequn.grading.gradebook import STATE_DIR

__all__ = ["Journal", "journal_path", "read_journal", "submission_hash"]


def submission_hash(folder: Path) -> str:
    """sha256 over the relative paths and bytes of every file of a submission."""
    h = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if ".ipynb_checkpoints" in rel:
            continue
        h.update(os.fsencode(rel) + b"\0")  # raw bytes: GBK or other non-UTF-8 names are fine
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def journal_path(course: Path, assignment: str) -> Path:
    return Path(course) / STATE_DIR / f"{assignment}.jsonl"


def read_journal(course: Path, assignment: str) -> dict[str, dict]:
    """Latest journal entry per student (torn last lines from a crash are ignored)."""
    path = journal_path(course, assignment)
    latest: dict[str, dict] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and "student" in entry:
                latest[entry["student"]] = entry
    return latest


class Journal:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if os.fstat(self.fd).st_size:
            with open(path, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":  # a torn line from a crash: end it
                    os.write(self.fd, b"\n")

    def append(self, entry: dict) -> None:
        os.write(self.fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)
