"""The grading journal: one fsync'd JSON line per finished submission, for kill -9 and resume.

A rerun skips a submission whose latest line has the same content hash; a changed submission
is regraded.  A torn last line from a crash is ignored and terminated.  :func:`plan_grading`
reads it to say what a run (local or on a cluster) still has to grade.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from shequn.grading.results.gradebook import STATE_DIR, CourseDirs
from shequn.grading.results.outcome import Result

__all__ = ["Journal", "journal_entry", "journal_path", "read_journal", "submission_hash", "plan_grading"]


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


def plan_grading(
    dirs: CourseDirs, assignment: str, students: list[str] | None
) -> tuple[list[str], dict[str, Result], list[tuple[str, str]]]:
    """(students with a submission, results already journaled for unchanged submissions,
    [(student, submission hash)] still to grade): what a rerun after kill -9 finishes, locally or on
    a cluster."""
    root = dirs.root / dirs.submitted
    names = sorted(p.parent.name for p in root.glob(f"*/{assignment}") if p.is_dir()) if root.is_dir() else []
    if students is not None:
        wanted = set(students)
        names = [s for s in names if s in wanted]
    done, results, todo = read_journal(dirs.root, assignment), {}, []
    for s in names:
        digest = submission_hash(root / s / assignment)
        prev = done.get(s)
        if prev and prev.get("hash") == digest and prev.get("status"):
            results[s] = Result(
                s,
                prev["status"],
                list(prev.get("flags", [])),
                prev.get("score"),
                prev.get("max_score"),
                prev.get("seconds", 0.0),
                prev.get("detail", ""),
                True,
            )
        else:
            todo.append((s, digest))
    return names, results, todo


def journal_entry(result: Result, digest: str, **extra: Any) -> dict[str, Any]:
    """The journal line of a finished submission (*extra*: what a Dask run adds, its task and worker)."""
    return {
        "student": result.student,
        "hash": digest,
        "status": result.status,
        "flags": result.flags,
        "score": result.score,
        "max_score": result.max_score,
        "seconds": result.seconds,
        "detail": result.detail,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **extra,
    }


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
