"""Chinese system notices (灰条消息) of QQ and WeChat, turned into events.

QQ's text export, qq-chat-exporter's ``system`` messages and WeChat's
``系统消息`` rows all carry notices as sentences: ``"张三"邀请"李四"加入了群聊``,
``小李 退出了本群``, ``王五撤回了一条消息``, ``管理员将 小李 禁言10分钟``.  This
module reads the sentence and returns one event :class:`Record` (members are
named, sometimes with an account in brackets: ``小李(23456)``).  A notice it
does not recognise becomes an ``other`` event: never a member's message.
"""

from __future__ import annotations

import re

from shequn.data.importers.common import Record

__all__ = ["parse_notice"]

_QUOTES = str.maketrans("", "", "\"“”「」'‘’")
_ACCOUNT = re.compile(r"^(?P<name>.*?)\s*[(（](?P<id>\d{5,12}|[^()（）\s]+@[^()（）\s]+)[)）]$")
_N = r"(?P<{}>.+?)"
_PATTERNS = [  # (kind, regex); A = who did it, B = whom it concerns (may be a list joined by 、 or ，)
    (
        "join",
        re.compile(
            rf"^{_N.format('B')}\s*通过扫描\s*{_N.format('A')}\s*分享的二维码加入(?:了)?(?:本群|群聊|该群|讨论组)"
        ),
    ),
    ("join", re.compile(rf"^{_N.format('B')}\s*通过\s*{_N.format('A')}\s*(?:的|分享的)邀请.*?(?:加入|进入)")),
    (
        "join",
        re.compile(
            rf"^{_N.format('A')}\s*邀请\s*{_N.format('B')}\s*(?:加入了?|进入了?)(?:本群|群聊|该群|群)?[。.！!]?\s*$"
        ),
    ),
    ("join", re.compile(r"^欢迎\s*(?P<B>.+?)\s*(?:加入|进入)(?:了)?(?:本群|群聊|该群|讨论组)")),
    (
        "join",
        re.compile(rf"^{_N.format('B')}\s*(?:已经?|通过.*?)?(?:加入了?|进入了?)(?:本群|群聊|该群|讨论组)"),
    ),
    ("join", re.compile(rf"^{_N.format('B')}\s*(?:加入本群|入群了?)[。.！!]?\s*$")),
    (
        "leave",
        re.compile(rf"^{_N.format('A')}\s*将\s*{_N.format('B')}\s*(?:移出|踢出|请出)了?(?:本群|群聊|该群)?"),
    ),
    (
        "leave",
        re.compile(
            rf"^{_N.format('B')}\s*(?:已)?被\s*(?:{_N.format('A')}\s*)?(?:移出|踢出|请出)了?(?:本群|群聊|该群)?"
        ),
    ),
    ("leave", re.compile(rf"^{_N.format('B')}\s*(?:已经?)?(?:退出了?|离开了?)(?:本群|群聊|该群|群)")),
    ("recall", re.compile(rf"^{_N.format('A')}\s*撤回了(?:一条|\s*{_N.format('B')}\s*的)?(?:成员)?消息")),
    ("unmute", re.compile(rf"^(?:{_N.format('A')}\s*)?(?:解除|取消)了?\s*{_N.format('B')}\s*的?禁言")),
    (
        "unmute",
        re.compile(rf"^{_N.format('B')}\s*(?:被|已被)\s*(?:{_N.format('A')}\s*)?(?:解除|取消)了?禁言"),
    ),
    ("mute", re.compile(r"(?:开启|打开)了?全员禁言|全员禁言已开启")),
    ("unmute", re.compile(r"(?:关闭|解除)了?全员禁言")),
    ("mute", re.compile(rf"^{_N.format('B')}\s*(?:被|已被)\s*(?:{_N.format('A')}\s*)?禁言")),
    ("mute", re.compile(rf"^{_N.format('A')}\s*(?:将|把|对)\s*{_N.format('B')}\s*禁言")),
    ("mute", re.compile(rf"^{_N.format('A')}\s*禁言了\s*{_N.format('B')}(?:\s|\d|$)")),
    ("rename", re.compile(rf"^{_N.format('A')}\s*(?:修改|更改)了?群名(?:称)?为")),
    ("rename", re.compile(rf"^{_N.format('A')}\s*(?:修改了?(?:群)?名片|改名为)")),
    (
        "claim",
        re.compile(
            rf"^{_N.format('A')}\s*领取了\s*{_N.format('B')}\s*(?:发)?的(?:拼手气|普通|口令|专属)?红包"
        ),
    ),
    ("pin", re.compile(rf"^{_N.format('A')}\s*(?:置顶了|设置了?群公告|发布了?群公告)")),
]
_SELF = {"你", "您", "我"}


def _person(text: str | None) -> tuple[str | None, str | None] | None:
    """``小李(23456)`` → ("23456", "小李"); ``小李`` → (None, "小李"); "你" → None (the exporter: unknown)."""
    if not text:
        return None
    text = text.strip().strip("，,。.:：")
    if not text or text in _SELF or text in {"管理员", "群主", "系统"}:
        return None
    m = _ACCOUNT.match(text)
    if m and m.group("name"):
        return m.group("id"), m.group("name").strip()
    return None, text


def _people(text: str | None) -> tuple:
    if not text:
        return ()
    out = []
    for part in re.split(r"[、，,]|\s和\s", text):
        person = _person(part)
        if person:
            out.append(person)
    return tuple(out)


def parse_notice(text: str, when: float | str, line: int) -> Record:
    """One notice sentence → one event record (kind ``other`` when not recognised)."""
    plain = " ".join(text.translate(_QUOTES).split())
    for kind, pattern in _PATTERNS:
        m = pattern.search(plain)
        if not m:
            continue
        groups = m.groupdict()
        actor = _person(groups.get("A"))
        targets = _people(groups.get("B"))
        if kind in ("join", "leave") and not targets:
            continue
        inviting = kind == "join" and ("邀请" in plain or "二维码" in plain) and not plain.startswith("欢迎")
        method = "invite" if inviting else None
        account, name = actor if actor else (None, None)
        if kind == "recall" and not targets and actor:
            targets = (actor,)
        return Record(kind, when, line, account=account, name=name, targets=targets, method=method)
    return Record("other", when, line)
