"""The suite's own leftover check counts only what this run's processes made (tests/helpers/leftovers.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from helpers.leftovers import RunProcesses, sandbox_leftovers


def test_a_grader_folder_counts_only_for_its_maker(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    other = 1  # init: some other process, never a grader of this run
    for name in (f"shequn-grade-{os.getpid()}-a", f"shequn-sbx-{os.getpid()}-b", f"shequn-grade-{other}-c"):
        (tmp_path / name).mkdir()
    mine = {f"{tmp_path}/shequn-grade-{os.getpid()}-a", f"{tmp_path}/shequn-sbx-{os.getpid()}-b"}
    assert mine <= set(sandbox_leftovers(set(), makers={os.getpid()}))
    assert f"{tmp_path}/shequn-grade-{other}-c" not in sandbox_leftovers(set(), makers={os.getpid()})
    assert f"{tmp_path}/shequn-grade-{other}-c" in sandbox_leftovers(set())  # without makers: everything


def test_the_run_records_its_short_lived_grandchildren_and_nothing_else():
    run = RunProcesses(os.getpid(), interval=0.05)
    try:
        # a child that starts a grandchild living 0.5 s, then prints its pid and ends
        code = (
            "import subprocess, sys\n"
            "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(0.5)'])\n"
            "print(p.pid, flush=True)\n"
            "p.wait()"
        )
        with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as child:
            grandchild = int(child.stdout.readline())
        # the child waited for the grandchild: both have ended; the recorder saw them while they lived
    finally:
        pids = run.stop()
    assert {os.getpid(), child.pid, grandchild} <= pids
    assert 1 not in pids and os.getppid() not in pids
