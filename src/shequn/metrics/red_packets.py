"""Red packets: quiet members (lurkers outside red-packet windows), a red packet's lift and its half-life."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shequn.metrics._columns import NAT, US_PER_HOUR, codes, message_counts, positions, us

__all__ = ["lift_half_life", "quiet_members", "red_packet_lift"]


def _packet_window_mask(messages: pd.DataFrame, red_packets: pd.DataFrame, hours: float) -> np.ndarray:
    """True for messages sent within ``hours`` after (or at) a red packet in the same group."""
    if red_packets.empty or messages.empty:
        return np.zeros(len(messages), dtype=bool)
    g_code, groups = codes(messages["group_id"])
    p_code = positions(red_packets["group_id"], pd.Series(groups))
    t_msg, t_pkt = us(messages["sent_at"]), us(red_packets["sent_at"])
    ok = (p_code >= 0) & (t_pkt != NAT)
    if not ok.any():
        return np.zeros(len(messages), dtype=bool)
    p_code, t_pkt = p_code[ok], t_pkt[ok]
    # One sortable key per (group, time): the packets' keys are sorted once and every
    # message finds the latest packet at or before it in its group by binary search.
    t0 = min(t_msg[t_msg != NAT].min(initial=t_pkt.min()), t_pkt.min())
    span = int(max(t_msg.max(), t_pkt.max()) - t0) + 1
    if span * (len(groups) + 1) < 2**62:
        key_pkt = np.sort(p_code * span + (t_pkt - t0))
        key_msg = g_code * span + (t_msg - t0)
        i = np.searchsorted(key_pkt, key_msg, side="right") - 1
        hit = i >= 0
        prev = key_pkt[np.maximum(i, 0)]
        same_group = hit & (prev // span == g_code)
        inside = same_group & (key_msg - prev <= hours * US_PER_HOUR)
        return inside & (g_code >= 0) & (t_msg != NAT)
    # Very long spans with many groups: fall back to an as-of merge.
    m = pd.DataFrame({"g": g_code, "t": t_msg, "row": np.arange(len(t_msg))}).sort_values("t")
    p = pd.DataFrame({"g": p_code, "tp": t_pkt}).sort_values("tp")
    joined = pd.merge_asof(m, p, left_on="t", right_on="tp", by="g", direction="backward")
    inside = ((joined["t"] - joined["tp"]) <= hours * US_PER_HOUR).to_numpy()
    mask = np.zeros(len(messages), dtype=bool)
    mask[joined["row"].to_numpy()[inside]] = True
    return mask


def quiet_members(
    members: pd.DataFrame,
    messages: pd.DataFrame,
    red_packets: pd.DataFrame,
    max_messages: int = 2,
    window_hours: float = 6,
) -> pd.Index:
    """Lurkers: members with at most ``max_messages`` messages outside red-packet windows.

    A red-packet window is the ``window_hours`` after a red packet, in the
    packet's group (the red-packet message itself is inside it).  Returns the
    ``member_id`` values in the order of ``members``.
    """
    outside = ~_packet_window_mask(messages, red_packets, window_hours)
    counts = message_counts(members, messages, outside)
    return pd.Index(
        members["member_id"].to_numpy()[counts <= max_messages],
        name="member_id",
        dtype=members["member_id"].dtype,
    )


def red_packet_lift(
    messages: pd.DataFrame,
    red_packets: pd.DataFrame,
    *,
    senders: pd.Index | None = None,
    before_hours: int = 24,
    after_hours: int = 48,
) -> pd.DataFrame:
    """Messages per hour around red packets, relative to the 24 hours before.

    For every red packet, count the group's messages (optionally only from
    ``senders``) in each clock hour from ``-before_hours`` to ``after_hours - 1``
    (hour 0 is the hour the packet was sent in), excluding the red-packet
    messages themselves.  Returns one row per hour offset (index ``offset``)
    with ``messages_per_packet`` (mean over packets) and ``lift`` (that mean
    divided by the mean over the hours before; NaN when that is 0).  Without
    red packets both columns are NaN.
    """
    offsets = np.arange(-before_hours, after_hours)
    index = pd.Index(offsets, name="offset")
    keep = (messages["type"] != "red_packet").to_numpy(dtype=bool, copy=True)
    if senders is not None:
        keep &= positions(messages["sender_id"], pd.Series(pd.unique(np.asarray(senders, dtype=object)))) >= 0
    g_code, groups = codes(messages["group_id"])
    p_code = positions(red_packets["group_id"], pd.Series(groups))
    t_pkt = us(red_packets["sent_at"])
    if not (t_pkt != NAT).any():
        return pd.DataFrame({"messages_per_packet": np.nan, "lift": np.nan}, index=index)
    p_code, hour_pkt = p_code[t_pkt != NAT], t_pkt[t_pkt != NAT] // US_PER_HOUR
    t_msg = us(messages["sent_at"])
    keep &= (g_code >= 0) & (t_msg != NAT)
    hour_msg = t_msg // US_PER_HOUR  # absolute clock hours (floor)
    # Messages per (group, hour), looked up for every (packet, offset) pair.
    base = min(hour_msg[keep].min(initial=hour_pkt.min()), hour_pkt.min()) - before_hours
    width = int(max(hour_msg[keep].max(initial=hour_pkt.max()), hour_pkt.max()) + after_hours - base) + 1
    counts = pd.Series(g_code[keep] * width + (hour_msg[keep] - base)).value_counts()
    grid = (p_code * width + (hour_pkt - base))[:, None] + offsets[None, :]
    n = counts.reindex(grid.ravel(), fill_value=0).to_numpy().reshape(grid.shape)
    n = np.where((p_code < 0)[:, None], 0, n)  # a packet in a group without messages
    curve = pd.DataFrame({"messages_per_packet": n.mean(axis=0)}, index=index)
    baseline = curve.loc[curve.index < 0, "messages_per_packet"].mean()
    curve["lift"] = curve["messages_per_packet"] / baseline if baseline > 0 else np.nan
    return curve


def lift_half_life(curve: pd.DataFrame) -> float:
    """Hours after the red packet until the excess lift first falls below half its peak.

    NaN when there is no excess after the packet (or no lift at all), ``inf``
    when the excess never falls below half its peak within the curve.
    """
    after = (curve.loc[curve.index >= 0, "lift"] - 1.0).dropna()
    if after.empty or after.max() <= 0:
        return float("nan")
    peak_at = after.idxmax()
    tail = after.loc[peak_at:]
    below = tail[tail < after.max() / 2]
    return float(below.index[0]) if len(below) else float("inf")
