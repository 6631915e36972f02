"""The same chat from two files: messages and notices that are the same are kept once.

Two records are the same when they have the same time (to the second), the
same sender (account, or nickname in name-only exports) and the same content
hash (kind, message type and text, SHA-1).  Only records from *different*
files are merged: inside one file two equal lines ("+1" twice in a second)
are two messages.  The count merged is reported in the import summary.

Hand-written: a multiset match across sources in one pass; a pandas
``drop_duplicates`` would also merge genuine repeats inside one file.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import numpy as np

from shequn.data.importers.common import Record

__all__ = ["dedupe", "content_key"]


def content_key(r: Record, when: float) -> tuple:
    who = r.account or (r.name or "")
    targets = ",".join(sorted(str(a or n) for a, n in r.targets))
    digest = hashlib.sha1(f"{r.kind}\x1f{r.msg_type}\x1f{r.text.strip()}\x1f{targets}".encode()).digest()
    return int(round(when)), who, digest


def dedupe(recs: list[Record], t: np.ndarray) -> tuple[list[Record], np.ndarray, int]:
    """Drop records that another file already holds; returns (records, times, how many were merged)."""
    if not recs or all(r.src == recs[0].src for r in recs):
        return recs, t, 0
    seen: dict[tuple, dict[int, int]] = defaultdict(dict)
    keep = np.ones(len(recs), dtype=bool)
    for i, (r, when) in enumerate(zip(recs, t, strict=True)):
        per_source = seen[content_key(r, float(when))]
        mine = per_source.get(r.src, 0) + 1
        per_source[r.src] = mine
        if mine <= max((n for s, n in per_source.items() if s != r.src), default=0):
            keep[i] = False
    kept = [r for r, k in zip(recs, keep, strict=True) if k]
    return kept, t[keep], int((~keep).sum())
