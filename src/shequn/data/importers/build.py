"""One conversation's records → the kit's four tables (plus events), pseudonymised.

Rules (the datasheet, section 9.6, says the same in Chinese):

* time: a record's unixtime/offset wins; naive times are read in ``--tz``.  A
  file whose times run backwards (by more than ``BACKWARDS_SLACK``, e.g. shuffled,
  concatenated or written newest-first) is refused: silently re-sorting could hide
  a broken export.
* identity: one member per account id (per nickname in exports without ids);
  a notice that names a nickname is resolved to the account that held it at
  that moment (:mod:`~shequn.data.importers.identity`; titles such as
  ``【群主】`` stripped); an unresolved nickname stays on the event and makes no
  member.  Records that another input file already holds are merged
  (:mod:`~shequn.data.importers.dedupe`).
* membership: a join event opens it (``invite`` when someone invited them,
  ``founder`` for the creator), a leave closes it (``left_at``) unless the member
  is active again later.  Members are visible from their join even if they never
  post (lurkers).  Without a join event, ``joined_at`` is when the member is
  first seen and ``join_method`` is ``unknown``.
* messages: only members' messages; notices are events (``events.csv``).
  Recalled messages are events too.  Red packets reach ``red_packets.csv`` when
  the export gives their amount and shares.
* privacy: nicknames become ``成员-<8 hex>`` (HMAC-SHA256 of the account with a
  per-import random salt) unless ``keep_names``; message text is kept only with
  ``keep_text`` (as ``message_texts.csv``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from shequn.data.importers.common import Conversation, DataError, strip_titles
from shequn.data.importers.dedupe import dedupe
from shequn.data.importers.identity import Identities, sender_key
from shequn.data.importers.mentions import mention_finder
from shequn.data.importers.timeline import BACKWARDS_SLACK, check_not_future, check_order, epochs, iso, isos
from shequn.data.schema import TABLES, TIMEZONE

__all__ = ["Settings", "Built", "build", "BACKWARDS_SLACK"]

NAME_ONLY_WARNING = (
    "这个导出没有账号（QQ 号），成员按昵称区分：改过昵称的人会被算成两个人，改名无法追踪。"
    " / no account ids in this export: members are told apart by nickname, so renames cannot be "
    "followed (a renamed person counts twice)"
)


@dataclass
class Settings:
    tz: str = TIMEZONE
    keep_names: bool = False
    keep_text: bool = False
    salt: bytes = b""
    group_id: str = "g001"
    now: pd.Timestamp | None = None


@dataclass
class Built:
    tables: dict[str, pd.DataFrame]
    events: pd.DataFrame
    texts: pd.DataFrame | None
    summary: dict = field(default_factory=dict)


def _pseudonym(salt: bytes, ident: str) -> str:
    return "成员-" + hmac.new(salt, ident.encode("utf-8"), hashlib.sha256).hexdigest()[:8]


class _Members:
    """Membership state of each identity, in time order."""

    def __init__(self) -> None:
        self.state: dict[str, dict] = {}

    def touch(self, ident: str, t: float, name: str | None) -> dict:
        s = self.state.get(ident)
        if s is None:
            s = self.state[ident] = {
                "first": t,
                "join": None,
                "method": "unknown",
                "inviter": None,
                "left": None,
                "name": None,
                "messages": 0,
                "rejoins": 0,
            }
        if name and strip_titles(name):
            s["name"] = strip_titles(name)
        return s


def build(conv: Conversation, settings: Settings, source: str) -> Built:
    """Turn one conversation into the four tables (CSV-ready strings) and an events table."""
    recs = conv.records
    if not any(r.kind == "message" for r in recs):
        raise DataError(
            source,
            f"「{conv.name}」里没有任何成员的消息（只有系统通知），无法生成表格。",
            f"conversation {conv.name!r} holds no member messages (only notices)",
        )
    t = epochs(conv, settings.tz, source)
    check_not_future(recs, t, settings.now, source)
    order = check_order(recs, t, source)
    recs, t, merged = dedupe([recs[i] for i in order], t[order])
    ids = Identities(recs, t)
    mem = _Members()
    gid = settings.group_id
    msgs, events, claims = [], [], []
    unresolved: Counter = Counter()
    for r, when in zip(recs, t, strict=True):
        if r.kind == "message":
            actor = sender_key(r.account, r.name)
            if actor is None:
                continue
            s = mem.touch(actor, when, r.name)
            s["messages"] += 1
            if s["left"] is not None:
                s["left"], s["rejoins"] = None, s["rejoins"] + 1
            msgs.append((r, when, actor))
            continue
        if r.kind == "present":  # a member the export lists (ChatLab members): no event, no join
            for a, n in r.targets:
                listed = sender_key(a, n)
                if listed is not None:  # neither an account nor a name: nobody to list
                    mem.touch(listed, when, n)
            continue
        actor, actor_nick = ids.resolve(r.account, r.name, when)
        if actor is not None:
            mem.touch(actor, when, r.name)
        named = [(ids.resolve(a, n, when), n) for a, n in r.targets]
        targets = [(k, n) for (k, _), n in named if k is not None]
        lost = [nick for (k, nick), _ in named if k is None and nick]
        if not named and actor is not None and r.kind in ("join", "leave"):
            targets = [(actor, r.name)]
        unresolved.update([actor_nick] * bool(actor_nick) + lost)
        for target, tname in targets:
            s = mem.touch(target, when, tname)
            if r.kind == "join":
                if s["join"] is None and s["first"] >= when:
                    s["join"] = when
                    if r.method == "founder":
                        s["method"] = "founder"
                    elif actor is not None and actor != target:
                        s["method"], s["inviter"] = "invite", actor
                    elif r.method == "invite":  # invited by someone the export does not name (e.g. "你邀请…")
                        s["method"] = "invite"
                elif s["left"] is not None:
                    s["rejoins"] += 1
                s["left"] = None
            elif r.kind == "leave":
                s["left"] = when
        if r.kind == "claim" and targets:
            claims.append((targets[0][0], when))
        events.append(
            (r.kind, when, actor, targets[0][0] if targets else None, actor_nick, lost[0] if lost else None)
        )

    idents = sorted(mem.state, key=lambda k: (min(mem.state[k]["first"], mem.state[k]["join"] or np.inf), k))
    member_id = {k: f"{gid}-m{i + 1:05d}" for i, k in enumerate(idents)}

    members = pd.DataFrame(
        {
            "member_id": [member_id[k] for k in idents],
            "group_id": gid,
            "nickname": [
                (mem.state[k]["name"] or k[2:]) if settings.keep_names else _pseudonym(settings.salt, k)
                for k in idents
            ],
            "joined_at": isos([min(mem.state[k]["first"], mem.state[k]["join"] or np.inf) for k in idents]),
            "join_method": [mem.state[k]["method"] for k in idents],
            "invited_by": [member_id.get(mem.state[k]["inviter"], "") for k in idents],
            "left_at": [
                iso(mem.state[k]["left"]) if mem.state[k]["left"] is not None else "" for k in idents
            ],
        }
    )

    text_mention = mention_finder(mem.state, ids.by_name)

    message_ids, source_map = [], {}
    rows: dict[str, list[Any]] = {
        c: [] for c in ("sender_id", "sent_at", "type", "length", "reply_to", "mention_id")
    }
    texts = []
    for i, (r, when, actor) in enumerate(msgs):
        mid = f"{gid}-x{i + 1:07d}"
        message_ids.append(mid)
        if r.source_id is not None:
            source_map[r.source_id] = mid
        mention = None
        for m in r.mentions:
            cand = ids.resolve(m[0], m[1], when)[0] if isinstance(m, tuple) else "a:" + m
            if cand in member_id:
                mention = cand
                break
        if mention is None and "@" in r.text:
            mention = text_mention(r.text)
        rows["sender_id"].append(member_id[actor])
        rows["sent_at"].append(when)
        rows["type"].append(r.msg_type)
        rows["length"].append(r.length if r.msg_type == "text" else 0)
        rows["reply_to"].append(r.reply_to)
        rows["mention_id"].append(member_id.get(mention, "") if mention else "")
        texts.append(r.text)
    rows["sent_at"] = isos(rows["sent_at"]) if msgs else []
    rows["reply_to"] = [source_map.get(x, "") if x is not None else "" for x in rows["reply_to"]]
    rows["reply_to"] = [
        x if x and x < mid_ else "" for x, mid_ in zip(rows["reply_to"], message_ids, strict=True)
    ]
    messages = pd.DataFrame({"message_id": message_ids, "group_id": gid, **rows})

    packets = []
    claimed_by_sender: Counter[int] = Counter()
    for i, (r, when, actor) in enumerate(msgs):
        if r.msg_type == "red_packet" and r.amount and r.amount >= 0.01 and r.shares and r.shares >= 1:
            packets.append(
                {
                    "i": i,
                    "actor": actor,
                    "when": when,
                    "amount": r.amount,
                    "shares": int(r.shares),
                    "claimed": r.claimed,
                }
            )
    for target, when in claims:  # a claim notice counts for the latest earlier packet of that sender
        earlier = [p for p in packets if p["actor"] == target and p["when"] <= when]
        if earlier and earlier[-1]["claimed"] is None:
            claimed_by_sender[id(earlier[-1])] += 1
    red = pd.DataFrame(
        {
            "red_packet_id": [f"{gid}-r{j + 1:05d}" for j in range(len(packets))],
            "message_id": [message_ids[p["i"]] for p in packets],
            "group_id": gid,
            "sender_id": [member_id[p["actor"]] for p in packets],
            "sent_at": [iso(p["when"]) for p in packets],
            "amount_yuan": [round(float(p["amount"]), 2) for p in packets],
            "shares": [p["shares"] for p in packets],
            "claimed": [
                min(p["shares"], p["claimed"] if p["claimed"] is not None else claimed_by_sender[id(p)])
                for p in packets
            ],
        },
        columns=TABLES["red_packets"].column_names,
    )

    owner = member_id.get("a:" + conv.owner_account, "") if conv.owner_account else ""
    founders = [member_id[k] for k in idents if mem.state[k]["method"] == "founder"]
    groups = pd.DataFrame(
        {
            "group_id": [gid],
            "name": [conv.name or gid],
            "created_at": [
                iso(min(t.min(), *(min(s["first"], s["join"] or np.inf) for s in mem.state.values())))
            ],
            "threshold": ["unknown"],
            "fee_yuan": [0.0],
            "topology": ["unknown"],
            "owner_id": [owner or (founders[0] if len(founders) == 1 else "")],
        }
    )

    def nick(name: str | None) -> str:
        """An unresolved nickname as the event keeps it (pseudonymised like members' names)."""
        if not name:
            return ""
        return name if settings.keep_names else _pseudonym(settings.salt, "n:" + name)

    ev = pd.DataFrame(
        {
            "event_id": [f"{gid}-e{j + 1:06d}" for j in range(len(events))],
            "group_id": gid,
            "occurred_at": isos([e[1] for e in events]) if events else [],
            "kind": [e[0] for e in events],
            "actor_id": [member_id.get(e[2], "") if e[2] else "" for e in events],
            "target_id": [member_id.get(e[3], "") if e[3] else "" for e in events],
            "actor_unresolved": [nick(e[4]) for e in events],
            "target_unresolved": [nick(e[5]) for e in events],
        }
    )
    text_table = pd.DataFrame({"message_id": message_ids, "text": texts}) if settings.keep_text else None

    n_messages = Counter(rows["type"])
    per_member = Counter(rows["sender_id"])
    summary = {
        "members": len(members),
        "lurkers": int(sum(per_member[m] == 0 for m in members["member_id"])),
        "messages": len(messages),
        "messages_by_type": dict(n_messages),
        "joins": int(sum(1 for e in events if e[0] == "join")),
        "leaves": int(sum(1 for e in events if e[0] == "leave")),
        "left_members": int((members["left_at"] != "").sum()),
        "events_by_kind": dict(Counter(e[0] for e in events)),
        "red_packet_messages": n_messages.get("red_packet", 0),
        "red_packets": len(red),
        "members_without_join_event": int(sum(mem.state[k]["join"] is None for k in idents)),
        "rejoins": int(sum(s["rejoins"] for s in mem.state.values())),
        "unresolved_actors": len(unresolved),
        "unresolved_mentions_in_events": int(sum(unresolved.values())),
        "merged_duplicates": merged,
        "warnings": ([NAME_ONLY_WARNING] if any(k.startswith("n:") for k in idents) else []),
    }
    return Built(
        {"groups": groups, "members": members, "messages": messages, "red_packets": red},
        ev,
        text_table,
        summary,
    )
