"""Import speed: a generated 100,000-line QQ text export through `shequn data import`.

    python benchmarks/import_bench.py [--lines 100000] [--repeat 3]

Target (issue 15): a 100,000-line file imports in under 10 s (parse, build, validate, write).
The file is generated at run time into a temporary folder (nothing large is committed);
`make_qq_text` also returns the counts the file holds by construction, which
tests/test_import_cli.py checks on a small instance.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

TARGET_S = 10.0


def make_qq_text(path: Path, lines: int = 100_000, seed: int = 0) -> dict:
    """Write a QQ group text export of about ``lines`` lines; return what it holds."""
    rng = random.Random(seed)
    out = [
        "消息记录（此消息记录为文本格式，不支持重新导入）",
        "",
        "=" * 64,
        "消息分组:我的QQ群",
        "=" * 64,
        "消息对象:基准测试群",
        "=" * 64,
        "",
    ]
    t = 1_704_067_200  # 2024-01-01 08:00 Beijing
    joined: list[int] = []
    expected = {
        "members": 0,
        "types": {"text": 0, "image": 0, "link": 0, "red_packet": 0},
        "joins": 0,
        "leaves": 0,
        "red_packets": 0,
        "posters": set(),
    }
    next_qq = 100_000
    while len(out) < lines:
        t += rng.randint(1, 120)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t + 8 * 3600))
        roll = rng.random()
        if roll < 0.04 or len(joined) < 3:
            next_qq += 1
            joined.append(next_qq)
            expected["members"] += 1
            expected["joins"] += 1
            out += [f"{stamp} 系统消息(10000)", f"用户{next_qq}({next_qq}) 加入本群。", ""]
        elif roll < 0.05 and len(joined) > 5:
            qq = joined.pop(rng.randrange(len(joined)))
            expected["leaves"] += 1
            out += [f"{stamp} 系统消息(10000)", f"用户{qq}({qq}) 退出了本群", ""]
        else:
            qq = rng.choice(joined[: max(3, len(joined) // 3)])  # a third of the members post: the rest lurk
            kind = rng.choices(["text", "image", "link", "red_packet"], [75, 19, 5, 1])[0]
            body = {
                "text": ["今天读到第几页了？", "同意楼上", "晚上一起讨论", "好的\n收到"][rng.randrange(4)],
                "image": "[图片]",
                "link": "https://example.com/p/" + str(rng.randrange(1000)),
                "red_packet": "[QQ红包]我发了一个“拼手气红包”，共 5 个，6.66 元",
            }[kind]
            expected["types"][kind] += 1
            expected["red_packets"] += kind == "red_packet"
            expected["posters"].add(qq)
            out += [f"{stamp} 用户{qq}({qq})", *body.split("\n"), ""]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    expected["lurkers"] = expected["members"] - len(expected["posters"])
    expected["lines"] = len(out)
    del expected["posters"]
    return expected


def bench_import(repeat: int = 3, lines: int = 100_000) -> dict:
    from shequn.data.importers import import_exports

    work = Path(tempfile.mkdtemp(prefix="shequn-import-bench-"))
    try:
        export = work / "export.txt"
        expected = make_qq_text(export, lines)
        times = []
        for i in range(repeat):
            start = time.perf_counter()
            result = import_exports([export], work / f"out{i}")
            times.append(time.perf_counter() - start)
        med = statistics.median(times)
        print(
            f"import: {expected['lines']:,}-line QQ text export ({export.stat().st_size / 1024**2:.1f} MB, "
            f"{result.summary['messages']:,} messages, {result.summary['members']:,} members)"
        )
        flag = "" if med < TARGET_S else "  <-- over target"
        print(
            f"  shequn data import   median {med:6.2f} s  max {max(times):6.2f} s "
            f"(target < {TARGET_S:.0f} s){flag}"
        )
        return {"median_s": med, "max_s": max(times), "lines": expected["lines"]}
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bench_import(args.repeat, args.lines)
