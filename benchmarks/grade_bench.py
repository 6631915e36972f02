"""Benchmark ``shequn grade`` against plain sequential ``nbgrader autograde``.

Two assignments: ``group_analysis`` (the course's own, test cells built on ``shequn.checks``) and
``chat_basics`` (``benchmarks/assert_assignment.py``: bare ``assert``s, as an ordinary nbgrader
course writes them).  N generated submissions of one (the correct solution, with a different
written answer each) are graded in two copies of one temporary course: once by ``shequn grade``
(sandboxed, ``--workers`` = CPU count) and once by ``nbgrader autograde NAME --force``.
Scores must be identical (the plain copy gets the same term seed, so its hidden tests draw the same
data).  For ``chat_basics`` a difference is reported (``scores_identical``, ``score_differences``)
instead of stopping the run: a bare-assert cell scores 0 under the trusted grader until it applies
nbgrader's scoring rule to cells without a numeric result (issue 23), and the timing is still
worth having meanwhile.  What the trusted grader's channel costs (calls into the sandboxed kernel, and
their time) is read from its per-notebook reports.  The bare cost of executing one autograded notebook
with nbclient
(plain ``python3`` kernel, no nbgrader, no sandbox) is measured on a few of them.

    python benchmarks/grade_bench.py [N] [--workers W] [--assignment group_analysis|chat_basics|both]

Targets: ``sequential / shequn ≥ 1.8`` and ``shequn wall × workers / N ≤ 1.3 × bare``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "group_analysis"
ASSERT_STYLE = "chat_basics"  # benchmarks/assert_assignment.py
ASSIGNMENTS = (NAME, ASSERT_STYLE)
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _make_course(base: Path, n: int, name: str = NAME) -> Path:
    import nbformat

    from helpers.course import fill_answers, make_course
    from helpers.students import ALL_ANSWERS, ESSAY
    from shequn.grading.authoring.release import run_nbgrader

    if name == ASSERT_STYLE:
        from assert_assignment import source_notebook

        course = make_course(ROOT, base / "shequn", ())
        (course / "solutions" / name).mkdir(parents=True)
        nbformat.write(source_notebook(), course / "solutions" / name / f"{name}.ipynb")
        answers = {gid: None for gid in ("q1_answer", "q2_answer", "q3_answer", "q4_answer", "q5_answer")}
        essay = "q6_answer"
    else:
        course = make_course(ROOT, base / "shequn", (name,))
        answers, essay = dict(ALL_ANSWERS), "q7_answer"
    run_nbgrader(["generate_assignment", name, "--force"], cwd=course)
    release = nbformat.read(course / "assignments" / name / f"{name}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / name / f"{name}.ipynb", as_version=4)
    for i in range(n):
        student = f"s{i:03d}"
        folder = course / "_grading" / "submitted" / student / name
        folder.mkdir(parents=True)
        nbformat.write(
            fill_answers(release, source, {**answers, essay: f"{ESSAY}（第 {i} 份）"}),
            folder / f"{name}.ipynb",
        )
        (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
    return course


def _scores(course: Path, name: str = NAME) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {
            s.student.id: {
                g.name: g.auto_score for g in gb.find_submission_notebook(name, name, s.student.id).grades
            }
            for s in gb.assignment_submissions(name)
        }


def _differences(ours: dict, theirs: dict) -> list[str]:
    """Cells whose score differs between the two graders: "student/cell: shequn X, plain Y"."""
    return [
        f"{student}/{cell}: shequn {ours.get(student, {}).get(cell)}, plain {score}"
        for student, cells in sorted(theirs.items())
        for cell, score in sorted(cells.items())
        if ours.get(student, {}).get(cell) != score
    ]


def _bare(notebooks: list[Path]) -> float:
    """Median seconds to execute one notebook with nbclient in a plain python3 kernel."""
    import nbformat
    from nbclient import NotebookClient

    times = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        t = time.perf_counter()
        NotebookClient(
            nb,
            kernel_name="python3",
            timeout=300,
            allow_errors=True,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_grade(repeat: int = 1, n: int = 60, workers: int | None = None, name: str = NAME) -> dict:
    """Grade *n* submissions of *name* both ways (best of *repeat*); return timings and ratios."""
    workers = workers or os.cpu_count() or 1
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    base = Path(tempfile.mkdtemp(prefix="sgb", dir="/tmp"))
    base.chmod(0o755)
    try:
        course = _make_course(base, n, name)
        seq = base / "seq"
        shutil.copytree(course, seq)
        from helpers.students import plain_nbgrader_config

        plain_nbgrader_config(seq)
        t_shequn, t_seq = [], []
        for _ in range(repeat):
            for sub in ("logs", "reports"):
                shutil.rmtree(course / "_grading" / "shequn-grade" / sub, ignore_errors=True)
            (course / "_grading" / "shequn-grade" / f"{name}.jsonl").unlink(missing_ok=True)
            t = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "shequn.cli",
                    "grade",
                    name,
                    "--course",
                    str(course),
                    "--workers",
                    str(workers),
                    "--quiet",
                ],
                check=True,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            t_shequn.append(time.perf_counter() - t)
            seed = (course / "_grading" / "shequn-grade" / "grading-seed").read_text().strip()
            t = time.perf_counter()
            subprocess.run(
                [str(Path(sys.executable).with_name("nbgrader")), "autograde", name, "--force"],
                cwd=seq,
                check=True,
                env={**env, "SHEQUN_GRADING_SEED": seed},
                capture_output=True,
            )
            t_seq.append(time.perf_counter() - t)
        ours, theirs = _scores(course, name), _scores(seq, name)
        differences = _differences(ours, theirs)
        if len(ours) != n or len(theirs) != n or (differences and name != ASSERT_STYLE):
            raise AssertionError(
                "shequn grade and nbgrader autograde disagree: " + "; ".join(differences[:5])
            )
        calls, call_s = _channel_cost(course, name)
        stages = _stages(course, name)
        samples = sorted((seq / "_grading" / "autograded").glob(f"*/{name}/{name}.ipynb"))[: min(n, 5)]
        bare = _bare(samples)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    best_s, best_q = min(t_shequn), min(t_seq)
    per_nb = best_s * workers / n
    return {
        "assignment": name,
        "n": n,
        "workers": workers,
        "shequn_s": round(best_s, 2),
        "sequential_s": round(best_q, 2),
        "bare_nbclient_per_notebook_s": round(bare, 3),
        "shequn_per_notebook_s": round(per_nb, 3),
        "speedup_vs_sequential": round(best_q / best_s, 2),
        "per_notebook_vs_bare": round(per_nb / bare, 2),
        "scores_identical": not differences,
        "score_differences": len(differences),
        "plain_points_per_notebook": round(
            statistics.median(sum(v or 0 for v in c.values()) for c in theirs.values()), 3
        ),
        "shequn_points_per_notebook": round(
            statistics.median(sum(v or 0 for v in c.values()) for c in ours.values()), 3
        ),
        "channel_calls_per_notebook": round(calls / n, 1),
        "channel_seconds_per_notebook": round(call_s / n, 3),
        "channel_share_of_notebook": round(call_s / n / per_nb, 3) if per_nb else None,
        **stages,
    }


def _channel_cost(course: Path, name: str = NAME) -> tuple[int, float]:
    """Calls into the sandboxed kernel and their total seconds, from the trusted runner's reports."""
    import json

    calls, seconds = 0, 0.0
    for path in (course / "_grading" / "shequn-grade" / "reports" / name).glob("*/*.json"):
        channel = json.loads(path.read_text(encoding="utf-8")).get("channel", {})
        calls += channel.get("calls", 0)
        seconds += channel.get("seconds", 0.0)
    return calls, seconds


