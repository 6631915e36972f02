"""Type conversion: generator output (ISO strings, empty strings) to the dtypes of loaded tables.

:func:`shequn.data.generate.generate` returns plain strings, as a CSV would hold them;
:func:`as_typed` gives them the types :func:`shequn.data.load_dataset` produces, so the metrics
run on either.  This is the one place type conversion lives (:mod:`shequn.metrics` does not import it).
"""

from __future__ import annotations

import pandas as pd

from shequn.data.schema import TABLES, TIMEZONE

__all__ = ["as_typed"]


def as_typed(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Convert generator output (ISO strings, empty strings) to loaded dtypes.

    Timestamps become timezone-aware (Beijing time) even when a column is
    empty or all blank (a table without red packets, nobody who left).
    """
    out = {}
    for name, frame in tables.items():
        frame = frame.copy()
        for col in TABLES[name].columns:
            if col.kind == "datetime":
                values = frame[col.name].replace("", None)
                frame[col.name] = pd.to_datetime(values, format="ISO8601", utc=True).dt.tz_convert(TIMEZONE)
            elif col.nullable:
                frame[col.name] = frame[col.name].replace("", None)
        out[name] = frame
    return out
