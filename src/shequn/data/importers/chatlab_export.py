"""The kit's tables → one ChatLab Standard Format JSON file (``shequn data export DIR --format chatlab``).

So a learner can open an imported group in other tools that read ChatLab's
exchange format (spec v0.0.2: hellodigua/ChatLab ``docs/cn/chatlab-format.md``;
written from the documentation only).  Names are what the tables hold: an
import pseudonymises them, so the export is pseudonymised too.  Text goes into
``content`` only when the folder has ``message_texts.csv`` (``--keep-text``);
otherwise ``content`` is ``null``, as the spec allows for non-text messages.

What the spec has no field for (join times and methods, leaves, text length,
red-packet amounts, shares and claims) is written under ``_shequn`` keys, which
:mod:`~shequn.data.importers.chatlab` reads back: export → import gives the
same tables.  The file is written to a temporary name and renamed: all or nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from shequn.data.errors import DataError
from shequn.data.importers.output import TEXTS_FILE
from shequn.data.load import load_dataset

__all__ = ["export_chatlab", "SPEC_VERSION"]

SPEC_VERSION = "0.0.2"
_CODES = {"text": 0, "image": 1, "link": 7, "red_packet": 20}


def _epoch(values: pd.Series) -> list:
    return [None if pd.isna(v) else int(v.timestamp()) for v in values]


def export_chatlab(folder: str | Path, out: str | Path | None = None, group_id: str | None = None) -> Path:
    """Write ``folder``'s tables (one group) as ChatLab JSON; returns the file written."""
    folder = Path(folder)
    ds = load_dataset(folder)
    gids = ds.groups["group_id"].tolist()
    if group_id is None and len(gids) != 1:
        raise DataError(
            folder,
            f"文件夹里有 {len(gids)} 个群，请用 --group-id 选一个：{', '.join(gids[:20])}",
            f"{len(gids)} groups in the folder; pick one with --group-id",
        )
    gid = group_id or gids[0]
    if gid not in gids:
        raise DataError(folder, f"没有 group_id 为「{gid}」的群。", f"no group with group_id {gid!r}")
    group = ds.groups.set_index("group_id").loc[gid]
    members = ds.members[ds.members["group_id"] == gid]
    msgs = ds.messages[ds.messages["group_id"] == gid]
    packets = ds.red_packets[ds.red_packets["group_id"] == gid].set_index("message_id")
    texts = {}
    if (folder / TEXTS_FILE).exists():
        t = pd.read_csv(folder / TEXTS_FILE, dtype=str, keep_default_na=False)
        texts = dict(zip(t["message_id"], t["text"], strict=True))
    nick = dict(zip(members["member_id"], members["nickname"], strict=True))
    owner = group.get("owner_id") if isinstance(group.get("owner_id"), str) else ""
    joined, left = _epoch(members["joined_at"]), _epoch(members["left_at"])
    out_members = []
    for k, m in enumerate(members.itertuples(index=False)):
        extra = {"joined_at": joined[k], "join_method": m.join_method}
        if isinstance(m.invited_by, str) and m.invited_by:
            extra["invited_by"] = m.invited_by
        if left[k] is not None:
            extra["left_at"] = left[k]
        entry = {"platformId": m.member_id, "accountName": m.nickname, "_shequn": extra}
        if m.member_id == owner:
            entry["roles"] = [{"id": "owner"}]
        out_members.append(entry)
    out_messages = []
    sent = _epoch(msgs["sent_at"])
    for k, m in enumerate(msgs.itertuples(index=False)):
        extra = {"length": int(m.length)} if m.type == "text" else {}
        if isinstance(m.mention_id, str) and m.mention_id:
            extra["mention"] = m.mention_id
        if m.message_id in packets.index:
            p = packets.loc[m.message_id]
            extra.update(
                amount_yuan=float(p["amount_yuan"]), shares=int(p["shares"]), claimed=int(p["claimed"])
            )
        entry = {
            "platformMessageId": m.message_id,
            "sender": m.sender_id,
            "accountName": nick.get(m.sender_id, ""),
            "timestamp": sent[k],
            "type": _CODES.get(m.type, 99),
            "content": texts.get(m.message_id),
        }
        if isinstance(m.reply_to, str) and m.reply_to:
            entry["replyToMessageId"] = m.reply_to
        if extra:
            entry["_shequn"] = extra
        out_messages.append(entry)
    doc = {
        "chatlab": {
            "version": SPEC_VERSION,
            "exportedAt": int(time.time()),
            "generator": "shequn data export",
        },
        "meta": {
            "name": str(group["name"]),
            "platform": "shequn",
            "type": "group",
            "groupId": gid,
            **({"ownerId": owner} if owner else {}),
        },
        "members": out_members,
        "messages": out_messages,
    }
    out = Path(out) if out is not None else folder / f"{gid}.chatlab.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}-", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(
                doc,
                fh,
                ensure_ascii=False,
                indent=1,
                default=lambda o: o.item() if isinstance(o, np.generic) else str(o),
            )
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out
