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
This machine is shared and noisy: the times are medians, measured back to back.
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

TABLE_NAMES = ("groups", "members", "messages", "red_packets")
RATIO_TARGET = 1.0  # the pandas metrics must not be slower than DuckDB
MEMORY_TARGET_MB = 1.5 * 1024
RETENTION_PERIODS = 8
QUIET_MAX_MESSAGES, QUIET_WINDOW_HOURS = 2, 6
LIFT_BEFORE, LIFT_AFTER = 24, 48
DEPARTURE_DAYS = 14
RETAINED_WEEK = 3
STRONG_K = 3


# --------------------------------------------------------------------------- data


def make_dataset(messages: int, seed: int, folder: Path) -> dict:
    """Write typed Parquet files of ``generate(seed, groups=K)``, with ``K`` chosen to give about ``messages``.

    Messages per group are heavy-tailed, so ``K`` is estimated from a pilot
    run and corrected (at most five generations) until the total is within 5 %
    of the target; otherwise the closest run is used.  The exact counts are
    returned and printed.
    """
    from shequn.data.generate import generate
    from shequn.data import as_typed

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


# --------------------------------------------------------------------------- pandas


def pandas_metrics(folder: Path) -> dict:
    """The full metric set with :mod:`shequn.metrics` (reading the Parquet files included)."""
    import pandas as pd

    from shequn import metrics as M

    t = {name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLE_NAMES}
    groups, members, messages, red_packets = (t[name] for name in TABLE_NAMES)
    quiet = M.quiet_members(members, messages, red_packets, QUIET_MAX_MESSAGES, QUIET_WINDOW_HOURS)
    return {
        "activity_daily": M.activity(messages, "D"),
        "activity_weekly": M.activity(messages, "W"),
        "retention": M.retention_by_cohort(members, messages, RETENTION_PERIODS),
        "lurker_share": M.lurker_share(members, messages),
        "quiet_members": quiet,
        "lift_all": M.red_packet_lift(messages, red_packets, before_hours=LIFT_BEFORE, after_hours=LIFT_AFTER),
        "lift_quiet": M.red_packet_lift(messages, red_packets, senders=quiet, before_hours=LIFT_BEFORE,
                                        after_hours=LIFT_AFTER),
        "participation": M.participation(members, messages),
        "networks": M.network_summaries(messages, STRONG_K),
        "owner_departure": M.owner_departure_effect(groups, members, messages, DEPARTURE_DAYS),
        "thresholds": M.compare_thresholds(groups, members, messages, RETAINED_WEEK),
    }


# --------------------------------------------------------------------------- DuckDB

_WEEK_US = 7 * 86400 * 10**6


def _sql_activity(unit: str) -> str:
    return f"""
        SELECT group_id, date_trunc('{unit}', sent_at::DATE)::TIMESTAMP AS period,  -- local dates (TimeZone)
               count(DISTINCT sender_id) AS active_members, count(*) AS messages
        FROM messages GROUP BY ALL ORDER BY group_id, period"""


def _sql_retention(periods: int) -> str:
    weeks = ", ".join(f'count(DISTINCT member_id) FILTER (WHERE week = {k}) / count(DISTINCT member_id) AS "{k}"'
                      for k in range(periods))
    return f"""
        WITH mem AS (SELECT member_id, joined_at, date_trunc('week', joined_at::TIMESTAMP) AS cohort FROM members),
        act AS (
            SELECT DISTINCT m.sender_id, floor((epoch_us(m.sent_at) - epoch_us(mem.joined_at)) / {_WEEK_US})::BIGINT
                   AS week
            FROM messages m JOIN mem ON m.sender_id = mem.member_id
            WHERE m.sent_at >= mem.joined_at AND m.sent_at < mem.joined_at + INTERVAL {7 * periods} DAY)
        SELECT cohort, {weeks}, count(DISTINCT member_id) AS size
        FROM mem LEFT JOIN act ON act.sender_id = mem.member_id
        GROUP BY cohort ORDER BY cohort"""


_SQL_COUNTS = "counts AS (SELECT sender_id, count(*) AS n FROM messages GROUP BY sender_id)"

_SQL_LURKERS = f"""
    WITH {_SQL_COUNTS}
    SELECT group_id, avg((coalesce(n, 0) <= 0)::INTEGER) AS lurker_share
    FROM members LEFT JOIN counts ON member_id = sender_id GROUP BY group_id ORDER BY group_id"""

_SQL_QUIET = f"""
    CREATE OR REPLACE TEMP TABLE quiet AS
    WITH outside AS (  -- an anti-join: 10x faster here than the equivalent ASOF JOIN
        SELECT m.sender_id, count(*) AS n
        FROM messages m ANTI JOIN red_packets p
             ON p.group_id = m.group_id AND m.sent_at >= p.sent_at
                AND m.sent_at <= p.sent_at + INTERVAL {QUIET_WINDOW_HOURS} HOUR
        GROUP BY m.sender_id)
    SELECT member_id FROM members LEFT JOIN outside ON member_id = sender_id
    WHERE coalesce(n, 0) <= {QUIET_MAX_MESSAGES} ORDER BY member_id"""


