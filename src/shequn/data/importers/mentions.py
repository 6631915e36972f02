"""Mentions written in a message's text: the member an ``@name`` names, when nothing else says.

An export's own mention field wins (:func:`~shequn.data.importers.build.build`); otherwise the
longest known, title-stripped name right after an ``@`` that belongs to exactly one member.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from shequn.data.importers.common import strip_titles

__all__ = ["mention_finder"]


def mention_finder(state: dict[str, dict], by_name: dict[str, set[str]]) -> Callable[[str], str | None]:
    """``text -> identity`` of the member an ``@name`` in it names (``None``: nobody, or ambiguous).

    ``state``: each identity's membership state (its ``name``); ``by_name``: the identities that
    held each nickname (:class:`~shequn.data.importers.identity.Identities`).
    """
    holders: dict[str, set[str]] = {}
    for k, s in state.items():
        for n in {s["name"], k[2:] if k.startswith("n:") else None} - {None}:
            holders.setdefault(n, set()).add(k)
    for n, keys in by_name.items():
        holders.setdefault(n, set()).update(k for k in keys if k in state)
    names = {n: next(iter(v)) for n, v in holders.items() if len(v) == 1 and n}
    by_first: dict[str, list[str]] = defaultdict(list)
    for n in sorted(names, key=len, reverse=True):
        by_first[n[0]].append(n)

    def text_mention(text: str) -> str | None:
        at = text.find("@")
        while at != -1:
            rest = strip_titles(text[at + 1 : at + 80]) if text[at + 1 : at + 2] == "【" else text[at + 1 :]
            for n in by_first.get(rest[:1], ()):
                if rest.startswith(n):
                    return names[n]
            at = text.find("@", at + 1)
        return None

    return text_mention
