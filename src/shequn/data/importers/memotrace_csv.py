"""WeChat chats exported as CSV by WeChatMsg / 留痕 MemoTrace (github.com/LC044/WeChatMsg).

``app/DataBase/exporter_csv.py`` (``CSVExporter.to_csv``) writes, UTF-8 with a
BOM, the header ``localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,
StrContent,StrTime,Remark,NickName,Sender``; rows of a group chat carry the
sender's remark, nickname and wxid in the last three columns, rows of a
private chat stop after ``StrTime`` (9 fields).  ``CreateTime`` is Unix
seconds (the zone is known).  ``Type`` is WeChat's message type code (1 text,
3 image, 34 voice, 43 video, 47 sticker, 48 location, 42 contact card, 49
app message with ``SubType`` 5 link, 6 file, 19 forwarded chat, 33/36 mini
program, 57 quote, 2000 transfer, 2001 red packet; 10000 system notice, 10002
system XML such as a recall).  App messages and system XML arrive as XML in
quoted, multi-line ``StrContent``.  System rows have no sender: their text
is a notice (``"张三"邀请"李四"加入了群聊``).

Not in the export: red-packet amounts, reply links (a quote carries no id
the kit can match), voluntary leaves, the group owner.
"""

from __future__ import annotations

import re
from pathlib import Path

from shequn.data.importers.common import URL, Conversation, DataError, Record, read_text
from shequn.data.importers.csv_rows import rows
from shequn.data.importers.notices import parse_notice

__all__ = ["parse", "looks_like", "COLUMNS"]

COLUMNS = [
    "localId",
    "TalkerId",
    "Type",
    "SubType",
    "IsSender",
    "CreateTime",
    "Status",
    "StrContent",
    "StrTime",
    "Remark",
    "NickName",
    "Sender",
]
_MEDIA = {"3", "34", "43", "47"}
_LINK = {"42", "48", "49"}
_PACKET = {("49", "2001"), ("436207665", "0"), ("436207665", "")}
_REPLACE = re.compile(r"<replacemsg>\s*<!\[CDATA\[(?P<t>.*?)\]\]>\s*</replacemsg>", re.S)


def looks_like(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip().replace('"', "")
    return first.split(",") == COLUMNS


def parse(path: Path, max_bytes: int, text: str | None = None) -> list[Conversation]:
    text = read_text(path, max_bytes) if text is None else text
    stem = re.sub(r"_utf8$", "", path.stem)
    conv = Conversation(key=f"memotrace:{stem}", name=stem, kind="private", sources=[str(path)])
    for line, row in rows(path, text, COLUMNS, "WeChatMsg / MemoTrace", allowed_widths=(9,)):
        mtype, sub, is_sender, created = row[2].strip(), row[3].strip(), row[4].strip(), row[5]
        content = row[7].replace("\r\n", "\n")
        if not created.strip().isdigit():
            raise DataError(
                path,
                f"CreateTime「{created[:30]}」不是 Unix 时间（秒）。",
                f"CreateTime {created[:30]!r} is not Unix seconds",
                line=line,
                column="CreateTime",
            )
        when = float(created)
        remark, nick, sender = (row[9:12] + ["", "", ""])[:3]
        if len(row) == len(COLUMNS) and sender:
            conv.kind = "group"
        if mtype == "10000":
            conv.records.append(parse_notice(content, when, line))
            continue
        if mtype == "10002":
            m = _REPLACE.search(content)
            conv.records.append(
                parse_notice(m.group("t"), when, line)
                if m and "revokemsg" in content
                else Record("other", when, line)
            )
            continue
        account = sender or ("self" if is_sender == "1" else (row[1].strip() or None))
        name = nick or remark or account
        if (mtype, sub) in _PACKET or mtype == "436207665":
            kind = "red_packet"
        elif mtype in _MEDIA:
            kind = "image"
        elif mtype in _LINK or URL.search(content):
            kind = "link"
        else:
            kind = "text"
        conv.records.append(
            Record(
                "message",
                when,
                line,
                account=account,
                name=name,
                msg_type=kind,
                length=len(content) if kind == "text" else 0,
                text=content,
                source_id=row[0].strip() or None,
            )
        )
    if not conv.records:
        raise DataError(path, "只有表头，没有消息。", "header only: no messages", line=2)
    return [conv]
