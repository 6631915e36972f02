"""Import speed of every format: a generated 100,000-line export of each through `import_exports`.

    python benchmarks/import_formats_bench.py [--lines 100000] [--repeat 3] [--formats qq-json,chatlab]

Target (issue 26): a 100,000-line export of each format imports in under 5 s on 2 cores
(parse, identity resolution, build, validate, write).  Every file has about ``--lines``
lines as its exporter lays it out (pretty-printed JSON: ~10–25 lines a message, so fewer
messages; CSV and JSONL: one line a record); the message count is printed with each
figure.  Every file is generated at run time from one synthetic chat (joins by
nickname that later post, lurkers, leaves, a rename) into a temporary folder: nothing large
is committed.  The machine is shared: the load average is printed with the figures, and
each format is also given as a ratio to the QQ text import timed right before it in the same
round (``x qq-text``), which a busy machine changes much less than the seconds.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

TARGET_S = 5.0
T0 = 1_704_067_200  # 2024-01-01 08:00 Beijing


def chat(records: int, seed: int = 0) -> list[tuple]:
    """(epoch, kind, account, name, body): kind is message | join | leave; about 4 % joins by nickname."""
    rng = random.Random(seed)
    out, joined, t, nxt = [], [], T0, 100_000
    while len(out) < records:
        t += rng.randint(1, 60)
        roll = rng.random()
        if roll < 0.04 or len(joined) < 3:
            nxt += 1
            joined.append(nxt)
            out.append((t, "join", str(nxt), f"用户{nxt}", ""))
        elif roll < 0.045 and len(joined) > 5:
            acc = joined.pop(rng.randrange(len(joined)))
            out.append((t, "leave", str(acc), f"用户{acc}", ""))
        else:
            acc = rng.choice(joined[: max(3, len(joined) // 3)])
            kind = rng.choices(["text", "image", "link"], [80, 15, 5])[0]
            body = {
                "text": ["今天读到第几页了？", "同意楼上", "晚上一起讨论"][rng.randrange(3)],
                "image": "[图片]",
                "link": f"https://example.com/p/{rng.randrange(1000)}",
            }[kind]
            out.append((t, kind, str(acc), f"用户{acc}", body))
    return out


def _local(t: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t + 8 * 3600))


def qq_text(recs, path: Path, name_only: bool = False) -> None:
    out = [
        "消息分组:我的QQ群" if not name_only else "消息分组:我的讨论组",
        "=" * 64,
        "消息对象:基准测试群",
        "=" * 64,
        "",
    ]
    for t, kind, acc, name, body in recs:
        who = name if name_only else f"{name}({acc})"
        if kind in ("join", "leave"):
            out += [
                f"{_local(t)} 系统消息" + ("" if name_only else "(10000)"),
                f"{name} 加入本群。" if kind == "join" else f"{name} 退出了本群",
                "",
            ]
        else:
            out += [f"{_local(t)} {who}", body, ""]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def qce_message(t, kind, acc, name, body, i) -> dict:
    system = kind in ("join", "leave")
    text = (f"{name}加入了本群" if kind == "join" else f"{name}退出了本群") if system else body
    el = (
        [{"type": "image", "data": {"filename": "a.jpg"}}]
        if kind == "image"
        else [{"type": "text", "data": {"text": text}}]
    )
    return {
        "id": str(7_000_000 + i),
        "seq": str(i),
        "timestamp": t * 1000,
        "time": _local(t),
        "sender": {"uid": f"u_{acc}", "uin": "10000" if system else acc, "name": "系统" if system else name},
        "type": "type_1",
        "content": {"text": "" if kind == "image" else text, "elements": el, "resources": []},
        "recalled": False,
        "system": system,
    }


def qq_json(recs, path: Path) -> None:
    doc = {
        "metadata": {"name": "QQChatExporter V4 / bench"},
        "chatInfo": {"name": "基准测试群", "type": "group"},
        "statistics": {},
        "messages": [qce_message(*r, i) for i, r in enumerate(recs)],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def qq_jsonl(recs, path: Path, per_chunk: int = 50_000) -> None:
    path.mkdir()
    (path / "chunks").mkdir()
    chunks = []
    for k in range(0, len(recs), per_chunk):
        name = f"c{k // per_chunk + 1:06d}.jsonl"
        part = recs[k : k + per_chunk]
        (path / "chunks" / name).write_text(
            "".join(
                json.dumps(qce_message(*r, k + i), ensure_ascii=False) + "\n" for i, r in enumerate(part)
            ),
            encoding="utf-8",
        )
        chunks.append(
            {
                "index": k // per_chunk + 1,
                "fileName": name,
                "relativePath": f"chunks/{name}",
                "count": len(part),
            }
        )
    (path / "manifest.json").write_text(
        json.dumps(
            {
                "metadata": {},
                "chatInfo": {"name": "基准测试群", "type": "group"},
                "statistics": {},
                "chunked": {"format": "jsonl", "chunks": chunks},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )


def qce_txt(recs, path: Path) -> None:
    out = [
        "[QQChatExporter V4 / https://github.com/shuakami/qq-chat-exporter]",
        "",
        "聊天名称: 基准测试群",
        "聊天类型: 群聊",
        "",
    ]
    for t, kind, _acc, name, body in recs:
        if kind in ("join", "leave"):
            out += [
                "系统消息:",
                f"时间: {_local(t)}",
                f"内容: {name} {'加入了本群' if kind == 'join' else '退出了本群'}",
                "",
            ]
        else:
            out += [f"{name}:", f"时间: {_local(t)}", f"内容: {body}", ""]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _csv(path: Path, header: list[str], rows) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def wechat_csv(recs, path: Path) -> None:
    _csv(
        path,
        ["Time", "SenderName", "Sender", "TalkerName", "Talker", "Content"],
        (
            [
                _local(t),
                "",
                "系统消息",
                "基准测试群",
                "1@chatroom",
                f'"{name}"通过扫描"用户100001"分享的二维码加入群聊'
                if kind == "join"
                else f'你将"{name}"移出了群聊',
            ]
            if kind in ("join", "leave")
            else [_local(t), name, f"wxid_{acc}", "基准测试群", "1@chatroom", body]
            for t, kind, acc, name, body in recs
        ),
    )


def memotrace_csv(recs, path: Path) -> None:
    code = {"text": "1", "image": "3", "link": "49"}
    _csv(
        path,
        [
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
        ],
        (
            [
                i,
                5,
                "10000",
                0,
                0,
                t,
                2,
                f'"{name}"加入了群聊' if kind == "join" else f'"{name}"退出了群聊',
                _local(t),
                "",
                "",
                "",
            ]
            if kind in ("join", "leave")
            else [
                i,
                5,
                code[kind],
                5 if kind == "link" else 0,
                0,
                t,
                2,
                body,
                _local(t),
                "",
                name,
                f"wxid_{acc}",
            ]
            for i, (t, kind, acc, name, body) in enumerate(recs)
        ),
    )


def telegram(recs, path: Path) -> None:
    msgs = []
    for i, (t, kind, acc, name, body) in enumerate(recs):
        base = {"id": i + 1, "date": _local(t).replace(" ", "T"), "date_unixtime": str(t)}
        if kind == "join":
            msgs.append(
                {
                    **base,
                    "type": "service",
                    "actor": name,
                    "actor_id": f"user{acc}",
                    "action": "join_group_by_link",
                }
            )
        elif kind == "leave":
            msgs.append(
                {
                    **base,
                    "type": "service",
                    "actor": name,
                    "actor_id": f"user{acc}",
                    "action": "remove_members",
                    "members": [name],
                }
            )
        else:
            msgs.append(
                {
                    **base,
                    "type": "message",
                    "from": name,
                    "from_id": f"user{acc}",
                    **({"photo": "p.jpg", "text": ""} if kind == "image" else {"text": body}),
                }
            )
    path.write_text(
        json.dumps(
            {"name": "Bench", "type": "private_supergroup", "id": 1, "messages": msgs},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )


def discord(recs, path: Path) -> None:
    msgs = [
        {
            "id": str(i),
            "type": "GuildMemberJoin" if kind == "join" else "Default",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t)),
            "content": "" if kind == "join" else body,
            "author": {"id": acc, "name": name},
            "attachments": [{"fileName": "a.png"}] if kind == "image" else [],
            "mentions": [],
        }
        for i, (t, kind, acc, name, body) in enumerate(recs)
        if kind != "leave"
    ]
    path.write_text(
        json.dumps(
            {
                "guild": {"id": "1", "name": "Bench"},
                "channel": {"id": "2", "type": "GuildTextChat", "name": "general"},
                "messages": msgs,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )


def discord_csv(recs, path: Path) -> None:
    def stamp(t):
        s = time.gmtime(t + 8 * 3600)
        hour, half = (s.tm_hour % 12) or 12, "AM" if s.tm_hour < 12 else "PM"
        return f"{s.tm_mon}/{s.tm_mday}/{s.tm_year} {hour}:{s.tm_min:02d} {half}"

    _csv(
        path,
        ["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"],
        (
            [
                acc,
                name,
                stamp(t),
                "Joined the server." if kind == "join" else ("" if kind == "image" else body),
                "https://cdn.example/a.png" if kind == "image" else "",
                "",
            ]
            for t, kind, acc, name, body in recs
            if kind != "leave"
        ),
    )


def _chatlab_messages(recs):
    code = {"text": 0, "image": 1, "link": 7}
    for i, (t, kind, acc, name, body) in enumerate(recs):
        if kind in ("join", "leave"):
            yield {
                "sender": "system",
                "accountName": "系统",
                "timestamp": t,
                "type": 80,
                "content": f"{name}加入了群聊" if kind == "join" else f"{name}退出了群聊",
            }
        else:
            yield {
                "platformMessageId": str(i),
                "sender": acc,
                "accountName": name,
                "timestamp": t,
                "type": code[kind],
                "content": body,
            }


def chatlab_json(recs, path: Path) -> None:
    doc = {
        "chatlab": {"version": "0.0.2", "exportedAt": T0},
        "meta": {"name": "基准测试群", "platform": "qq", "type": "group"},
        "members": [],
        "messages": list(_chatlab_messages(recs)),
    }
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def chatlab_jsonl(recs, path: Path) -> None:
    head = {
        "_type": "header",
        "chatlab": {"version": "0.0.2", "exportedAt": T0},
        "meta": {"name": "基准测试群", "platform": "qq", "type": "group"},
    }
    path.write_text(
        "".join(
            json.dumps(o, ensure_ascii=False) + "\n"
            for o in [head, *({"_type": "message", **m} for m in _chatlab_messages(recs))]
        ),
        encoding="utf-8",
    )


# name: (writer, file name, lines per record, or None: measured on a sample)
WRITERS = {
    "qq-text": (qq_text, "export.txt", 3),
    "qq-text (讨论组)": (lambda r, p: qq_text(r, p, True), "discussion.txt", 3),
    "qq-json": (qq_json, "qce.json", None),
    "qq-jsonl": (qq_jsonl, "qce_chunked", 1),
    "qq-chat-exporter-txt": (qce_txt, "qce.txt", 4),
    "wechat-csv": (wechat_csv, "chatlog.csv", 1),
    "memotrace-csv": (memotrace_csv, "memotrace.csv", 1),
    "telegram": (telegram, "result.json", None),
    "discord": (discord, "dce.json", None),
    "discord-csv": (discord_csv, "dce.csv", 1),
    "chatlab (JSON)": (chatlab_json, "chatlab.json", None),
    "chatlab (JSONL)": (chatlab_jsonl, "chatlab.jsonl", 1),
}


def _lines(path: Path) -> int:
    files = [path] if path.is_file() else sorted((path / "chunks").iterdir())
    return sum(f.read_bytes().count(b"\n") for f in files)


def bench_formats(repeat: int = 3, lines: int = 100_000, only: list[str] | None = None) -> dict:
    from shequn.data.importers import import_exports

    results = {}
    work = Path(tempfile.mkdtemp(prefix="shequn-formats-bench-"))
    base = work / "baseline.txt"
    qq_text(chat(lines // 3), base)

    def timed(path: Path, out: Path):
        start = time.perf_counter()
        result = import_exports([path], out)
        took = time.perf_counter() - start
        shutil.rmtree(out, ignore_errors=True)
        return took, result

    print(
        f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
        f"on {os.cpu_count()} cores"
    )
    try:
        for name, (write, fname, per) in WRITERS.items():
            if only and name not in only:
                continue
            path = work / fname
            if per is None:  # lines per record of this layout, from a sample of 1,000 records
                write(chat(1000), path)
                per = _lines(path) / 1000
                path.unlink()
            write(chat(int(lines / per)), path)
            times, ratios = [], []
            for i in range(repeat):
                before, _ = timed(base, work / "out-base")
                took, result = timed(path, work / f"out-{i}")
                times.append(took)
                ratios.append(took / before)
            med = statistics.median(times)
            flag = "" if med < TARGET_S else "  <-- over target"
            print(
                f"  {name:<22} {_lines(path):>8,} lines {result.summary['messages']:>7,} messages "
                f"{result.summary['members']:>5,} members  median {med:5.2f} s  max {max(times):5.2f} s "
                f"= {statistics.median(ratios):4.2f} x qq-text (load {os.getloadavg()[0]:.1f}){flag}",
                flush=True,
            )
            results[name] = {
                "median_s": med,
                "max_s": max(times),
                "ratio_to_qq_text": statistics.median(ratios),
                "messages": result.summary["messages"],
            }
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
        print(f"target: < {TARGET_S:.0f} s each")
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="", help="comma-separated names (default: all)")
    args = parser.parse_args()
    bench_formats(args.repeat, args.lines, [f for f in args.formats.split(",") if f] or None)
