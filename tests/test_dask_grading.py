"""``shequn grade --cluster``: a real Dask cluster on loopback grades exactly as local grading does.

A real ``dask scheduler`` on 127.0.0.1 and three ``dask worker`` processes (the project's Python,
``--no-nanny``): two grading nodes, and one whose PATH has no bubblewrap, which must refuse every
task and be reported.  One course (threshold_design: two honest learners and four hostile
submissions from ``tests/hostile``) is graded with ``--cluster``; once the first result is
journaled, a grading worker that holds a task is SIGKILLed (its task must be graded by the
other); once that task is journaled, the coordinator itself is SIGKILLed, and a rerun must
grade only what the journal lacks.  The gradebook (every cell's scores, comments, flags) must
equal a local ``shequn grade`` run of a copy of the same course.  Also: an unreachable scheduler
fails fast with a bilingual message naming it, and a malformed result is flagged, not written.
At the end everything is torn down and nothing of it may be left.  Root only (the sandbox).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from helpers.course import fill_answers, make_course
from helpers.leftovers import sandbox_leftovers, sandbox_uids
from helpers.students import THRESHOLD_STUDENTS
from shequn.grading.authoring.release import run_nbgrader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
import make_corpus as corpus  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.root]
NAME = corpus.ASSIGNMENT
HONEST = {s: THRESHOLD_STUDENTS[s][0] for s in ("correct", "partial")}
HOSTILE = ("h08_sigkill", "h10_invalid_json", "h19_write_gradebook", "h56_symlink_result")
STUDENTS = sorted([*HONEST, *HOSTILE])
LIMITS = ["--timeout", "300", "--cell-timeout", "30", "--quiet"]
TMP = tempfile.gettempdir()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **extra}


def _shequn(*args: str) -> list[str]:
    return [sys.executable, "-m", "shequn.cli", *args]


def _journal(course: Path) -> list[dict]:
    """The journal's complete lines (read while the grader may be writing one)."""
    path = course / "_grading" / "shequn-grade" / f"{NAME}.jsonl"
    text = path.read_text() if path.exists() else ""
    return [json.loads(x) for x in text[: text.rfind("\n") + 1].splitlines() if x.strip()]


def _gradebook(course: Path) -> dict:
    """Per student: total, late penalty and, per cell, (auto, manual, needs manual, auto comment)."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(NAME):
            nb = gb.find_submission_notebook(NAME, NAME, sub.student.id)
            comments = {c.name: c.auto_comment for c in nb.comments}
            out[sub.student.id] = {
                "score": round(sub.score, 6),
                "penalty": nb.late_submission_penalty,
                "cells": {
                    g.name: (g.auto_score, g.manual_score, g.needs_manual_grade, comments.get(g.name))
                    for g in nb.grades
                },
            }
    return out


def _wait_for(predicate, what: str, timeout: float = 240, proc=None, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        assert proc is None or proc.poll() is None, (
            f"the coordinator ended before {what}: {Path(log.name).read_text()[-3000:] if log else ''}"
        )
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class LoopbackCluster:
    """A scheduler and workers started as subprocesses (own sessions), all under *folder*."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.logs, self.procs = [], {}
        self.env = _env(DASK_TEMPORARY_DIRECTORY=str(folder / "dask-tmp"))
        self._start(
            "scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"]
        )
        for name in ("grader-a", "grader-b"):
            self._start(name, self._worker_args(name))
        # a node without bubblewrap on its PATH: the sandbox preflight fails there
        self._start("no-bwrap", self._worker_args("no-bwrap"), PATH=str(Path(sys.executable).parent))

    def _worker_args(self, name: str) -> list[str]:
        return [
            "worker",
            self.address,
            "--name",
            name,
            "--nthreads",
            "1",
            "--no-nanny",
            "--no-dashboard",
            "--memory-limit",
            "0",
            "--death-timeout",
            "60",
            "--local-directory",
            str(self.folder / name),
        ]

    def _start(self, name: str, args: list[str], **env) -> None:
        log = open(self.folder / f"{name}.log", "wb")
        self.logs.append(log)
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "dask", *args],
            cwd=self.folder,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=60, set_as_default=False)

    def kill(self, name: str) -> None:
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(timeout=30)

    def stop(self) -> None:
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        for log in self.logs:
            log.close()


