"""Hostile submissions: one batch of attacks, mixed with good submissions, graded for real.

The corpus (``tests/hostile/make_corpus.py``, table in ``tests/hostile/README.md``) is written
into a temporary course next to three good submissions from the round-trip test (correct,
partial, empty) and graded in ONE batch: with ``shequn grade`` when that command exists, else
with a thin local helper that runs the real ``nbgrader autograde`` per student in the sandbox
kernel (``shequn.grading.sandbox``: unprivileged user, rlimits, no network).  No hostile
notebook is ever executed before the test has checked that the sandbox limits are in force.

Asserted: every hostile submission ends with 0 / a bounded partial score or a flag, the good
ones score exactly, the gradebook is intact, nothing outside the temporary course changed,
and no process is left behind.  Root only (user switch and network namespace).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest

from shequn.grading.course import fill_answers, make_course, run_nbgrader
from shequn.grading.grade import audit_notebook
from shequn.grading.sandbox import (ensure_user, execute_sandboxed, install_kernelspec,
                                    kill_user_processes, user_pids)

ROOT = Path(__file__).resolve().parents[1]
NAME = "threshold_design"
USER = "shequn-hostile"  # dedicated: clean-up kills every process of this user
LIMITS = {"memory_mb": 2048, "nproc": 64, "cpu_seconds": 60, "fsize_mb": 16}
CELL_TIMEOUT = 15  # seconds per cell: the correct notebook's slowest cell needs ~2 s
STUDENT_TIMEOUT = 180  # hard cap for one student's nbgrader run (helper only)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root (CI runs as root)")


def _load_corpus():
    spec = importlib.util.spec_from_file_location("hostile_corpus", ROOT / "tests" / "hostile" / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()
_rt_spec = importlib.util.spec_from_file_location("roundtrip_defs", ROOT / "tests" / "test_grading_roundtrip.py")
roundtrip = importlib.util.module_from_spec(_rt_spec)
_rt_spec.loader.exec_module(roundtrip)
GOOD = {s: roundtrip.THRESHOLD_STUDENTS[s] for s in ("correct", "partial", "empty")}


# ------------------------------------------------------------------ helpers


def _grade_command_available() -> bool:
    if not (ROOT / "src" / "shequn" / "grading" / "grade.py").exists():
        return False
    proc = subprocess.run([sys.executable, "-m", "shequn.cli", "grade", "--help"],
                          capture_output=True, text=True, cwd=ROOT)
    return proc.returncode == 0 and "--timeout" in proc.stdout


def _owned_by(uid: int, exclude: Path) -> set[str]:
    """Files of the sandbox user in the world-writable places (outside ``exclude``).

    Kernel work dirs of concurrent runs of this test (``/tmp/shq-h-*/sbx|probe``) are ignored.
    """
    found = subprocess.run(["find", "/tmp", "/var/tmp", "/dev/shm", "-xdev", "-uid", str(uid),
                            "-not", "-path", f"{exclude}/*"], capture_output=True, text=True).stdout.split()
    return {p for p in found if not re.match(r"/tmp/shq-h-[^/]+/(sbx|probe)(/|$)", p)}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): _sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


class SolutionServer:
    """Serves the solution code on 127.0.0.1 to anyone who connects (and counts them)."""

    def __init__(self, code: str):
        self.code = code.encode()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                conn.sendall(self.code)

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def _sandbox_probe(work: Path) -> tuple[int, int, int]:
    """uid, RLIMIT_NPROC and RLIMIT_AS (MB) seen inside a kernel of the grading user."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os, resource\nprint(os.getuid(), resource.getrlimit(resource.RLIMIT_NPROC)[0],"
        " resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20)")])
    execute_sandboxed(nb, work, timeout=30, user=USER, **LIMITS)
    uid, nproc, mem = map(int, "".join(o.get("text", "") for o in nb.cells[0].outputs).split())
    return uid, nproc, mem


