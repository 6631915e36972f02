"""Derived keys of a column, computed once while the column lives: a memo on immutable Arrow arrays.

A notebook or the benchmark computes many metrics from the same ``messages`` and
``members`` tables, and most of them start with the same lookups: each message's
sender as a row of ``members`` (:func:`~shequn.metrics._columns.positions`), groups
and senders as sorted integer codes (:func:`~shequn.metrics._columns.codes`).  On a
million messages each lookup hashes a million strings (10-100 ms); DuckDB, for
comparison, answers every query from its own columns.  This memo keeps such a
result for as long as the input column itself is alive.

Why hand-written rather than :func:`functools.lru_cache`: a pandas column is
mutable and unhashable, so it cannot be a cache key.  Its Arrow storage can: pandas'
default string columns (and ``ArrowDtype`` columns) hold a ``pyarrow.ChunkedArray``,
which is immutable, and pandas replaces that object (never its buffers) when a value
is set.  So an entry is keyed by the identity of the Arrow arrays it was computed
from, holds them only through weak references, and is dropped when any of them is
collected; identity can only be reused after that.  Columns that are not
Arrow-backed (numpy, categorical, object) are never memoised: their buffers can be
changed in place.  Results are returned read-only, so no caller can change what the
next caller gets.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

try:
    import pyarrow as pa
except ImportError:  # pragma: no cover - without pyarrow nothing is Arrow-backed, nothing is memoised
    pa = None

MAX_ENTRIES = 16  # at most this many results are kept (the least recently used go first)

_entries: OrderedDict[tuple, tuple[list[weakref.ref], Any]] = OrderedDict()


def arrow_storage(values: pd.Series | pd.Index) -> Any | None:
    """The immutable ``pyarrow.ChunkedArray`` behind an Arrow-backed column, or ``None``."""
    if pa is None:
        return None
    array = getattr(values, "array", None)
    if not isinstance(array, pd.api.extensions.ExtensionArray) or not hasattr(array, "__arrow_array__"):
        return None
    if not isinstance(values.dtype, (pd.ArrowDtype, pd.StringDtype)):
        return None
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage != "pyarrow":
        return None
    storage = array.__arrow_array__()
    return storage if isinstance(storage, pa.ChunkedArray) else None


def _freeze(result: Any) -> Any:
    if isinstance(result, np.ndarray):
        result.flags.writeable = False
    elif isinstance(result, tuple):
        for item in result:
            _freeze(item)
    return result


def memoised(name: str, columns: tuple[pd.Series | pd.Index, ...], compute: Callable[[], Any]) -> Any:
    """``compute()``, or its earlier result for the same Arrow arrays behind ``columns``.

    Not memoised (computed every time) when any column is not Arrow-backed.
    numpy arrays in the result are made read-only.
    """
    storages = [arrow_storage(c) for c in columns]
    if any(s is None for s in storages):
        return compute()
    key = (name, *map(id, storages))
    hit = _entries.get(key)
    if hit is not None and all(ref() is s for ref, s in zip(hit[0], storages, strict=True)):
        _entries.move_to_end(key)
        return hit[1]
    result = _freeze(compute())
    refs = [weakref.ref(s, lambda _ref, key=key: _entries.pop(key, None)) for s in storages]
    _entries[key] = (refs, result)
    while len(_entries) > MAX_ENTRIES:
        _entries.popitem(last=False)
    return result


def clear() -> None:
    """Forget every memoised result."""
    _entries.clear()
