"""Which export is this file?  Decided from its content, never from its name.

Supported formats are recognised by their structure; a few common unsupported
ones are named so the message can say what the file looks like and how to get
a supported export instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from shequn.data.importers import (
    chatlab,
    discord,
    discord_csv,
    memotrace_csv,
    qce_jsonl,
    qce_text,
    qq_json,
    qq_text,
    telegram,
    wechat_csv,
)
from shequn.data.importers.common import DataError
from shequn.data.importers.formats import FORMATS

__all__ = [
    "FORMATS",
    "detect_text",
    "detect_json",
    "is_json",
    "unsupported",
    "SUPPORTED_LINE",
    "sniff_binary",
]

SUPPORTED_LINE = "支持的格式 (supported): " + "；".join(f"{k}（{v.en}）" for k, v in FORMATS.items())

_KNOWN_CSV = [  # (header columns that identify it, zh, en, how to get a supported export)
    (
        {"localId", "TalkerId", "IsSender", "StrContent"},
        "看起来是 WeChatMsg（留痕 / MemoTrace）导出的微信 CSV，但列不全或被改过",
        "looks like a WeChatMsg (MemoTrace) CSV export, but its columns are not the exporter's",
        "memotrace-csv",
    ),
    (
        {"AuthorID", "Author", "Date", "Content"},
        "看起来是 DiscordChatExporter 导出的 CSV，但列不全或被改过",
        "looks like a DiscordChatExporter CSV export, but its columns are not the exporter's",
        "discord-csv",
    ),
    (
        {"Time", "SenderName", "Sender", "Content"},
        "看起来是 chatlog 导出的微信 CSV，但列不全或被改过",
        "looks like a chatlog CSV, but its columns are not the exporter's",
        "wechat-csv",
    ),
    (
        {"group_id", "name", "created_at"},
        "这已经是本课程的 groups.csv 表格",
        "this is already one of the kit's tables",
        None,
    ),
    (
        {"message_id", "group_id", "sender_id", "sent_at"},
        "这已经是本课程的 messages.csv 表格",
        "this is already one of the kit's tables",
        None,
    ),
    (
        {"member_id", "group_id", "nickname"},
        "这已经是本课程的 members.csv 表格",
        "this is already one of the kit's tables",
        None,
    ),
]


def _advice(fmt: str | None) -> tuple[str, str]:
    if fmt is None:
        return (
            "请直接用 load_dataset(文件夹) 读取，或用 shequn data validate 检查。",
            "load it with load_dataset(folder) or check it with `shequn data validate`.",
        )
    f = FORMATS[fmt]
    return f"请用{f.zh}的原样导出（{f.how}）。", f"use an unedited {f.en} export ({f.how})."


def unsupported(path: Path, zh: str, en: str, fmt: str | None = "") -> DataError:
    adv_zh, adv_en = (
        _advice(fmt)
        if fmt != ""
        else (
            "请用支持的导出工具重新导出（见 shequn data import --format list）。",
            "re-export with a supported tool (see --format list).",
        )
    )
    return DataError(
        path,
        f"{zh}，不是支持的导出格式。{adv_zh}\n  {SUPPORTED_LINE}",
        f"{en}; not a supported export. {adv_en}",
    )


def sniff_binary(path: Path, head: bytes) -> None:
    if head.startswith(b"SQLite format 3"):
        raise unsupported(
            path,
            "这是 SQLite 数据库（例如微信或 QQ 的本地数据库），不是导出文件",
            "this is an SQLite database (e.g. a WeChat or QQ local database), not an export",
        )
    if head.startswith(b"PK\x03\x04"):
        raise unsupported(
            path, "这是 zip 压缩包或 Excel（.xlsx）文件", "this is a zip archive or an Excel (.xlsx) file"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise unsupported(path, "这是旧版 Office 文件（.xls/.doc）", "this is an old Office file (.xls/.doc)")
    if head[:4] in (b"\x89PNG", b"GIF8") or head[:3] == b"\xff\xd8\xff" or head.startswith(b"%PDF"):
        raise unsupported(path, "这是图片或 PDF 文件", "this is an image or a PDF")


def detect_text(path: Path, text: str) -> str:
    head = text[:20000].lstrip("\ufeff")
    stripped = head.lstrip()
    for module, name in (
        (wechat_csv, "wechat-csv"),
        (memotrace_csv, "memotrace-csv"),
        (discord_csv, "discord-csv"),
        (qce_text, "qq-chat-exporter-txt"),
    ):
        if module.looks_like(head):
            return name
    if chatlab.looks_like_jsonl(head):
        return "chatlab"
    low = stripped[:2000].lower()
    if low.startswith(("<!doctype html", "<html")) or "<html" in low[:500]:
        raise unsupported(
            path,
            "这是 HTML 网页格式的导出（Telegram、QQ、DiscordChatExporter 都能导出 HTML）",
            "this is an HTML export (Telegram, QQ and DiscordChatExporter can all write HTML)",
            "",
        )
    if low.startswith("mime-version") or "content-type: multipart/related" in low:
        raise unsupported(
            path, "这是 QQ 消息管理器导出的 MHT 网页文件", "this is an MHT export of QQ 消息管理器", "qq-text"
        )
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
        raise unsupported(
            path,
            f"这是一个 CSV 文件（表头：{first[:80]}），但不是支持的导出工具写的 CSV",
            f"a CSV file (header {first[:80]!r}) but not one a supported exporter writes",
            "",
        )
    raise unsupported(
        path,
        "无法识别这个文本文件（不是 QQ 文本、qq-chat-exporter TXT、微信 CSV、Discord CSV 或 ChatLab JSONL）",
        "unrecognised text file (not QQ text, qq-chat-exporter TXT, a WeChat or Discord CSV, "
        "or ChatLab JSONL)",
        "",
    )


def detect_json(path: Path, root) -> str:
    if chatlab.looks_like(root):
        return "chatlab"
    if qce_jsonl.looks_like(root):
        return "qq-jsonl"
    if discord.looks_like(root):
        return "discord"
    if qq_json.looks_like(root):
        return "qq-json"
    if telegram.looks_like(root):
        return "telegram"
    first = root[0] if isinstance(root, list) and root and isinstance(root[0], dict) else {}
    if {"talker", "sender", "time", "content"} <= set(first):
        raise unsupported(
            path, "看起来是 chatlog 的 JSON 输出", "looks like chatlog's JSON output", "wechat-csv"
        )
    if isinstance(root, dict) and "chatlab" in root:
        raise unsupported(
            path,
            "看起来是 ChatLab 格式的 JSON，但缺少 meta 或 messages",
            "looks like ChatLab JSON without meta or messages",
            "chatlab",
        )
    if isinstance(root, dict) and "chunked" in root:
        raise unsupported(
            path,
            "看起来是 qq-chat-exporter 的分块导出清单（manifest.json），但缺少 chunked.chunks 或 chatInfo",
            "looks like a qq-chat-exporter chunked manifest without chunked.chunks or chatInfo",
            "qq-jsonl",
        )
    keys = ", ".join(list(root)[:8]) if isinstance(root, dict) else f"list of {len(root)}"
    raise unsupported(
        path, f"无法识别这个 JSON 文件（顶层：{keys}）", f"unrecognised JSON (top level: {keys})", ""
    )


def is_json(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")