def _our_processes(port: int) -> list[str]:
    """Processes still running whose command line names this test's scheduler port."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if f"127.0.0.1:{port}" in cmd and "dask" in cmd:
            found.append(f"{pid}: {cmd[:200]}")
    return found


@pytest.fixture(scope="module")
def world():
    """Every /tmp name before the test; a short base folder (unix socket paths) with the course."""
    before = set(os.listdir(TMP))
    base = Path(tempfile.mkdtemp(prefix="sqd", dir=TMP))
    base.chmod(0o755)  # the sandbox uid enters the course folders
    course = make_course(ROOT, base / "base", (NAME,))
    run_nbgrader(["generate_assignment", NAME, "--force"], cwd=course)
    release = nbformat.read(course / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    other = nbformat.read(ROOT / "assignments" / corpus.ANALYSIS / f"{corpus.ANALYSIS}.ipynb", as_version=4)
    entries = corpus.corpus(
        release, source, course=str(course), port=9, other_release=other, partial=HONEST["partial"]
    )
    corpus.write(course, NAME, {k: entries[k] for k in HOSTILE})
    corpus.write(course, NAME, {s: (None, fill_answers(release, source, a)) for s, a in HONEST.items()})
    # one hidden-data seed for every copy (otherwise each copy makes its own on first grading)
    with (course / "nbgrader_config.py").open("a") as fh:
        fh.write("\nc.ShequnGrade.grading_seed = 20261130\n")
    (base / "dask-tmp").mkdir()
    yield {"base": base, "course": course, "before": before, "graders": []}
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(world):
    c = LoopbackCluster(world["base"])
    yield c
    c.stop()


def _copy(world, name: str) -> Path:
    return Path(shutil.copytree(world["course"], world["base"] / name))


def _busy_grader(client, workers: dict) -> str | None:
    busy = client.processing()
    return next((n for n in ("grader-a", "grader-b") if busy.get(workers[n][0])), None)


def test_cluster_grading_survives_dead_worker_and_coordinator_and_equals_local(world, cluster):
    course = _copy(world, "cl")
    client = cluster.client()
    log = open(world["base"] / "coordinator-1.log", "w+")
    coordinator = None
    try:
        client.wait_for_workers(3, timeout=120)
        workers = {w["name"]: (addr,) for addr, w in client.scheduler_info(n_workers=-1)["workers"].items()}
        coordinator = subprocess.Popen(
            _shequn("grade", NAME, "--course", str(course), "--cluster", cluster.address, *LIMITS),
            env=_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_for(lambda: _journal(course), "the first journaled result", proc=coordinator, log=log)
        victim = _wait_for(
            lambda: _busy_grader(client, workers),
            "a grading worker holding a task",
            proc=coordinator,
            log=log,
        )
        in_flight = set(client.processing()[workers[victim][0]])
        survivor = workers["grader-b" if victim == "grader-a" else "grader-a"][0]
        assert in_flight
        cluster.kill(victim)
        retried = _wait_for(
            lambda: [e for e in _journal(course) if e["task"] in in_flight],
            "the dead worker's task to be graded elsewhere",
            proc=coordinator,
            log=log,
        )
        assert [e["worker"].split(" ")[0] for e in retried] == [survivor]
        assert len(_journal(course)) < len(STUDENTS), "the coordinator must be killed while work remains"
        os.killpg(coordinator.pid, signal.SIGKILL)
        coordinator.wait(timeout=30)
        first = _journal(course)
    finally:
        client.close()
        if coordinator is not None and coordinator.poll() is None:
            os.killpg(coordinator.pid, signal.SIGKILL)
            coordinator.wait(timeout=30)
    rerun = subprocess.run(
        _shequn("grade", NAME, "--course", str(course), "--cluster", cluster.address, *LIMITS),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
    )
    log.seek(0)
    said = log.read() + rerun.stdout + rerun.stderr
    log.close()
    assert rerun.returncode == 0, said[-3000:]
    final = _journal(course)
    assert final[: len(first)] == first  # journaled results were not graded again
    assert sorted(e["student"] for e in final) == STUDENTS  # every submission exactly once
    assert workers["no-bwrap"][0] not in {e["worker"].split(" ")[0] for e in final}
    assert "worker refused the task" in said and "bwrap" in said  # the refusal was reported, with why

    local = _copy(world, "lo")
    proc = subprocess.Popen(
        _shequn("grade", NAME, "--course", str(local), "--workers", "2", *LIMITS),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    world["graders"].append(proc.pid)  # the sandboxes of this run are named after it
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    assert _gradebook(course) == _gradebook(local)
    assert set(_gradebook(course)) == set(STUDENTS)
    flags = lambda c: {e["student"]: (e["status"], e["flags"], e["score"]) for e in _journal(c)}  # noqa: E731
    assert flags(course) == flags(local)
    # the hostile ones were caught as the local grader catches them; the honest ones scored by hand
    got = flags(course)
    assert "kernel died" in got["h08_sigkill"][1] and got["h10_invalid_json"][0] == "invalid notebook"
    assert "invalid answer data" in got["h56_symlink_result"][1] and got["h19_write_gradebook"][2] == 0.0
    assert got["correct"][2] == pytest.approx(THRESHOLD_STUDENTS["correct"][1], abs=1e-3)
    assert got["partial"][2] == pytest.approx(THRESHOLD_STUDENTS["partial"][1], abs=1e-3)
    for student in STUDENTS:
        folders = [where / "_grading" / "autograded" / student / NAME for where in (course, local)]
        assert folders[0].is_dir() == folders[1].is_dir(), student
    # a third run has nothing left to do and does not connect for it
    again = subprocess.run(
        _shequn("grade", NAME, "--course", str(course), "--cluster", "tcp://127.0.0.1:9", *LIMITS),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert again.returncode == 0 and "graded now: 0" in again.stdout, again.stdout + again.stderr
    assert _journal(course) == final


def test_unreachable_scheduler_fails_fast_naming_it(world):
    from shequn.grading.results.outcome import GradeError
    from shequn.grading.running.dask_coordinator import CONNECT_TIMEOUT, grade_on_cluster

    course = _copy(world, "unreachable")
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    proc = subprocess.run(
        _shequn("grade", NAME, "--course", str(course), "--cluster", address, "--quiet"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert proc.returncode == 1
    assert address in proc.stderr and "无法连接" in proc.stderr and "cannot reach" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    started = time.monotonic()  # in this process, imports done: the connect timeout, not Dask's 30 s default
    with pytest.raises(GradeError, match="cannot reach the Dask scheduler"):
        grade_on_cluster(course, NAME, address, progress=False)
    assert CONNECT_TIMEOUT <= 5 and time.monotonic() - started < CONNECT_TIMEOUT + 15
    assert _journal(course) == [] and _gradebook(course) == {}


def _good_result(task: dict, cells: dict) -> dict:
    """A well-formed result for *task*, by hand: q1 3/3, q2 1.5/4, q3 0/6, the essay for manual grading."""
    scores = {
        "q1_tests": [3.0, False],
        "q2_tests": [1.5, False],
        "q3_tests": [0.0, False],
        "q4_answer": [None, True],
    }
    assert set(scores) == set(cells)  # the assignment's grade cells, read from the gradebook by the test
    return {
        "protocol": 1,
        "key": task["key"],
        "student": task["student"],
        "hash": task["hash"],
        "attempt": task["attempt"],
        "worker": "tcp://127.0.0.1:1 (node)",
        "status": "needs manual grading",
        "flags": ["needs manual grading"],
        "detail": "",
        "seconds": 2.5,
        "submitted": True,
        "timestamp": "2026-11-20T12:00:00",
        "notebooks": {NAME: {"grades": scores, "comments": {"q4_answer": None}, "late_penalty": 0.0}},
        "autograded": True,
        "files": {f"{NAME}.ipynb".encode(): b"{}"},
        "log": "graded\n",
        "reports": {},
    }


def test_malformed_results_are_flagged_not_written(world, monkeypatch):
    from nbgrader.api import Gradebook, MissingEntry

    import shequn.grading.running.dask_task as ct
    from shequn.grading.results.gradebook import course_dirs
    from shequn.grading.results.journal import Journal, journal_path
    from shequn.grading.running.dask_coordinator import apply_result

    course = _copy(world, "reject")
    dirs = course_dirs(course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_notebook(NAME, NAME)
        cells = {c.name: c.max_score for c in nb.grade_cells}
        expected = ct.expected_cells(gb, NAME)
    task = {"key": "shequn-grade-t-0-a1", "student": "mallory", "hash": "ab" * 32, "attempt": 1}
    good = _good_result(task, cells)
    assert ct.validate_result(good, task, expected, {"needs manual grading", "kernel died"}) == []

    def bad(path: str, value):
        result = json.loads(json.dumps({k: v for k, v in good.items() if k != "files"}))
        result["files"] = dict(good["files"])
        *keys, last = path.split(".")
        node = result
        for k in keys:
            node = node[k]
        node[last] = value
        return result

    monkeypatch.setattr(ct, "MAX_RESULT_BYTES", 1000)
    malformed = {
        "score above the cell's points": bad(f"notebooks.{NAME}.grades.q1_tests", [3.5, False]),
        "negative score": bad(f"notebooks.{NAME}.grades.q2_tests", [-1.0, False]),
        "NaN score": bad(f"notebooks.{NAME}.grades.q2_tests", [float("nan"), False]),
        "score as text": bad(f"notebooks.{NAME}.grades.q2_tests", ["4", False]),
        "score as bool": bad(f"notebooks.{NAME}.grades.q2_tests", [True, False]),
        "unknown cell id": bad(f"notebooks.{NAME}.grades.q9_tests", [1.0, False]),
        "unknown comment cell": bad(f"notebooks.{NAME}.comments.q1_tests_x", "hi"),
        "unknown notebook": bad("notebooks.other", {"grades": {}, "comments": {}, "late_penalty": None}),
        "unknown flag": bad("flags", ["hacked"]),
        "status not the flags'": bad("status", "ok"),
        "another student's result": bad("student", "alice"),
        "an older attempt": bad("attempt", 0),
        "path traversal": bad("files", {b"../../gradebook.db": b"x"}),
        "absolute path": bad("files", {b"/etc/cron.d/x": b"x"}),
        "too many bytes": bad("files", {b"big.ipynb": b"x" * 2000}),
        "seconds as text": bad("seconds", "2"),
        "unknown key": {**good, "run": "rm -rf /"},
        "not a dict": ["result"],
    }
    for why, result in malformed.items():
        assert ct.validate_result(result, task, expected, {"needs manual grading"}), why

    journal = Journal(journal_path(course, NAME))
    try:
        res = apply_result(dirs, NAME, task, malformed["score above the cell's points"], expected, journal)
        assert (res.status, res.flags) == ("invalid result", ["invalid result"]) and "q1_tests" in res.detail
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb, pytest.raises(MissingEntry):
            gb.find_submission(NAME, "mallory")
        assert _journal(course) == [] and not (course / "_grading" / "autograded" / "mallory").exists()
        rejected = json.loads((dirs.state / "logs" / NAME / "mallory.rejected.json").read_text())
        assert any("q1_tests" in p for p in rejected["problems"])
        # the same result, well formed, is written: 3 + 1.5 + 0 points, the essay left for the instructor
        res = apply_result(dirs, NAME, task, good, expected, journal)
    finally:
        journal.close()
    assert (res.status, res.score, res.max_score) == ("needs manual grading", 4.5, sum(cells.values()))
    assert [(e["student"], e["status"]) for e in _journal(course)] == [("mallory", "needs manual grading")]
    assert _gradebook(course)["mallory"]["cells"]["q2_tests"][:3] == (1.5, None, False)
    assert (course / "_grading" / "autograded" / "mallory" / NAME / f"{NAME}.ipynb").read_bytes() == b"{}"


def test_everything_is_torn_down(world, cluster):
    """Last: stop the cluster; no Dask process, sandbox leftover or new /tmp entry of ours remains."""
    cluster.stop()
    assert all(p.poll() is not None for p in cluster.procs.values())
    assert _our_processes(cluster.port) == []
    # the machine may be grading for others too: only sandboxes made by this test's graders count
    # (cgroups r<pid>-*, folders and mounts shequn-grade-<pid>-*, uids UID_BASE + pid % 100000 * 100 + slot)
    from helpers.leftovers import pids_where

    graders = [*world["graders"], *(p.pid for n, p in cluster.procs.items() if n.startswith("grader"))]
    uids = {uid for p in graders for uid in sandbox_uids(p)}

    def ours() -> list[str]:
        names = [
            x
            for x in sandbox_leftovers(world["before"])
            if any(f"/r{p}-" in x or f"shequn-grade-{p}-" in x for p in graders)
        ]
        return names + [f"process {p}" for p in pids_where(lambda uid: uid in uids)]

    deadline = time.monotonic() + 15
    while ours() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ours() == []
    # the machine is shared with other runs (the suite's other workers build wheels and sites in
    # /tmp too): only names grading or Dask could have made are ours
    new = set(os.listdir(TMP)) - world["before"] - {world["base"].name}
    assert (
        sorted(n for n in new if n.startswith(("shequn-grade-", "shequn-sbx-", "dask-")) or "dask" in n) == []
    )
