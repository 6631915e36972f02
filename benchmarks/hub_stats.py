"""What one step of the hub load test measured, and the results table (used by hub_load.py).

Machine-wide readings (MemAvailable, busy CPU seconds), a process's own CPU seconds, each
learner's processes with their RSS, PSS and CPU (read from /proc with psutil, while every
learner's kernel is alive), percentiles, and one Markdown row per step.
"""

from __future__ import annotations

import pwd
import statistics
from pathlib import Path

import psutil

__all__ = [
    "mem_available_mb",
    "cpu_busy_seconds",
    "proc_cpu",
    "learner_processes",
    "learner_usage",
    "pct",
    "table",
]


def mem_available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no MemAvailable in /proc/meminfo")


def cpu_busy_seconds() -> float:
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def proc_cpu(pid: int | None) -> float:
    """The process's own CPU seconds (not its reaped children: the hub reaps the servers it spawns)."""
    try:
        t = psutil.Process(pid).cpu_times()
        return t.user + t.system
    except (psutil.Error, TypeError, ValueError):
        return float("nan")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def learner_processes(name: str) -> list[psutil.Process]:
    """The processes of Unix user *name* (the learner's server and kernel)."""
    uid = pwd.getpwnam(name).pw_uid
    return [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid]


def learner_usage(names: list[str]) -> dict:
    """Per learner, in *names* order: RSS and PSS (MB), CPU seconds, and the kernel's RSS."""
    rss, pss, cpu, kernel_rss = [], [], [], []
    for name in names:
        r = p = c = k = 0.0
        for proc in learner_processes(name):
            try:
                info = proc.memory_full_info()
                times = proc.cpu_times()
                is_kernel = "ipykernel" in " ".join(proc.cmdline())
            except psutil.Error:
                continue
            r, p = r + info.rss / 2**20, p + info.pss / 2**20
            c += times.user + times.system + times.children_user + times.children_system
            k += info.rss / 2**20 if is_kernel else 0
        rss.append(r), pss.append(p), cpu.append(c), kernel_rss.append(k)
    return {"rss_mb": rss, "pss_mb": pss, "cpu_s": cpu, "kernel_rss_mb": kernel_rss}


def table(rows: list[dict]) -> str:
    med = lambda xs: statistics.median(xs) if xs else float("nan")  # noqa: E731
    lines = [
        "| N | failed | ready p50 / p95 (s) | lesson p50 / p95 (s) | RSS / learner (MB) | "
        "PSS / learner (MB) | kernel RSS (MB) | CPU-s / learner | hub CPU-s | proxy CPU-s | "
        "MemAvailable drop / N (MB) | machine busy | load before |",
        "|" + "---|" * 13,
    ]
    for r in rows:
        if r.get("skipped"):
            lines.append(f"| {r['n']} | skipped: {r['skipped']} |" + " |" * 11)
            continue
        lines.append(
            f"| {r['n']} | {r['failures']} | {pct(r['ready_s'], 50):.1f} / {pct(r['ready_s'], 95):.1f} | "
            f"{pct(r['lesson_s'], 50):.1f} / {pct(r['lesson_s'], 95):.1f} | {med(r['rss_mb']):.0f} | "
            f"{med(r['pss_mb']):.0f} | {med(r['kernel_rss_mb']):.0f} | {med(r['cpu_s']):.1f} | "
            f"{r['hub_cpu_s']:.1f} | {r['proxy_cpu_s']:.1f} | {r['mem_available_drop_mb'] / r['n']:.0f} | "
            f"{r['machine_busy_cpu_s'] / r['wall_s'] / psutil.cpu_count():.0%} of {r['wall_s']:.0f} s | "
            f"{r['load1_before']:.1f} |"
        )
    return "\n".join(lines)
