"""Group-chat metrics at scale: pandas (``shequn.metrics``) against the same metrics in DuckDB SQL.

    python benchmarks/metrics_bench.py [--messages N] [--repeat R] [--seed S]

Generates about ``N`` messages (default 1,000,000; aims for within 5 %) with the
synthetic generator (``generate(seed, groups=K)``, ``K`` estimated from a pilot
run: about 600 groups for a million messages), writes the four tables as typed
Parquet files in a temporary folder, then runs, ``R`` times each and
alternating, two child processes that read those files and compute the full
metric set:

* **pandas** -- :mod:`shequn.metrics`: daily and weekly activity, weekly
  retention by join cohort, lurker share, quiet members, red-packet lift for
  all members and for quiet members, participation (Gini, top-10 % share),
  the reply-network summary of every group, the owner-departure effect and the
  comparison of entry thresholds;
* **DuckDB** -- the same definitions written as SQL.

Each child measures its own time (reading the files and computing every
metric, imports excluded) and its peak resident memory (imports included; see
:func:`peak_rss_mb`), and pickles its results; the parent checks that the two
engines agree (counts exactly, floating-point values to a relative 1e-9) and
prints a table.  The data are generated in a child process too, so the parent
stays small.

Targets: pandas time / DuckDB time <= 1.0 and pandas peak memory <= 1.5 GB.
This machine is shared and noisy: the times are medians, measured back to back; the
fastest and slowest runs are printed too.  On a virtual machine that hands freed
memory back to its host (virtio-balloon free page reporting, as here), a fresh
process's first touches of memory are sometimes much slower; that spread is in the
slowest runs (pandas allocates more short-lived arrays than DuckDB does).
``benchmarks/run.py`` can call :func:`bench_metrics` (``repeat`` runs per engine).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from metrics_engines import ENGINES  # noqa: E402  (next to this file)

RATIO_TARGET = 1.0  # the pandas metrics must not be slower than DuckDB
MEMORY_TARGET_MB = 1.5 * 1024


# --------------------------------------------------------------------------- data


def make_dataset(messages: int, seed: int, folder: Path) -> dict:
    """Write typed Parquet files of ``generate(seed, groups=K)``, ``K`` chosen to give about ``messages``.

    Messages per group are heavy-tailed, so ``K`` is estimated from a pilot
    run and corrected (at most five generations) until the total is within 5 %
    of the target; otherwise the closest run is used.  The exact counts are
    returned and printed.
    """
    from shequn.data import as_typed
    from shequn.data.generate import generate

    pilot = min(200, max(20, messages // 2000))
    per_group = len(generate(seed=seed, groups=pilot)["messages"]) / pilot
    best = None  # (groups, messages, tables) of the closest run so far
    for _ in range(5):
        groups = max(1, round(messages / per_group))
        if best is not None and groups == best[0]:
            break
        tables = generate(seed=seed, groups=groups)
        got = len(tables["messages"])
        if best is None or abs(got - messages) < abs(best[1] - messages):
            best = (groups, got, tables)
        del tables
        if abs(got - messages) <= 0.05 * messages:
            break
        per_group = got / groups
    groups, _, tables = best
    del best
    typed = as_typed(tables)
    del tables
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in typed.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    info = {"seed": seed, "groups": groups, **{name: len(frame) for name, frame in typed.items()}}
    (folder / "info.json").write_text(json.dumps(info))
    return info


# --------------------------------------------------------------------------- agreement


def _frame(obj):
    """A comparable DataFrame: sorted rows, plain (numpy) dtypes, string labels."""
    import pandas as pd

    frame = obj.to_frame() if isinstance(obj, pd.Series) else obj.copy()
    frame.columns = [str(c) for c in frame.columns]
    frame.index.name = None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.sort_index()
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            frame[col] = s.dt.tz_localize(None)
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            frame[col] = s.astype("float64")
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            frame[col] = s.map(lambda v: tuple(v) if not isinstance(v, str) and hasattr(v, "__len__") else v)
    if isinstance(frame.index, pd.DatetimeIndex):
        frame.index = frame.index.as_unit("us")
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col].dtype):
            frame[col] = frame[col].astype("datetime64[us]")
    return frame


def compare(left: dict, right: dict, rtol: float = 1e-9) -> list[str]:
    """Names and reasons of the metrics on which the two result sets disagree."""
    import pandas as pd

    problems = []
    for name in left:
        a, b = left[name], right.get(name)
        if name == "quiet_members":
            if sorted(map(str, a)) != sorted(map(str, b)):
                problems.append(f"{name}: {len(a)} vs {len(b)} members")
            continue
        if len(a) == 0:
            problems.append(f"{name}: empty (nothing to compare)")
            continue
        a, b = _frame(a), _frame(b)
        if isinstance(a.index, pd.RangeIndex):  # long tables: compare as sorted rows
            a = a.sort_values(list(a.columns)).reset_index(drop=True)
            b = b.sort_values(list(b.columns)).reset_index(drop=True)
        b = b[[c for c in a.columns if c in b.columns]]
        try:
            pd.testing.assert_frame_equal(
                a, b, check_dtype=False, check_index_type=False, check_names=False, rtol=rtol, atol=1e-12
            )
        except AssertionError as error:
            problems.append(f"{name}: {str(error).splitlines()[0:4]}")
    return problems


# --------------------------------------------------------------------------- processes


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB.

    ``VmHWM`` from ``/proc/self/status`` where there is one (Linux): unlike
    ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, which Linux carries over
    from the parent across ``exec`` (a child started by a big parent would
    report the parent's peak), it covers only this program.  Elsewhere
    ``ru_maxrss`` (kilobytes on Linux, bytes on macOS).
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


def _child(engine: str, folder: Path, out: Path) -> None:
    import pandas  # noqa: F401  -- imports are not timed: both engines need pandas for their results
    import pyarrow  # noqa: F401

    if engine == "pandas":
        import shequn.metrics  # noqa: F401
    else:
        import duckdb  # noqa: F401
    start = time.perf_counter()
    results = ENGINES[engine](folder)
    seconds = time.perf_counter() - start
    peak_mb = peak_rss_mb()
    with open(out, "wb") as fh:
        pickle.dump(results, fh)
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def _python(*args: str) -> str:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args[:2])} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout.strip().splitlines()[-1]


def run_child(engine: str, folder: Path, out: Path) -> dict:
    """Run one engine in a fresh interpreter; returns its time, peak memory and the process's wall time."""
    start = time.perf_counter()
    result = json.loads(_python("--child", engine, "--data", str(folder), "--out", str(out)))
    return {**result, "wall": time.perf_counter() - start}