def _autograde_sandboxed(course: Path, student: str, index: int, workroot: Path) -> dict:
    """The fallback grader: real ``nbgrader autograde`` for one student, kernel in the sandbox.

    The kernel is the sandbox launcher (kernelspec written per student, work dir outside the
    course, ipc transport); every process of the sandbox user is killed afterwards.
    """
    workdir = workroot / f"w{index}"
    jpath = workroot / f"k{index}"
    kdir = install_kernelspec(jpath / "kernels", "shequn-sandbox", user=USER, workdir=workdir, **LIMITS)
    argv = json.loads((kdir / "kernel.json").read_text())["argv"]
    assert argv[1:3] == ["-m", "shequn.grading.sandbox"] and "--nproc" in argv  # limits in force
    exe = Path(sys.executable).with_name("nbgrader")
    env = dict(os.environ, JUPYTER_PATH=str(jpath), PATH=f"{exe.parent}{os.pathsep}{os.environ['PATH']}")
    args = [str(exe), "autograde", NAME, "--student", student, "--force",
            "--Execute.kernel_name=shequn-sandbox", "--KernelManager.transport=ipc",
            f"--KernelManager.ip={workdir / 'kernel-ipc'}", f"--Execute.timeout={CELL_TIMEOUT}"]
    start = time.monotonic()
    proc = subprocess.Popen(args, cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, errors="replace", start_new_session=True)
    try:
        out, err = proc.communicate(timeout=STUDENT_TIMEOUT)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        timed_out = True
    kill_user_processes(ensure_user(USER)[0])
    log = out + err
    autograded = course / "_grading" / "autograded" / student / NAME / f"{NAME}.ipynb"
    if autograded.exists() and audit_notebook(autograded):
        _needs_manual(course, student)  # tampering: the instructor decides, not the exported total
    return {"rc": proc.returncode, "timed_out": timed_out, "seconds": time.monotonic() - start,
            "log": log, "errors": [line for line in log.splitlines() if "ERROR" in line or "Error" in line]}


def _needs_manual(course: Path, student: str) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for grade in gb.find_submission_notebook(NAME, NAME, student).grades:
            grade.needs_manual_grade = True
        gb.db.commit()


def _grade_batch(course: Path, students: list[str], workroot: Path) -> tuple[str, dict[str, dict]]:
    """Grade all students in one batch; ``(grader, {student: run info})``.

    ``SHEQUN_HOSTILE_GRADER=nbgrader`` forces the local helper even when ``shequn grade`` exists.
    """
    if os.environ.get("SHEQUN_HOSTILE_GRADER") != "nbgrader" and _grade_command_available():
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "shequn.cli", "grade", NAME, "--course", str(course), "--workers", "4",
             "--timeout", "120", "--cell-timeout", str(CELL_TIMEOUT), "--memory", str(LIMITS["memory_mb"]),
             "--quiet"], capture_output=True, text=True, errors="replace", timeout=900, cwd=ROOT)
        seconds = time.monotonic() - start
        journal = {}
        path = course / "_grading" / "shequn-grade" / f"{NAME}.jsonl"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                with contextlib.suppress(json.JSONDecodeError):
                    journal[json.loads(line)["student"]] = json.loads(line)
        log = proc.stdout + proc.stderr
        out = {}
        for s in students:
            entry = journal.get(s)
            flags = [f for f in (entry or {}).get("flags", []) if f != "needs manual grading"]
            out[s] = {"rc": proc.returncode, "timed_out": False, "seconds": seconds, "log": log,
                      "errors": flags if entry else [f"not in the journal (exit code {proc.returncode})"],
                      "journal": entry}
        return "shequn grade", out
    mode = course.stat().st_mode
    course.chmod(0o700)  # the sandbox user must not reach solutions/, submissions, gradebook.db
    try:
        return "nbgrader autograde (local helper)", {
            s: _autograde_sandboxed(course, s, i, workroot) for i, s in enumerate(students)}
    finally:
        course.chmod(mode & 0o7777)


# ------------------------------------------------------------------ the batch


