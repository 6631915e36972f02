"""Concentration of participation: Gini coefficient and top share of messages per member, per group.

:func:`gini` and :func:`top_share` (one list of values) and :func:`participation`
(every group at once) share one implementation, :func:`_concentration`: values sorted
within each group by one ``lexsort`` and summed with ``bincount``, instead of a
``groupby().apply`` per group (see :mod:`shequn.metrics._columns` for why).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shequn.metrics._columns import codes, message_counts

__all__ = ["gini", "participation", "top_share"]


def _top_count(fraction: float, n):
    """``ceil(fraction * n)``, at least 1, without float noise (0.14 * 50 is 7.000000000000001: 7, not 8)."""
    return np.maximum(1, np.ceil(np.round(fraction * np.asarray(n, dtype=float), 9))).astype(np.int64)


def _concentration(
    group: np.ndarray, x: np.ndarray, n_groups: int, fraction: float = 0.1
) -> dict[str, np.ndarray]:
    """Per group ``0 .. n_groups-1`` of non-negative ``x``: size, total, Gini and top-``fraction`` share.

    Gini: ``sum_i (2i - n - 1) x_(i) / (n sum x)`` with ``x`` sorted ascending
    (``i = 1..n``); top share: the ``ceil(fraction * n)`` (at least one) largest
    values over the total.  Both are 0 for a group whose values sum to 0.
    """
    order = np.lexsort((x, group))  # by group, then ascending value
    g_sorted, x_sorted = group[order], x[order]
    size = np.bincount(g_sorted, minlength=n_groups)
    start = np.cumsum(size) - size
    rank = np.arange(len(x_sorted)) - start[g_sorted] + 1  # 1..n within the group
    total = np.bincount(g_sorted, weights=x_sorted, minlength=n_groups)
    weighted = np.bincount(g_sorted, weights=(2 * rank - size[g_sorted] - 1) * x_sorted, minlength=n_groups)
    top = rank > size[g_sorted] - _top_count(fraction, size)[g_sorted]
    top_total = np.bincount(g_sorted, weights=np.where(top, x_sorted, 0.0), minlength=n_groups)
    denominator = np.where(total > 0, total, 1.0)
    return {
        "size": size,
        "total": total,
        "gini": np.where(total > 0, weighted / (np.maximum(size, 1) * denominator), 0.0),
        "top_share": np.where(total > 0, top_total / denominator, 0.0),
    }


def gini(values) -> float:
    """Gini coefficient of non-negative values (0: equal, → 1: one member does everything).

    ``sum_i (2i - n - 1) x_(i) / (n sum x)`` with ``x`` sorted ascending
    (``i = 1..n``); e.g. ``[0, 0, 0, 10]`` gives 0.75 (= 1 - 1/n).
    """
    x = np.asarray(values, dtype=float).ravel()
    return float(_concentration(np.zeros(x.size, dtype=np.int64), x, 1)["gini"][0])


def top_share(values, fraction: float = 0.1) -> float:
    """Share of the total from the top ``fraction`` of members (``ceil(fraction * n)``, at least one)."""
    x = np.asarray(values, dtype=float).ravel()
    return float(_concentration(np.zeros(x.size, dtype=np.int64), x, 1, fraction)["top_share"][0])


def participation(members: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame:
    """Per group: members, messages, Gini of messages per member, top-10% share (members with 0 included).

    Index ``group_id`` (groups with at least one member, sorted); columns
    ``members``, ``messages`` (messages sent by those members), ``gini`` and
    ``top10_share`` -- :func:`gini` and :func:`top_share` of each group's
    messages per member.
    """
    g_code, groups = codes(members["group_id"])
    x = message_counts(members, messages).astype(float)
    known = g_code >= 0
    c = _concentration(g_code[known], x[known], len(groups), 0.1)
    out = pd.DataFrame(
        {
            "members": c["size"],
            "messages": c["total"].astype(np.int64),
            "gini": c["gini"],
            "top10_share": c["top_share"],
        },
        index=pd.Index(groups, name="group_id"),
    )
    return out[out["members"] > 0]
