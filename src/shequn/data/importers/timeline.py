"""Times of imported records: epoch seconds, the checks on their order, ISO 8601 text in Beijing time.

A record's unixtime/offset wins; naive times are read in ``--tz``.  A file whose times run
backwards (by more than ``BACKWARDS_SLACK``, e.g. shuffled, concatenated or written
newest-first) is refused: silently re-sorting could hide a broken export.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shequn.data.importers.common import Conversation, DataError, Record
from shequn.data.schema import TIMEZONE

__all__ = ["BACKWARDS_SLACK", "check_not_future", "check_order", "epochs", "iso", "isos"]

BACKWARDS_SLACK = 600.0  # seconds a record may be earlier than the one before (clock skew between devices)
_FUTURE_SLACK = 86400.0
_NO_DST_SINCE = 686_000_000.0  # 1991-09: China's last daylight-saving period had ended


def epochs(conv: Conversation, tz: str, source: str) -> np.ndarray:
    """Each record's time in epoch seconds: its own unixtime/offset, or its naive time read in ``tz``."""
    recs = conv.records
    out = np.empty(len(recs), dtype="float64")
    naive_idx = [i for i, r in enumerate(recs) if isinstance(r.when, str)]
    for i, r in enumerate(recs):
        if not isinstance(r.when, str):
            out[i] = float(r.when)
    if naive_idx:
        strings = pd.Series([recs[i].when for i in naive_idx])
        parsed = pd.to_datetime(strings, format="%Y-%m-%d %H:%M:%S", errors="coerce")
        if parsed.isna().any():
            bad = naive_idx[int(np.flatnonzero(parsed.isna().to_numpy())[0])]
            raise DataError(
                source,
                f"无法解析的时间「{recs[bad].when}」。",
                f"unparseable time {recs[bad].when!r}",
                line=recs[bad].line,
            )
        local = parsed.dt.tz_localize(
            tz, ambiguous=np.ones(len(parsed), dtype=bool), nonexistent="shift_forward"
        )
        out[naive_idx] = (
            local.dt.tz_convert("UTC")
            .dt.tz_localize(None)
            .to_numpy()
            .astype("datetime64[ns]")
            .astype("int64")
            / 1e9
        )
    return out


def check_not_future(recs: list[Record], t: np.ndarray, now: pd.Timestamp | None, source: str) -> None:
    """Refuse a time over a day after ``now`` (default: the clock): a wrong ``--tz`` or a broken export."""
    now_s = (now or pd.Timestamp.now(tz="UTC")).timestamp()
    if (t > now_s + _FUTURE_SLACK).any():
        k = int(np.flatnonzero(t > now_s + _FUTURE_SLACK)[0])
        raise DataError(
            source,
            "时间在未来（晚于现在一天以上），请检查导出文件或 --tz。",
            "timestamp in the future; check the export or --tz",
            line=recs[k].line,
        )


def check_order(recs: list[Record], t: np.ndarray, source: str) -> np.ndarray:
    """The stable time order of ``recs``; a file whose times run backwards is refused."""
    if len(t) < 2:
        return np.arange(len(t))
    steps = np.diff(t)
    src = np.fromiter((r.src for r in recs), dtype="int64", count=len(recs))
    back = (steps < -BACKWARDS_SLACK) & (src[1:] == src[:-1])  # each file in order; files may overlap
    if back.any():
        k = int(np.flatnonzero(back)[0])
        before = pd.Timestamp(t[k], unit="s", tz="UTC").tz_convert(TIMEZONE)
        after = pd.Timestamp(t[k + 1], unit="s", tz="UTC").tz_convert(TIMEZONE)
        raise DataError(
            source,
            f"时间倒退：这一条（{after:%Y-%m-%d %H:%M:%S}）比上一条（第 {recs[k].line} 行，"
            f"{before:%Y-%m-%d %H:%M:%S}）早。"
            "导出文件的顺序被打乱、几个文件被拼在了一起，或导出时选了「新的在前」。"
            "请按时间从早到晚重新导出。",
            f"time runs backwards: {after.isoformat()} comes after {before.isoformat()} "
            f"(line {recs[k].line}); the export is out of order or several files were concatenated",
            line=recs[k + 1].line,
        )
    return np.argsort(t, kind="stable")


def isos(values) -> list[str]:
    """Epoch seconds → ISO 8601 in Beijing time with the offset written out (vectorised).

    Beijing has kept UTC+8 without daylight saving since 1991: from then on a fixed
    offset and numpy's formatting give the same text 5x faster than pandas' strftime.
    """
    arr = np.asarray(values, dtype="float64")
    if TIMEZONE == "Asia/Shanghai" and len(arr) and np.isfinite(arr).all() and arr.min() >= _NO_DST_SINCE:
        local = (np.floor(arr).astype("int64") + 8 * 3600).astype("datetime64[s]")
        return [s + "+08:00" for s in np.datetime_as_string(local, unit="s")]
    stamps = pd.to_datetime(arr * 1e9, utc=True).tz_convert(TIMEZONE)
    text = pd.Series(stamps.strftime("%Y-%m-%dT%H:%M:%S%z"), dtype=object)
    return (text.str[:-2] + ":" + text.str[-2:]).tolist()


def iso(value: float) -> str:
    """One epoch time as :func:`isos` writes it."""
    return isos([value])[0]
