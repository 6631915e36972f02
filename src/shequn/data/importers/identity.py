"""Who is a notice about?  Nicknames resolved to accounts at the moment of the notice.

A notice names a nickname, not an account (「小王撤回了一条消息」, 「郭晓燕加入本群。」).
Rules (issue 26; the datasheet, section 9.6, says the same in Chinese):

* a nickname is resolved to the account that held it at that moment, when
  exactly one did; "held" = the name the account was last seen under at or
  before that time (senders, and people a notice names with their account).
  Renames are therefore followed: after an account is seen under a new name,
  the old name no longer points to it.
* when no account held it, an account first seen *later* under that name is
  the one meant (a join, then that person's first post), when exactly one is.
* otherwise (none, or several) the nickname stays an *unresolved actor*: the
  event keeps it, and no member is made for it (no phantom members).

In exports without account ids (QQ 讨论组 text, qq-chat-exporter TXT) the
nickname is the identity (``n:<name>``): renames cannot be followed there, and
the import summary says so.

Hand-written: this is the kit's own rule about identity; no library decides it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict

from shequn.data.importers.common import Record, strip_titles

__all__ = ["Identities", "sender_key"]


def sender_key(account: str | None, name: str | None) -> str | None:
    """A message's sender: its account, or (name-only exports) its nickname."""
    if account:
        return "a:" + account
    clean = strip_titles(name or "")
    return "n:" + clean if clean else None


class Identities:
    """The nickname each identity held over time, built from records sorted by time ``t``."""

    def __init__(self, recs: list[Record], t):
        seen: dict[str, list[tuple[float, str]]] = defaultdict(list)
        self.by_name: dict[str, set[str]] = defaultdict(set)
        for r, when in zip(recs, t, strict=True):
            pairs = []
            if r.kind == "message":
                pairs.append((r.account, r.name))
            elif r.account and r.name:
                pairs.append((r.account, r.name))
            pairs += [p for p in r.targets if p[0]]
            pairs += [m for m in r.mentions if isinstance(m, tuple) and m[0] and m[1]]
            for acc, name in pairs:
                key = sender_key(acc, name)
                clean = strip_titles(name or "")
                if key is None or not clean:
                    continue
                obs = seen[key]
                if not obs or obs[-1][1] != clean:
                    obs.append((float(when), clean))
                self.by_name[clean].add(key)
        self.times = {k: [o[0] for o in v] for k, v in seen.items()}
        self.names = {k: [o[1] for o in v] for k, v in seen.items()}
        self.renamed = {k for k, v in self.names.items() if len(set(v)) > 1}

    def name_at(self, key: str, when: float) -> str | None:
        i = bisect_right(self.times.get(key, []), when)
        return self.names[key][i - 1] if i else None

    def resolve(self, account: str | None, name: str | None, when: float) -> tuple[str | None, str | None]:
        """(identity, None) if resolved; (None, nickname) if unresolved; (None, None) if nobody is named."""
        if account:
            return "a:" + account, None
        clean = strip_titles(name or "")
        if not clean:
            return None, None
        candidates = self.by_name.get(clean, ())
        now = [k for k in candidates if self.name_at(k, when) == clean]
        if len(now) == 1:
            return now[0], None
        if now:
            return None, clean
        later = [k for k in candidates if self.times[k][0] > when and self.names[k][0] == clean]
        if len(later) == 1:
            return later[0], None
        return None, clean