def _sql_lift(quiet: bool) -> str:
    only = "AND sender_id IN (SELECT member_id FROM quiet)" if quiet else ""
    return f"""
        WITH hourly AS (
            SELECT group_id, date_trunc('hour', sent_at) AS hour, count(*) AS n FROM messages
            WHERE type <> 'red_packet' {only} GROUP BY ALL),
        grid AS (
            SELECT p.group_id, o.k, date_trunc('hour', p.sent_at) + to_hours(o.k) AS hour
            FROM red_packets p CROSS JOIN range({-LIFT_BEFORE}, {LIFT_AFTER}) o(k)),
        curve AS (
            SELECT k, avg(coalesce(n, 0)) AS messages_per_packet
            FROM grid LEFT JOIN hourly USING (group_id, hour) GROUP BY k)
        SELECT k AS "offset", messages_per_packet,
               messages_per_packet / nullif(avg(messages_per_packet) FILTER (WHERE k < 0) OVER (), 0) AS lift
        FROM curve ORDER BY k"""


_SQL_PARTICIPATION = f"""
    WITH {_SQL_COUNTS},
    per_member AS (SELECT group_id, coalesce(n, 0) AS n FROM members LEFT JOIN counts ON member_id = sender_id),
    ranked AS (
        SELECT group_id, n, row_number() OVER (PARTITION BY group_id ORDER BY n) AS up,
               row_number() OVER (PARTITION BY group_id ORDER BY n DESC) AS down,
               count(*) OVER (PARTITION BY group_id) AS size
        FROM per_member)
    SELECT group_id, count(*) AS members, sum(n) AS messages,
           CASE WHEN sum(n) = 0 THEN 0.0
                ELSE sum((2 * up - size - 1) * n)::DOUBLE / (count(*) * sum(n)) END AS gini,
           CASE WHEN sum(n) = 0 THEN 0.0
                ELSE (sum(n) FILTER (WHERE down <= greatest(1, ceil(round(0.1 * size, 9)))))::DOUBLE / sum(n)
           END AS top10_share
    FROM ranked GROUP BY group_id ORDER BY group_id"""

_SQL_NETWORKS = f"""
    WITH edges AS (
        SELECT m.group_id, m.sender_id AS u, a.sender_id AS v
        FROM messages m JOIN messages a ON m.reply_to = a.message_id AND a.group_id = m.group_id
        UNION ALL
        SELECT group_id, sender_id, mention_id FROM messages WHERE mention_id IS NOT NULL),
    ties AS (SELECT DISTINCT group_id, least(u, v) AS a, greatest(u, v) AS b FROM edges WHERE u <> v),
    degree AS (
        SELECT group_id, node, count(*) AS d
        FROM (SELECT group_id, a AS node FROM ties UNION ALL SELECT group_id, b FROM ties) GROUP BY ALL),
    nodes AS (
        SELECT DISTINCT group_id, sender_id AS node FROM messages
        UNION SELECT group_id, node FROM degree),
    nd AS (SELECT group_id, node, coalesce(d, 0) AS d FROM nodes LEFT JOIN degree USING (group_id, node))
    SELECT group_id, count(*) AS members_in_network, sum(d)::BIGINT // 2 AS ties,
           CASE WHEN count(*) < 3 THEN 0.0
                ELSE (count(*) * max(d) - sum(d))::DOUBLE / ((count(*) - 1) * (count(*) - 2)) END AS centralization,
           list(node ORDER BY d DESC, node)[1:{STRONG_K}] AS strong_nodes
    FROM nd GROUP BY group_id ORDER BY group_id"""

_SQL_DEPARTURE = f"""
    WITH o AS (
        SELECT g.group_id, g.owner_id, g.topology, g.threshold, mb.left_at
        FROM groups g JOIN members mb ON mb.member_id = g.owner_id WHERE mb.left_at IS NOT NULL),
    c AS (
        SELECT o.group_id,
               count(*) FILTER (WHERE m.sent_at >= o.left_at - INTERVAL {DEPARTURE_DAYS} DAY
                                  AND m.sent_at < o.left_at) AS before,
               count(*) FILTER (WHERE m.sent_at >= o.left_at
                                  AND m.sent_at < o.left_at + INTERVAL {DEPARTURE_DAYS} DAY) AS after
        FROM o JOIN messages m ON m.group_id = o.group_id AND m.sender_id <> o.owner_id GROUP BY o.group_id)
    SELECT group_id, topology, threshold, coalesce(before, 0) / {DEPARTURE_DAYS} AS before,
           coalesce(after, 0) / {DEPARTURE_DAYS} AS after,
           coalesce(after, 0) / nullif(coalesce(before, 0), 0) AS ratio
    FROM o LEFT JOIN c USING (group_id) ORDER BY group_id"""

