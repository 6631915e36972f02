"""Which export is this file?  Decided from its content, never from its name.

Supported formats are recognised by their structure; a few common unsupported
ones are named so the message can say what the file looks like and how to get
a supported export instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from shequn.data.importers import discord, qq_json, qq_text, telegram, wechat_csv
from shequn.data.importers.common import DataError

__all__ = ["FORMATS", "detect_text", "detect_json", "is_json", "unsupported", "SUPPORTED_LINE", "sniff_binary"]

FORMATS = {  # name: (description zh, description en, how to get it)
    "qq-text": ("QQ 消息管理器导出的文本（.txt）", "legacy QQ 消息管理器 text export (.txt)",
                "QQ 电脑版（旧版）：消息管理器 → 右键群 → 导出消息记录 → 文本文件 (*.txt)"),
    "qq-json": ("qq-chat-exporter 导出的 QQ NT JSON", "qq-chat-exporter JSON (QQ NT)",
                "github.com/shuakami/qq-chat-exporter：选择群 → 导出格式 JSON"),
    # No decryptor is recommended: WeChat has no lawful bulk export (see book/reference/import_your_group.md).
    "wechat-csv": ("微信群记录 CSV（列名 Time,SenderName,Sender,TalkerName,Talker,Content）", "WeChat group CSV",
                   "微信没有课程认可的批量导出方式：用经成员同意的记录机器人或手工记录，整理成这些列名的 CSV"),
    "telegram": ("Telegram Desktop 导出的 result.json", "Telegram Desktop result.json",
                 "Telegram Desktop：群的菜单 → Export chat history → Format: Machine-readable JSON"),
    "discord": ("DiscordChatExporter 导出的 JSON", "DiscordChatExporter JSON",
                "DiscordChatExporter：选择频道 → Export format: JSON"),
}
SUPPORTED_LINE = "支持的格式 (supported): " + "；".join(f"{k}（{v[1]}）" for k, v in FORMATS.items())

_KNOWN_CSV = [  # (header columns that identify it, zh, en, how to get a supported export)
    ({"localId", "TalkerId", "IsSender", "StrContent"}, "看起来是 WeChatMsg（留痕 / MemoTrace）导出的微信 CSV",
     "looks like a WeChatMsg (MemoTrace) CSV export", "wechat-csv"),
    ({"AuthorID", "Author", "Date", "Content", "Attachments"}, "看起来是 DiscordChatExporter 导出的 CSV",
     "looks like a DiscordChatExporter CSV export", "discord"),
    ({"group_id", "name", "created_at"}, "这已经是本课程的 groups.csv 表格", "this is already one of the kit's tables", None),
    ({"message_id", "group_id", "sender_id", "sent_at"}, "这已经是本课程的 messages.csv 表格",
     "this is already one of the kit's tables", None),
    ({"member_id", "group_id", "nickname"}, "这已经是本课程的 members.csv 表格", "this is already one of the kit's tables",
     None),
]


def _advice(fmt: str | None) -> tuple[str, str]:
    if fmt is None:
        return ("请直接用 load_dataset(文件夹) 读取，或用 shequn data validate 检查。",
                "load it with load_dataset(folder) or check it with `shequn data validate`.")
    zh, en, how = FORMATS[fmt]
    return f"请改用{zh}：{how}。", f"export it as {en} instead: {how}."


def unsupported(path: Path, zh: str, en: str, fmt: str | None = "") -> DataError:
    adv_zh, adv_en = _advice(fmt) if fmt != "" else ("请用支持的导出工具重新导出（见 shequn data import --format list）。",
                                                    "re-export with a supported tool (see --format list).")
    return DataError(path, f"{zh}，不是支持的导出格式。{adv_zh}\n  {SUPPORTED_LINE}", f"{en}; not a supported export. {adv_en}")


def sniff_binary(path: Path, head: bytes) -> None:
    if head.startswith(b"SQLite format 3"):
        raise unsupported(path, "这是 SQLite 数据库（例如微信或 QQ 的本地数据库），不是导出文件",
                          "this is an SQLite database (e.g. a WeChat or QQ local database), not an export")
    if head.startswith(b"PK\x03\x04"):
        raise unsupported(path, "这是 zip 压缩包或 Excel（.xlsx）文件", "this is a zip archive or an Excel (.xlsx) file")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise unsupported(path, "这是旧版 Office 文件（.xls/.doc）", "this is an old Office file (.xls/.doc)")
    if head[:4] in (b"\x89PNG", b"GIF8") or head[:3] == b"\xff\xd8\xff" or head.startswith(b"%PDF"):
        raise unsupported(path, "这是图片或 PDF 文件", "this is an image or a PDF")


def detect_text(path: Path, text: str) -> str:
    head = text[:20000].lstrip("\ufeff")
    stripped = head.lstrip()
    if wechat_csv.looks_like(head):
        return "wechat-csv"
    low = stripped[:2000].lower()
    if low.startswith(("<!doctype html", "<html")) or "<html" in low[:500]:
        raise unsupported(path, "这是 HTML 网页格式的导出（Telegram、QQ、DiscordChatExporter 都能导出 HTML）",
                          "this is an HTML export (Telegram, QQ and DiscordChatExporter can all write HTML)", "")
    if low.startswith("mime-version") or "content-type: multipart/related" in low:
        raise unsupported(path, "这是 QQ 消息管理器导出的 MHT 网页文件", "this is an MHT export of QQ 消息管理器", "qq-text")
    first = stripped.split("\n", 1)[0].strip().lstrip("\ufeff")
    columns = {c.strip().strip('"') for c in first.split(",")} if "," in first else set()
    for needed, zh, en, fmt in _KNOWN_CSV:
        if needed <= columns:
            raise unsupported(path, zh, en, fmt)
    if qq_text.looks_like(head):
        return "qq-text"
    if re.search(r"^\[?\d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d{2}", stripped, re.M):
        raise unsupported(path, "看起来是 WhatsApp 导出的聊天文本", "looks like a WhatsApp chat export", "")
    if columns:
        raise unsupported(path, f"这是一个 CSV 文件（表头：{first[:80]}），但不是 chatlog 的 CSV",
                          f"a CSV file (header {first[:80]!r}) but not a chatlog CSV", "wechat-csv")
    raise unsupported(path, "无法识别这个文本文件（既不是 QQ 文本导出，也不是 chatlog CSV）",
                      "unrecognised text file (neither a QQ text export nor a chatlog CSV)", "")


def detect_json(path: Path, root) -> str:
    if discord.looks_like(root):
        return "discord"
    if qq_json.looks_like(root):
        return "qq-json"
    if telegram.looks_like(root):
        return "telegram"
    first = root[0] if isinstance(root, list) and root and isinstance(root[0], dict) else {}
    if {"talker", "sender", "time", "content"} <= set(first):
        raise unsupported(path, "看起来是 chatlog 的 JSON 输出", "looks like chatlog's JSON output", "wechat-csv")
    if isinstance(root, dict) and "chatlab" in root:
        raise unsupported(path, "看起来是 ChatLab 格式的 JSON", "looks like a ChatLab-format JSON", "")
    if isinstance(root, dict) and ("manifest" in str(root.get("metadata", "")).lower() or "chunked" in root):
        raise unsupported(path, "看起来是 qq-chat-exporter 的分块导出清单（manifest.json）",
                          "looks like a qq-chat-exporter chunked manifest (manifest.json)", "qq-json")
    keys = ", ".join(list(root)[:8]) if isinstance(root, dict) else f"list of {len(root)}"
    raise unsupported(path, f"无法识别这个 JSON 文件（顶层：{keys}）", f"unrecognised JSON (top level: {keys})", "")


def is_json(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")

