"""qq-chat-exporter's chunked JSONL export: ``manifest.json`` + ``chunks/c000001.jsonl`` ….

Written by ``core/exporter/JsonExporter.ts`` (``exportChunkedJsonl``, export
mode ``chunked-jsonl``; ``ChunkedJsonlWriter.ts``, ``JsonExportTemplates.ts``)
in github.com/shuakami/qq-chat-exporter: the manifest holds ``metadata``,
``chatInfo``, ``statistics`` and ``chunked`` = {``format``: ``"jsonl"``,
``chunksDir``, ``chunkFileExt``, ``maxMessagesPerChunk``, ``maxBytesPerChunk``,
``chunks``: [{``index``, ``fileName``, ``relativePath``, ``start``, ``end``,
``count``, ``bytes``}]}.  Each chunk line is one message, the same
``CleanMessage`` as the single-file JSON (:mod:`qq_json` reads it).

Give the manifest (or the folder holding it) to ``shequn data import``.  A
missing chunk, or a chunk with fewer lines than the manifest's ``count``, is
an error (a silently short import would undercount); every chunk is checked
against ``--max-mb``.
"""

from __future__ import annotations

import json
from pathlib import Path

from shequn.data.importers import qq_json
from shequn.data.importers.common import Conversation, DataError, check_size, load_json, read_text

__all__ = ["parse", "looks_like", "manifest_of"]


def looks_like(root) -> bool:
    return (
        isinstance(root, dict)
        and isinstance(root.get("chunked"), dict)
        and isinstance(root["chunked"].get("chunks"), list)
        and "chatInfo" in root
    )


def manifest_of(path: Path) -> Path:
    return path / "manifest.json" if path.is_dir() else path


def parse(path: Path, max_bytes: int, text: str | None = None, root=None) -> list[Conversation]:
    path = manifest_of(path)
    if root is None:
        root = load_json(path, read_text(path, max_bytes) if text is None else text)
    conv = qq_json.conversation(path, root)
    chunked = root["chunked"]
    seq_alias: dict[str, str] = {}
    index = 0
    for k, chunk in enumerate(chunked["chunks"]):
        if not isinstance(chunk, dict) or not (chunk.get("relativePath") or chunk.get("fileName")):
            raise DataError(
                path,
                f"清单（manifest）第 {k + 1} 个分块没有文件名。",
                f"manifest chunk {k + 1} has no relativePath/fileName",
            )
        rel = chunk.get("relativePath") or f"{chunked.get('chunksDir', 'chunks')}/{chunk['fileName']}"
        file = (path.parent / rel).resolve()
        if path.parent.resolve() not in file.parents:
            raise DataError(
                path,
                f"分块路径「{rel}」指向导出文件夹之外，拒绝读取。",
                f"chunk path {rel!r} leaves the folder",
            )
        if not file.is_file():
            raise DataError(
                file,
                "清单（manifest.json）列出的分块文件不存在：导出不完整，或只复制了部分文件。",
                "a chunk listed in manifest.json is missing: incomplete export or copy",
            )
        check_size(file, max_bytes)
        lines = read_text(file, max_bytes).splitlines()
        count = 0
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                m = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(
                    file,
                    f"这一行不是完整的 JSON（{exc.msg}）：分块可能被截断。请重新导出。",
                    f"not a complete JSON line ({exc.msg}): truncated chunk",
                    line=n,
                ) from None
            qq_json.add_message(conv, m, file, index, seq_alias, line=n)
            index += 1
            count += 1
        declared = chunk.get("count")
        if isinstance(declared, int) and declared != count:
            raise DataError(
                file,
                f"清单说这个分块有 {declared} 条消息，文件里有 {count} 条：分块不完整或被改过。",
                f"manifest says {declared} messages, the chunk holds {count}: incomplete or edited",
            )
        conv.sources.append(str(file))
    qq_json.link_replies(conv, seq_alias)
    return [conv]
