"""Course-kit benchmarks: one command (`make bench`), ratios measured in the same run.

    python benchmarks/run.py [build|widgets ...] [--repeat N]

build    cold `jupyter-book build` vs executing the same notebooks with nbclient
         alone (the floor), and a warm rebuild with no change vs cold.
         Targets: cold <= 1.5x floor, warm <= 0.3x cold.
widgets  the time of one recompute (model + render) of every lesson explorer,
         median over its whole control grid and worst case at the extremes.
         Targets: median <= 50 ms, extremes <= 100 ms.

Wall-clock medians over --repeat runs; this machine is shared and noisy, so the
ratios (measured back to back) matter more than the absolute seconds.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_build(repeat: int) -> dict[str, float]:
    from shequn.book import BUILD_ARGS, execute_notebook, paired_notebooks

    jb = Path(sys.executable).with_name("jupyter-book")
    lessons = paired_notebooks(ROOT)
    floors, colds, warms = [], [], []
    for _ in range(repeat):
        floors.append(_timed(lambda: [execute_notebook(md) for md in lessons]))
        out = Path(tempfile.mkdtemp(prefix="shequn-bench-"))
        cmd = [str(jb), "build", str(ROOT), *BUILD_ARGS, "--path-output", str(out)]
        run = lambda: subprocess.run(cmd, check=True, capture_output=True)  # noqa: E731
        colds.append(_timed(run))
        warms.append(_timed(run))
        shutil.rmtree(out, ignore_errors=True)
    floor, cold, warm = (statistics.median(x) for x in (floors, colds, warms))
    print(f"build: {len(lessons)} notebook(s), median of {repeat} runs")
    print(f"  nbclient floor      {floor:7.2f} s")
    print(f"  cold jupyter-book   {cold:7.2f} s   ratio cold/floor = {cold / floor:.2f}  (target <= 1.50)")
    print(f"  warm rebuild        {warm:7.2f} s   ratio warm/cold  = {warm / cold:.2f}  (target <= 0.30)")
    return {"cold_over_floor": cold / floor, "warm_over_cold": warm / cold}


def bench_widgets(repeat: int) -> dict[str, float]:
    from shequn import widgets

    specs = [getattr(widgets, name)() for name in widgets.__all__ if name.endswith("_spec")]
    print(f"widgets: one recompute (model + render), {repeat} pass(es) over each grid")
    worst = {}
    for spec in specs:
        grid = [t for _ in range(repeat) for t in (_timed(lambda p=p: spec.compute(**p)) for p in spec.grid())]
        extremes = [_timed(lambda p=p: spec.compute(**p)) for _ in range(repeat) for p in spec.extremes()]
        med, ext = statistics.median(grid) * 1000, max(extremes) * 1000
        worst[spec.name] = ext
        print(f"  {spec.name:<16} grid {spec.grid_size:4d}  median {med:6.2f} ms (target <= 50)"
              f"  worst at extremes {ext:6.2f} ms (target <= 100)")
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="*", help="build and/or widgets (default: both)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    benches = {"build": bench_build, "widgets": bench_widgets}
    for name in args.which or list(benches):
        if name not in benches:
            parser.error(f"unknown benchmark {name!r}; choose from {sorted(benches)}")
        benches[name](args.repeat)


if __name__ == "__main__":
    main()