def _stages(course: Path, name: str = NAME) -> dict:
    """Median seconds per notebook in each stage of the trusted runner, and the slowest tests stage
    (a worker's first notebooks make the run's hidden data; later ones read it from the cache)."""
    import json

    seen: dict[str, list[float]] = {}
    for path in (course / "_grading" / "shequn-grade" / "reports" / name).glob("*/*.json"):
        for stage, seconds in json.loads(path.read_text(encoding="utf-8")).get("seconds", {}).items():
            seen.setdefault(stage, []).append(seconds)
    out = {f"median_{stage}_s": round(statistics.median(v), 3) for stage, v in sorted(seen.items())}
    if seen.get("trusted_tests"):
        out["max_trusted_tests_s"] = round(max(seen["trusted_tests"]), 3)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=60, help="submissions (default 60)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--assignment", choices=[*ASSIGNMENTS, "both"], default="both")
    args = parser.parse_args(argv)
    for name in ASSIGNMENTS if args.assignment == "both" else (args.assignment,):
        print(f"grade: {args.n} submissions of {name}", flush=True)
        report(bench_grade(args.repeat, n=args.n, workers=args.workers, name=name))


def report(r: dict) -> None:
    for k, v in r.items():
        print(f"  {k:32s} {v}")
    print(f"  faster than sequential nbgrader: {r['speedup_vs_sequential']}× (target ≥ 1.8×)")
    print(
        f"  grader-process round trips:      {r['channel_calls_per_notebook']} calls, "
        f"{r['channel_seconds_per_notebook']} s per notebook ({r['channel_share_of_notebook']} of it)"
    )
    print(f"  per notebook vs bare nbclient:   {r['per_notebook_vs_bare']}× (target ≤ 1.3×)", flush=True)
    if not r["scores_identical"]:
        print(
            f"  SCORES DIFFER in {r['score_differences']} cells: shequn {r['shequn_points_per_notebook']} vs "
            f"plain nbgrader {r['plain_points_per_notebook']} points per notebook (bare asserts: see the "
            "module docstring)",
            flush=True,
        )


if __name__ == "__main__":
    main()