_SQL_THRESHOLDS = f"""
    WITH {_SQL_COUNTS},
    retained AS (
        SELECT DISTINCT m.sender_id FROM messages m JOIN members mb ON m.sender_id = mb.member_id
        WHERE floor((epoch_us(m.sent_at) - epoch_us(mb.joined_at)) / {_WEEK_US}) = {RETAINED_WEEK}),
    per_member AS (
        SELECT mb.member_id, mb.group_id, g.threshold, coalesce(counts.n, 0) AS n
        FROM members mb JOIN groups g USING (group_id) LEFT JOIN counts ON mb.member_id = counts.sender_id)
    SELECT threshold, count(DISTINCT group_id) AS groups, count(*) AS members,
           sum(n) / count(*) AS messages_per_member, avg((n <= 0)::INTEGER) AS lurker_share,
           avg((r.sender_id IS NOT NULL)::INTEGER) AS retained_week_{RETAINED_WEEK}
    FROM per_member LEFT JOIN retained r ON r.sender_id = per_member.member_id
    GROUP BY threshold ORDER BY threshold"""


def duckdb_metrics(folder: Path) -> dict:
    """The same metric set as DuckDB SQL over the same Parquet files (results fetched as pandas)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    for name in TABLE_NAMES:  # views scan the Parquet files directly: faster here than loading tables first
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder / f'{name}.parquet'}')")
    con.execute(_SQL_QUIET)
    out = {
        "activity_daily": con.sql(_sql_activity("day")).df(),
        "activity_weekly": con.sql(_sql_activity("week")).df(),
        "retention": con.sql(_sql_retention(RETENTION_PERIODS)).df().set_index("cohort"),
        "lurker_share": con.sql(_SQL_LURKERS).df().set_index("group_id")["lurker_share"],
        "quiet_members": con.sql("SELECT member_id FROM quiet").df()["member_id"],
        "lift_all": con.sql(_sql_lift(False)).df().set_index("offset"),
        "lift_quiet": con.sql(_sql_lift(True)).df().set_index("offset"),
        "participation": con.sql(_SQL_PARTICIPATION).df().set_index("group_id"),
        "networks": con.sql(_SQL_NETWORKS).df().set_index("group_id"),
        "owner_departure": con.sql(_SQL_DEPARTURE).df().set_index("group_id"),
        "thresholds": con.sql(_SQL_THRESHOLDS).df().set_index("threshold"),
    }
    con.close()
    return out


ENGINES = {"pandas": pandas_metrics, "duckdb": duckdb_metrics}


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
            pd.testing.assert_frame_equal(a, b, check_dtype=False, check_index_type=False, check_names=False,
                                          rtol=rtol, atol=1e-12)
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
        info = json.loads(_python("--make-data", str(folder / "data"), "--messages", str(messages),
                                  "--seed", str(seed)))
        print(f"metrics: generate(seed={seed}, groups={info['groups']}) -> {info['messages']:,} messages, "
              f"{info['members']:,} members, {info['red_packets']:,} red packets "
              f"({time.perf_counter() - start:.1f} s, Parquet in a temp dir)")
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
    print(f"  median of {repeat} run(s) per engine, each in a fresh process (read Parquet + all metrics)")
    print(f"  {'engine':<8} {'time (s)':>9} {'min (s)':>8} {'process wall (s)':>17} {'peak RSS (MB)':>14}")
    for name, rs in runs.items():
        print(f"  {name:<8} {med[name]:9.2f} {min(r['seconds'] for r in rs):8.2f} {wall[name]:17.2f} "
              f"{peak[name]:14.0f}")
    ok_ratio, ok_mem = ratio <= RATIO_TARGET, peak["pandas"] <= MEMORY_TARGET_MB
    print(f"  ratio pandas/duckdb = {ratio:.2f}  (target <= {RATIO_TARGET})  {'OK' if ok_ratio else 'MISSED'}"
          f"   [fastest runs: {fastest:.2f}]")
    print(f"  pandas peak memory  = {peak['pandas'] / 1024:.2f} GB  (target <= {MEMORY_TARGET_MB / 1024:.1f} GB)  "
          f"{'OK' if ok_mem else 'MISSED'}")
    print(f"  results agree: {'yes, all ' + str(len(results['pandas'])) + ' metrics' if not problems else 'NO'}")
    for p in problems:
        print(f"    DIFFERENT {p}")
    return {"messages": info["messages"], "groups": info["groups"], "pandas_s": med["pandas"],
            "duckdb_s": med["duckdb"], "pandas_over_duckdb": ratio, "pandas_over_duckdb_fastest": fastest,
            "pandas_peak_mb": peak["pandas"], "duckdb_peak_mb": peak["duckdb"], "agree": not problems,
            "disagreements": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