def bench_metrics(repeat: int = 3, messages: int = 1_000_000, seed: int = 0) -> dict:
    """Run the benchmark and print its table; returns the medians, the ratio and the agreement check."""
    with tempfile.TemporaryDirectory(prefix="shequn-metrics-bench-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        # In a child too, so that this process stays small while the engines run.
        info = json.loads(
            _python("--make-data", str(folder / "data"), "--messages", str(messages), "--seed", str(seed))
        )
        print(
            f"metrics: generate(seed={seed}, groups={info['groups']}) -> {info['messages']:,} messages, "
            f"{info['members']:,} members, {info['red_packets']:,} red packets "
            f"({time.perf_counter() - start:.1f} s, Parquet in a temp dir)"
        )
        print(f"  {os.cpu_count()} CPU(s): DuckDB uses all of them, pandas one")
        runs: dict[str, list[dict]] = {name: [] for name in ENGINES}
        for _ in range(max(1, repeat)):
            for name in ENGINES:
                runs[name].append(run_child(name, folder / "data", folder / f"{name}.pkl"))
        results = {}
        for name in ENGINES:
            with open(folder / f"{name}.pkl", "rb") as fh:
                results[name] = pickle.load(fh)
    problems = compare(results["pandas"], results["duckdb"])
    med = {name: statistics.median(r["seconds"] for r in rs) for name, rs in runs.items()}
    wall = {name: statistics.median(r["wall"] for r in rs) for name, rs in runs.items()}
    peak = {name: max(r["peak_mb"] for r in rs) for name, rs in runs.items()}
    ratio = med["pandas"] / med["duckdb"]
    fastest = min(r["seconds"] for r in runs["pandas"]) / min(r["seconds"] for r in runs["duckdb"])
    slowest = max(r["seconds"] for r in runs["pandas"]) / max(r["seconds"] for r in runs["duckdb"])
    print(f"  median of {repeat} run(s) per engine, each in a fresh process (read Parquet + all metrics)")
    print(
        f"  {'engine':<8} {'time (s)':>9} {'min (s)':>8} {'max (s)':>8} {'process wall (s)':>17} "
        f"{'peak RSS (MB)':>14}"
    )
    for name, rs in runs.items():
        print(
            f"  {name:<8} {med[name]:9.2f} {min(r['seconds'] for r in rs):8.2f} "
            f"{max(r['seconds'] for r in rs):8.2f} {wall[name]:17.2f} {peak[name]:14.0f}"
        )
    ok_ratio, ok_mem = ratio <= RATIO_TARGET, peak["pandas"] <= MEMORY_TARGET_MB
    print(
        f"  ratio pandas/duckdb = {ratio:.2f}  (target <= {RATIO_TARGET})  {'OK' if ok_ratio else 'MISSED'}"
        f"   [fastest runs: {fastest:.2f}, slowest: {slowest:.2f}]"
    )
    print(
        f"  pandas peak memory  = {peak['pandas'] / 1024:.2f} GB  "
        f"(target <= {MEMORY_TARGET_MB / 1024:.1f} GB)  "
        f"{'OK' if ok_mem else 'MISSED'}"
    )
    print(
        f"  results agree: {'yes, all ' + str(len(results['pandas'])) + ' metrics' if not problems else 'NO'}"
    )
    for p in problems:
        print(f"    DIFFERENT {p}")
    return {
        "messages": info["messages"],
        "groups": info["groups"],
        "pandas_s": med["pandas"],
        "duckdb_s": med["duckdb"],
        "pandas_over_duckdb": ratio,
        "pandas_over_duckdb_fastest": fastest,
        "pandas_over_duckdb_slowest": slowest,
        "pandas_peak_mb": peak["pandas"],
        "duckdb_peak_mb": peak["duckdb"],
        "agree": not problems,
        "disagreements": problems,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", choices=sorted(ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--make-data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_data:
        print(json.dumps(make_dataset(args.messages, args.seed, args.make_data)))
        return
    if args.child:
        _child(args.child, args.data, args.out)
        return
    result = bench_metrics(args.repeat, args.messages, args.seed)
    if not result["agree"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
