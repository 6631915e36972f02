"""Every export format the importer reads, in one place: the CLI's ``--format list`` and the site's table.

``FORMATS`` is the single source of truth: ``shequn data import --format list``
prints it and the import page (``book/reference/import_your_group.md``) shows
it through the ``{import-formats}`` directive of the book's Sphinx extension,
so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Format", "FORMATS", "ALIASES", "CARRIES", "markdown_table", "text_listing"]

CARRIES = ("joins", "replies", "mentions", "red_packets")
_CARRY_ZH = {"joins": "入群", "replies": "回复", "mentions": "@提及", "red_packets": "红包"}


@dataclass(frozen=True)
class Format:
    name: str
    zh: str
    en: str
    exporter: str  # tool and repository
    tested: str  # the exporter source (or spec version) the hand-written fixtures follow
    how: str  # how to get the file
    carries: dict  # joins/replies/mentions/red_packets → "yes" | "partly" | "no"
    lacks: tuple  # what the export does not record (left unknown, never guessed)
    group_id: str  # default group_id of an import


_Y, _P, _N = "yes", "partly", "no"
_SETUP = "groups.threshold/topology/fee_yuan"
FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format(
            "qq-text",
            "QQ 消息管理器导出的文本（.txt），含讨论组 / 多人聊天",
            "legacy QQ 消息管理器 text export (.txt), groups and 讨论组",
            "QQ 电脑版（旧版）消息管理器",
            "消息管理器 text layout (no version in the file)",
            "QQ 电脑版（旧版）：消息管理器 → 右键群 → 导出消息记录 → 文本文件 (*.txt)",
            {"joins": _Y, "replies": _N, "mentions": _P, "red_packets": _P},
            (
                _SETUP,
                "messages.reply_to",
                "red_packets (amounts; only if stated)",
                "讨论组: account ids (renames not followed)",
                "members.joined_at before the first notice (first seen)",
                "groups.owner_id (unless 【群主】)",
            ),
            "qq001",
        ),
        Format(
            "qq-json",
            "qq-chat-exporter 导出的 QQ NT JSON",
            "qq-chat-exporter JSON (QQ NT)",
            "shuakami/qq-chat-exporter",
            "JsonExporter.ts single JSON (metadata V4)",
            "qq-chat-exporter：选择群 → 导出格式 JSON",
            {"joins": _Y, "replies": _Y, "mentions": _Y, "red_packets": _P},
            (
                _SETUP,
                "red_packets (amounts; only if an element states them)",
                "members.joined_at before the first notice (first seen)",
                "groups.owner_id",
            ),
            "qq001",
        ),
        Format(
            "qq-jsonl",
            "qq-chat-exporter 分块 JSONL（manifest.json + chunks/）",
            "qq-chat-exporter chunked JSONL (manifest.json + chunks/)",
            "shuakami/qq-chat-exporter",
            "JsonExporter.ts chunked-jsonl + ChunkedJsonlWriter.ts",
            "qq-chat-exporter：导出格式 JSON → 分块 JSONL；导入时给 manifest.json 或它所在的文件夹",
            {"joins": _Y, "replies": _Y, "mentions": _Y, "red_packets": _P},
            (
                _SETUP,
                "red_packets (amounts)",
                "members.joined_at before the first notice (first seen)",
                "groups.owner_id",
            ),
            "qq001",
        ),
        Format(
            "qq-chat-exporter-txt",
            "qq-chat-exporter 导出的 TXT",
            "qq-chat-exporter TXT",
            "shuakami/qq-chat-exporter",
            "TextExporter.ts (header V4); 6.x text_exporter.rs (header V5, v6.2.7)",
            "qq-chat-exporter：选择群 → 导出格式 TXT",
            {"joins": _P, "replies": _N, "mentions": _P, "red_packets": _P},
            (
                _SETUP,
                "account ids (identity by nickname; renames not followed)",
                "messages.reply_to",
                "red_packets (amounts)",
                "groups.owner_id",
            ),
            "qq001",
        ),
        # No WeChat route names a tool: the known bulk exporters decrypt WeChat's local database, which the
        # course does not recommend (book/reference/import_your_group.md); the tools the fixtures follow are
        # cited in tests/fixtures/exports/README.md for maintainers.
        Format(
            "wechat-csv",
            "微信群记录 CSV（六列：Time、SenderName、Sender、TalkerName、Talker、Content）",
            "WeChat group CSV (six columns)",
            "经成员同意整理的表格",
            "six-column layout (see the fixtures' README)",
            "微信没有课程认可的批量导出方式：用经成员同意的记录机器人或手工记录，整理成这些列名的 CSV",
            {"joins": _Y, "replies": _N, "mentions": _P, "red_packets": _P},
            (
                _SETUP,
                "messages.reply_to",
                "red_packets (amounts)",
                "members.left_at for voluntary leaves",
                "members.joined_at before the first notice (first seen)",
                "groups.owner_id",
            ),
            "wx001",
        ),
        Format(
            "memotrace-csv",
            "微信聊天 CSV（12 列，含 Type、StrContent）",
            "WeChat chat CSV (12 columns)",
            "已有的这种文件",
            "12-column layout (see the fixtures' README)",
            "课程不推荐解密微信数据库的工具；已有这种格式、并经群成员同意使用的文件可以导入",
            {"joins": _Y, "replies": _N, "mentions": _P, "red_packets": _P},
            (
                _SETUP,
                "messages.reply_to",
                "red_packets (amounts)",
                "members.left_at for voluntary leaves",
                "members.joined_at before the first notice (first seen)",
                "groups.owner_id",
            ),
            "wx001",
        ),
        Format(
            "telegram",
            "Telegram Desktop 导出的 result.json",
            "Telegram Desktop result.json",
            "telegramdesktop/tdesktop",
            "export_output_json.cpp",
            "Telegram Desktop：群的菜单 → Export chat history → Format: Machine-readable JSON",
            {"joins": _Y, "replies": _Y, "mentions": _Y, "red_packets": _N},
            (
                _SETUP,
                "red_packets (none on Telegram)",
                "members.joined_at before the exported period (first seen)",
                "groups.owner_id (unless create_group)",
            ),
            "tg001",
        ),
        Format(
            "discord",
            "DiscordChatExporter 导出的 JSON",
            "DiscordChatExporter JSON",
            "Tyrrrz/DiscordChatExporter",
            "JsonMessageWriter.cs",
            "DiscordChatExporter：选择频道 → Export format: JSON",
            {"joins": _P, "replies": _Y, "mentions": _Y, "red_packets": _N},
            (
                _SETUP,
                "red_packets (none on Discord)",
                "members.left_at (server leaves)",
                "members.joined_at outside the system channel (first seen)",
                "groups.owner_id",
            ),
            "dc001",
        ),
        Format(
            "discord-csv",
            "DiscordChatExporter 导出的 CSV",
            "DiscordChatExporter CSV",
            "Tyrrrz/DiscordChatExporter",
            "CsvMessageWriter.cs (dates pattern g)",
            "DiscordChatExporter：选择频道 → Export format: CSV",
            {"joins": _P, "replies": _N, "mentions": _P, "red_packets": _N},
            (
                _SETUP,
                "messages.reply_to (no message ids)",
                "seconds (dates to the minute)",
                "red_packets (none)",
                "members.left_at (server leaves)",
                "groups.owner_id",
            ),
            "dc001",
        ),
        Format(
            "chatlab",
            "ChatLab 标准格式（JSON 或 JSONL）",
            "ChatLab Standard Format (JSON or JSONL)",
            "ChatLab exchange format (spec in hellodigua/ChatLab docs)",
            "spec v0.0.2 (2026-01-09)",
            "任何能导出 ChatLab 标准格式的工具；也是 shequn data export --format chatlab 写出的格式",
            {"joins": _P, "replies": _Y, "mentions": _N, "red_packets": _P},
            (
                _SETUP,
                "members.joined_at (first seen, unless written by shequn)",
                "red_packets (amounts, unless written by shequn)",
                "mentions",
            ),
            "cl001",
        ),
    ]
}
ALIASES = {
    "qq": "qq-text",
    "qq-txt": "qq-text",
    "qqnt": "qq-json",
    "qce": "qq-json",
    "qce-jsonl": "qq-jsonl",
    "qce-txt": "qq-chat-exporter-txt",
    "wechat": "wechat-csv",
    "chatlog": "wechat-csv",
    "wechatmsg": "memotrace-csv",
    "memotrace": "memotrace-csv",
    "tg": "telegram",
    "dce": "discord",
    "dce-csv": "discord-csv",
    "chatlab-jsonl": "chatlab",
}
_MARK = {"yes": "✓", "partly": "部分", "no": "—"}


def markdown_table() -> str:
    """The format table of the import page (MyST / CommonMark pipe table)."""
    head = (
        "| `--format` | 导出工具 (exporter) | 测试依据 (fixtures follow) | "
        + " | ".join(_CARRY_ZH[c] for c in CARRIES)
        + " | 没有的字段 (lacks) |"
    )
    rule = "|" + "---|" * (4 + len(CARRIES))
    rows = [
        f"| `{f.name}` | {f.zh}（{f.exporter}） | {f.tested} | "
        + " | ".join(_MARK[f.carries[c]] for c in CARRIES)
        + " | "
        + "；".join(f.lacks).replace("|", "/")
        + " |"
        for f in FORMATS.values()
    ]
    return "\n".join([head, rule, *rows]) + "\n"


def text_listing() -> str:
    """What ``shequn data import --format list`` prints."""
    out = ["支持的导出格式 (supported export formats)："]
    for f in FORMATS.values():
        carries = ", ".join(f"{c} {f.carries[c]}" for c in CARRIES)
        out += [
            f"  {f.name:<21} {f.zh} / {f.en}",
            f"      导出工具 (exporter): {f.exporter}；测试依据 (fixtures follow): {f.tested}",
            f"      获取 (how): {f.how}",
            f"      含有 (carries): {carries}",
            f"      没有 (lacks): {'; '.join(f.lacks)}",
        ]
    return "\n".join(out)