@pytest.fixture(scope="module")
def batch():
    started = time.monotonic()
    uid = ensure_user(USER)[0]
    assert user_pids(uid, zombies=True) == [], "sandbox user busy before the test"
    base = Path(tempfile.mkdtemp(prefix="shq-h-"))  # short: ipc socket paths
    base.chmod(0o755)  # like a real course folder: world-searchable ancestors
    canary = base / "canary.txt"
    canary.write_text("outside the course")
    course = make_course(ROOT, base / "course", (NAME,))
    course.chmod(0o755)
    run_nbgrader(["generate_assignment", NAME, "--force"], cwd=course)
    release = nbformat.read(course / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)

    server = SolutionServer("\n".join(corpus.solution_code(corpus._cells(source)[g].source)
                                      for g in corpus.ANSWERS))
    expects = corpus.build(course, port=server.port, partial_answers=GOOD["partial"][0])
    for student, (answers, _) in GOOD.items():
        folder = course / "_grading" / "submitted" / student / NAME
        folder.mkdir(parents=True)
        nbformat.write(fill_answers(release, source, answers), folder / f"{NAME}.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
    # interleave: good ones first, middle and last
    hostile = sorted(expects)
    students = ["correct", *hostile[:11], "partial", *hostile[11:], "empty"]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:  # `nbgrader db student add`, 25x faster
        for student in students:
            gb.update_or_create_student(student)

    # the sandbox limits must be in force before any hostile notebook runs
    probe_uid, nproc, mem = _sandbox_probe(base / "probe")
    assert probe_uid == uid != 0 and nproc == LIMITS["nproc"] and mem == LIMITS["memory_mb"]

    protected = {p: _sha(p) for p in [canary, course / "nbgrader_config.py",
                                      *(course / "solutions").rglob("*.ipynb"),
                                      *(course / "_grading" / "submitted").rglob("*.ipynb")]}
    before_tmp = set(os.listdir("/tmp"))
    before_owned = _owned_by(uid, base)
    workroot = base / "sbx"
    workroot.mkdir()
    try:
        grader, runs = _grade_batch(course, students, workroot)
    finally:
        server.close()
    graded_at = time.monotonic()
    yield {"course": course, "base": base, "expects": expects, "runs": runs, "uid": uid, "server": server,
           "protected": protected, "before_tmp": before_tmp, "before_owned": before_owned,
           "students": students, "grader": grader, "seconds": graded_at - started}
    kill_user_processes(uid)
    shutil.rmtree(base, ignore_errors=True)


def _gradebook(course: Path) -> dict[str, dict]:
    from nbgrader.api import Gradebook, MissingEntry

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in [s.id for s in gb.students]:
            try:
                sub = gb.find_submission(NAME, student)
                nb = gb.find_submission_notebook(NAME, NAME, student)
            except MissingEntry:
                out[student] = None
                continue
            out[student] = {"score": sub.score, "grades": {g.name: g.score for g in nb.grades},
                            "manual": sub.needs_manual_grade}
    return out


def _outcome(batch, student) -> dict:
    """Score in the gradebook, the grader's flags, and the test's own audit of the autograded notebook."""
    course = batch["course"]
    run = batch["runs"][student]
    entry = _gradebook(course).get(student)
    autograded = course / "_grading" / "autograded" / student / NAME / f"{NAME}.ipynb"
    audit = audit_notebook(autograded) if autograded.exists() else []
    local = "journal" not in run
    died = re.search(r"DeadKernel|Kernel died|kernel died",
                     run["log"] if local else "\n".join(run["errors"])) is not None
    reasons = list(run["errors"])
    if local:  # the local helper is the grader: its failures and the audit are its flags
        if run["rc"] != 0:
            reasons.append(f"nbgrader exit code {run['rc']}")
        if run["timed_out"]:
            reasons.append("killed after STUDENT_TIMEOUT")
        reasons += audit
    if entry is None or not autograded.exists():
        reasons.append("no graded notebook" if entry else "no submission in the gradebook")
    return {"score": None if entry is None else entry["score"], "flagged": bool(reasons),
            "needs_manual": bool(entry and entry["manual"]),
            "reasons": reasons[:4], "audit": audit, "died": died, "seconds": round(run["seconds"], 1)}


def test_print_outcomes(batch):
    """Not an assertion: the observed table (run with -s to see it)."""
    for student in batch["students"]:
        o = _outcome(batch, student)
        print(f"{student:24} score={o['score']!s:8} flagged={o['flagged']!s:5} {o['seconds']:5}s "
              f"reasons={o['reasons']} audit={o['audit']}")
    print("grader:", batch["grader"], "| batch seconds:", round(batch["seconds"], 1))
    if batch["grader"] == "shequn grade":
        print("shequn grade output (tail):", next(iter(batch["runs"].values()))["log"][-3000:])


def test_every_submission_was_graded_or_flagged_individually(batch):
    """One bad submission must never stop the batch: each one has its own entry or its own flag."""
    book = _gradebook(batch["course"])
    lost = [s for s in batch["students"]
            if book.get(s) is None and not [r for r in batch["runs"][s]["errors"] if "not in the journal" not in r]]
    lost += [s for s in batch["students"] if any("not in the journal" in r for r in batch["runs"][s]["errors"])]
    tail = next(iter(batch["runs"].values()))["log"][-800:]
    assert lost == [], f"not graded individually: {sorted(set(lost))}; grader output ends: {tail}"


def test_good_submissions_score_exactly(batch):
    book = _gradebook(batch["course"])
    for student, (answers, expected) in GOOD.items():
        assert book[student] is not None, student
        assert book[student]["score"] == pytest.approx(expected, abs=1e-3), (student, book[student])
        assert _outcome(batch, student)["flagged"] is False, (student, _outcome(batch, student))


HOSTILE = [
    "h01_infinite_loop", "h02_memory_bomb", "h03_fork_bomb", "h04_huge_output", "h05_sys_exit",
    "h06_os_exit", "h07_segfault", "h08_sigkill", "h09_syntax_error", "h10_invalid_json",
    "h11_empty_file", "h12_wrong_assignment", "h13_deleted_tests", "h14_edited_tests",
    "h15_monkeypatch_score", "h16_fake_helpers", "h17_read_solution", "h18_read_other_learner",
    "h19_write_gradebook", "h20_gbk_content", "h21_gbk_filename", "h22_network"]


@pytest.mark.parametrize("student", HOSTILE)
def test_hostile_outcome(batch, student):
    expect = batch["expects"][student]
    o = _outcome(batch, student)
    score, flagged = o["score"], o["flagged"]
    why = (student, expect.outcome, batch["grader"], o)
    if expect.flag:
        assert flagged, why
    if expect.score is not None:
        assert score == pytest.approx(expect.score, abs=1e-3), why
    if expect.max_score is not None:
        bounded = score is not None and score <= expect.max_score + 1e-6
        if expect.zero_or_flag:
            assert flagged or bounded, why
            if not bounded and score is not None:  # points it should not have: not in an export
                assert o["needs_manual"], ("flagged, but the gradebook total counts", *why)
        else:
            assert bounded or (score is None and flagged), why


def test_huge_output_is_not_stored(batch):
    autograded = batch["course"] / "_grading" / "autograded" / "h04_huge_output" / NAME / f"{NAME}.ipynb"
    assert autograded.exists(), _outcome(batch, "h04_huge_output")
    size = autograded.stat().st_size
    if size >= 2**20 and batch["grader"] != "shequn grade":
        pytest.xfail(f"bare nbgrader stores {size} bytes: LimitOutput caps lines, not characters")
    assert size < 2**20, f"{size} bytes stored (and rendered into feedback): cap output by characters"


def test_fork_bomb_only_went_off_inside_the_sandbox(batch):
    autograded = batch["course"] / "_grading" / "autograded" / "h03_fork_bomb" / NAME / f"{NAME}.ipynb"
    assert autograded.exists(), _outcome(batch, "h03_fork_bomb")
    cell = corpus._cells(nbformat.read(autograded, as_version=4))["q3_answer"]
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    armed = re.search(r"fork bomb armed, uid (\d+) nproc (\d+)", text)
    assert armed, f"the guard refused: the kernel was not sandboxed ({cell.outputs[:1]})"
    assert int(armed[1]) != 0 and 0 < int(armed[2]) <= 256


def test_corpus_is_complete():
    readme = (ROOT / "tests" / "hostile" / "README.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(h\d\d_\w+)`", readme, flags=re.M))
    assert len(rows) >= 16 and rows == set(HOSTILE)


def test_gradebook_intact(batch):
    db = batch["course"] / "gradebook.db"
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM grade WHERE manual_score = 100").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM comment WHERE manual_comment = 'pwned'").fetchone()[0] == 0
    students = {s for s, e in _gradebook(batch["course"]).items()}
    assert set(batch["students"]) <= students


def test_nothing_outside_the_course_changed(batch):
    for path, digest in batch["protected"].items():
        assert path.exists() and _sha(path) == digest, path
    assert batch["server"].connections == 0, "a kernel reached the host's loopback"
    assert not (batch["course"] / "_grading" / "pwned.txt").exists()
    new = set(os.listdir("/tmp")) - batch["before_tmp"]
    assert not [n for n in new if n.startswith("shequn-hostile-pwned")], new
    assert _owned_by(batch["uid"], batch["base"]) <= batch["before_owned"]


def test_no_stray_processes(batch):
    assert user_pids(batch["uid"], zombies=True) == []
    me = os.getpid()
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                kids.append(entry)
    assert kids == [], kids
