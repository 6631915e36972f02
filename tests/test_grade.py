"""`shequn grade`: parallel sandboxed autograding with the real nbgrader, resumable after kill -9.

One temporary course (threshold_design, six fake students) is graded four ways: by
`shequn grade --workers 2`, by plain sequential `nbgrader autograde`, by a `shequn grade` that
is SIGKILLed partway and rerun, and (with an infinite loop added) under a wall-clock timeout.
Scores are compared cell by cell in nbgrader's gradebook.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from helpers.course import fill_answers, make_course
from helpers.serving import stop_process_group, wait_until_serving
from helpers.students import ESSAY, HARD_CODED_Q1, THRESHOLD_STUDENTS, plain_nbgrader_config
from shequn.grading.authoring.release import run_nbgrader

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.integration, pytest.mark.root]

NAME = "threshold_design"
STUDENTS = {
    **{k: v[0] for k, v in THRESHOLD_STUDENTS.items()},
    "correct_b": {"q1_answer": None, "q2_answer": None, "q3_answer": None, "q4_answer": ESSAY + "（第二份）"},
    "partial_b": {"q1_answer": HARD_CODED_Q1, "q2_answer": None},
}
# partial_b: q1 hard-coded (its hidden cases fail; public ones do not score: 0) + q2 correct (4)
# + q3 left empty (0) = 4
EXPECTED_TOTAL = {k: v[1] for k, v in THRESHOLD_STUDENTS.items()} | {"correct_b": 13.0, "partial_b": 4.0}
LOOP = "def highest_price(applicants, min_members, prices):\n    return 50\n\nwhile True:\n    pass\n"


def _shequn(*args: str) -> list[str]:
    exe = Path(sys.executable).with_name("shequn")
    return [str(exe), *args] if exe.exists() else [sys.executable, "-m", "shequn.cli", *args]


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _write_submissions(course: Path, students: dict) -> None:
    release = nbformat.read(course / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    for student, answers in students.items():
        folder = course / "_grading" / "submitted" / student / NAME
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(fill_answers(release, source, answers), folder / f"{NAME}.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")


def _cell_scores(course: Path) -> dict[str, dict[str, tuple]]:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(NAME):
            nb = gb.find_submission_notebook(NAME, NAME, sub.student.id)
            out[sub.student.id] = {
                g.name: (g.auto_score, g.manual_score, g.needs_manual_grade) for g in nb.grades
            }
    return out


def _journal(course: Path) -> list[dict]:
    path = course / "_grading" / "shequn-grade" / f"{NAME}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def workspace():
    # short paths: the kernel's ipc socket lives in the autograded folder (unix socket path limit)
    base = Path(tempfile.mkdtemp(prefix="sg", dir="/tmp"))
    base.chmod(0o755)  # the sandbox users must be able to enter the course
    course = make_course(ROOT, base / "base", (NAME,))
    run_nbgrader(["generate_assignment", NAME, "--force"], cwd=course)
    _write_submissions(course, STUDENTS)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _copy(workspace: Path, name: str) -> Path:
    dst = workspace / name
    if not dst.exists():
        shutil.copytree(workspace / "base", dst)
    return dst


@pytest.fixture(scope="module")
def parallel(workspace):
    course = _copy(workspace, "par")
    proc = subprocess.run(
        _shequn("grade", NAME, "--course", str(course), "--workers", "2", "--quiet"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return course, proc.stdout


def test_parallel_equals_sequential_nbgrader(workspace, parallel):
    course, summary = parallel
    seq = _copy(workspace, "seq")
    plain_nbgrader_config(seq)  # nbgrader's own chain: the tests run in the (unsandboxed) kernel
    seed = (course / "_grading" / "shequn-grade" / "grading-seed").read_text().strip()
    run_nbgrader(["autograde", NAME, "--force"], cwd=seq, env={**os.environ, "SHEQUN_GRADING_SEED": seed})
    got, want = _cell_scores(course), _cell_scores(seq)
    assert set(got) == set(STUDENTS)
    assert got == want
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, total in EXPECTED_TOTAL.items():
            assert gb.find_submission(NAME, student).score == pytest.approx(total, abs=1e-3), student
    entries = _journal(course)
    assert sorted(e["student"] for e in entries) == sorted(STUDENTS)
    assert "needs manual grading" in summary  # the written answers wait for the instructor
    # the notebooks really ran in the sandbox kernel, and its litter was cleaned up
    autograded = course / "_grading" / "autograded" / "correct" / NAME
    assert not list(autograded.glob("kernel-ipc*")) and not (autograded / ".ipython").exists()


def test_kill_9_then_rerun_finishes_only_the_rest(workspace, parallel):
    course = _copy(workspace, "kill")
    journal = course / "_grading" / "shequn-grade" / f"{NAME}.jsonl"
    proc = subprocess.Popen(
        _shequn("grade", NAME, "--course", str(course), "--workers", "2", "--quiet"),
        env=_env(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_text().count("\n") >= 1:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = _journal(course)
    assert 1 <= len(first) < len(STUDENTS), "kill must land after ≥1 and before all submissions"
    rerun = subprocess.run(
        _shequn("grade", NAME, "--course", str(course), "--workers", "2", "--quiet"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    final = _journal(course)
    assert final[: len(first)] == first  # journaled ones were not regraded
    # the killed run's cgroups and work folder were removed by the rerun (other graders may be
    # running on this machine: only the names of the killed grader's pid count)
    from helpers.leftovers import sandbox_leftovers

    killed = (f"/r{proc.pid}-", f"/shequn-grade-{proc.pid}-")
    assert [x for x in sandbox_leftovers() if any(k in x for k in killed)] == []
    students = [e["student"] for e in final]
    assert sorted(students) == sorted(STUDENTS)  # every submission exactly once
    assert _cell_scores(course) == _cell_scores(parallel[0])
    # a changed submission is regraded on the next run, the others are not
    nb = course / "_grading" / "submitted" / "empty" / NAME / f"{NAME}.ipynb"
    shutil.copy(course / "_grading" / "submitted" / "correct" / NAME / f"{NAME}.ipynb", nb)
    again = subprocess.run(
        _shequn("grade", NAME, "--course", str(course), "--quiet"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    last = _journal(course)
    assert [e["student"] for e in last[len(final) :]] == ["empty"]
    assert last[-1]["score"] == pytest.approx(13.0)


def _processes_in(folder: Path) -> list[int]:
    """Processes whose working folder is *folder* (the grader's workers and nbgrader children run there)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(os.readlink(f"/proc/{entry}/cwd")) == folder:
                    pids.append(int(entry))
            except OSError:
                continue
    return pids


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_or_sigint_stops_cleanly_then_rerun_finishes(workspace, parallel, signum):
    """SIGTERM (or Ctrl-C) mid-batch: the run stops within seconds with 128 + the signal, kills its
    workers and sandboxes, and leaves a journal whose every line is a submission graded in full
    (its grades in the gradebook).  A rerun grades exactly the rest: every submission journaled
    once, every score as in the uninterrupted run."""
    from helpers.leftovers import pids_where, sandbox_leftovers, sandbox_uids

    course = _copy(workspace, f"stop{int(signum)}")
    journal = course / "_grading" / "shequn-grade" / f"{NAME}.jsonl"
    proc = subprocess.Popen(
        _shequn("grade", NAME, "--course", str(course), "--workers", "2", "--quiet"),
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_text().count("\n") >= 1:
            break
        time.sleep(0.05)
    proc.send_signal(signum)  # the grader alone, as systemd or `kill` would
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, (proc.returncode, err)
    assert signal.Signals(signum).name in err and "run shequn grade again" in err, err
    # nothing of the stopped run is left: workers, nbgrader children, sandboxed kernels, cgroups, folders
    # (a killed process may take a moment to leave /proc)
    gone = time.monotonic() + 10

    def alive():
        return _processes_in(course) + pids_where(lambda uid: uid in sandbox_uids(proc.pid))

    while time.monotonic() < gone and alive():
        time.sleep(0.1)
    assert _processes_in(course) == []
    assert pids_where(lambda uid: uid in sandbox_uids(proc.pid)) == []
    mine = (f"/r{proc.pid}-", f"/shequn-grade-{proc.pid}-")
    assert [x for x in sandbox_leftovers() if any(m in x for m in mine)] == []
    first = _journal(course)
    assert 1 <= len(first) < len(STUDENTS), "the signal must land after ≥1 and before all submissions"
    assert len({e["student"] for e in first}) == len(first)
    done = _cell_scores(parallel[0])
    scores = _cell_scores(course)
    for entry in first:  # journaled means graded in full
        assert {c: s[0] for c, s in scores[entry["student"]].items()} == {
            c: s[0] for c, s in done[entry["student"]].items()
        }, entry["student"]
    rerun = subprocess.run(
        _shequn("grade", NAME, "--course", str(course), "--workers", "2", "--quiet"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    final = _journal(course)
    assert final[: len(first)] == first  # journaled ones were not regraded
    assert sorted(e["student"] for e in final) == sorted(STUDENTS)  # every submission exactly once
    assert _cell_scores(course) == done


def test_infinite_loop_is_timed_out_and_the_others_keep_their_scores(workspace, parallel):
    course = make_course(ROOT, workspace / "loop", (NAME,))
    run_nbgrader(["generate_assignment", NAME, "--force"], cwd=course)
    _write_submissions(course, {"correct": STUDENTS["correct"], "looper": {"q1_answer": LOOP}})
    proc = subprocess.run(
        _shequn(
            "grade",
            NAME,
            "--course",
            str(course),
            "--workers",
            "2",
            "--quiet",
            "--timeout",
            "20",
            "--cell-timeout",
            "120",
        ),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "looper" in proc.stdout and "timed out" in proc.stdout
    entries = {e["student"]: e for e in _journal(course)}
    assert entries["looper"]["status"] == "timed out"
    assert entries["correct"]["status"] != "timed out"
    scores = _cell_scores(course)
    assert scores["correct"] == _cell_scores(parallel[0])["correct"]
    # flagged in the gradebook too: the instructor sees it in formgrader
    assert "looper" in scores and all(s[2] for s in scores["looper"].values())


def test_canvas_and_moodle_exports(workspace, parallel):
    course, _ = parallel
    out = workspace / "exports"
    for fmt in ("canvas", "moodle"):
        proc = subprocess.run(
            _shequn(
                "grade",
                "export",
                NAME,
                "--course",
                str(course),
                "--format",
                fmt,
                "--out",
                str(out / f"{fmt}.csv"),
            ),
            capture_output=True,
            text=True,
            env=_env(),
        )
        assert proc.returncode == 0, proc.stderr
    with open(out / "canvas.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{NAME} ({NAME})"]
    assert rows[1][0].strip() == "Points Possible" and float(rows[1][5]) == 18
    canvas = {r[2]: r[5] for r in rows[2:]}
    with open(out / "moodle.csv", newline="", encoding="utf-8") as fh:
        moodle = {r["Email address"]: r[NAME] for r in csv.DictReader(fh)}
    assert set(canvas) == set(moodle) == set(STUDENTS)
    # a submission with a written answer not yet graded by hand is held back: no score at all
    held = {s for s, answers in STUDENTS.items() if "q4_answer" in answers}
    assert held == {"correct", "partial", "correct_b"}
    for student in STUDENTS:
        if student in held:
            assert canvas[student] == moodle[student] == "", student
        else:
            assert float(canvas[student]) == pytest.approx(EXPECTED_TOTAL[student], abs=1e-3), student
            assert float(moodle[student]) == pytest.approx(EXPECTED_TOTAL[student], abs=1e-3), student


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def formgrader(workspace, parallel):
    """A real Jupyter server with nbgrader's formgrader, on a copy of the graded course."""
    import requests

    course = workspace / "manual"
    shutil.copytree(parallel[0], course)
    token, port = os.urandom(16).hex(), _free_port()
    log = open(workspace / "formgrader.log", "wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "server",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={course}",
            f"--IdentityProvider.token={token}",
        ],
        cwd=course,
        env=_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    session = requests.Session()
    session.headers["Authorization"] = f"token {token}"
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(f"{base}/formgrader/api/status", proc, workspace / "formgrader.log", 60, session)
    yield course, base, session
    stop_process_group(proc)
    log.close()


def test_formgrader_manual_grading_then_export(formgrader):
    """The instructor grades the written answer in formgrader (its REST API, as its page does)."""
    course, base, session = formgrader
    subs = session.get(f"{base}/formgrader/api/submitted_notebooks/{NAME}/{NAME}").json()
    by_student = {s["student"]: s for s in subs}
    assert set(by_student) == set(STUDENTS)
    sub = by_student["correct"]
    assert sub["needs_manual_grade"]
    # the grading page renders the learner's written answer
    page = session.get(f"{base}/formgrader/submissions/{sub['id']}/")
    assert page.ok and ESSAY[:10] in page.text
    grades = {
        g["name"]: g
        for g in session.get(f"{base}/formgrader/api/grades", params={"submission_id": sub["id"]}).json()
    }
    essay = grades["q4_answer"]
    assert essay["needs_manual_grade"] and essay["auto_score"] is None
    manual = min(2.0, essay["max_score"])
    put = session.put(f"{base}/formgrader/api/grade/{essay['id']}", json={"manual_score": manual})
    assert put.ok and put.json()["manual_score"] == manual and not put.json()["needs_manual_grade"]
    comments = {
        c["name"]: c
        for c in session.get(f"{base}/formgrader/api/comments", params={"submission_id": sub["id"]}).json()
    }
    remark = "论证清楚；再补一个数据支持的反例会更好。"
    assert session.put(
        f"{base}/formgrader/api/comment/{comments['q4_answer']['id']}", json={"manual_comment": remark}
    ).ok
    after = {
        s["student"]: s
        for s in session.get(f"{base}/formgrader/api/submitted_notebooks/{NAME}/{NAME}").json()
    }
    assert after["correct"]["score"] == pytest.approx(13.0 + manual)
    assert not after["correct"]["needs_manual_grade"]
    # feedback generated from formgrader carries the manual score and the comment
    fb = session.post(f"{base}/formgrader/api/assignment/{NAME}/correct/generate_feedback").json()
    assert fb["success"], fb
    html = (course / "_grading" / "feedback" / "correct" / NAME / f"{NAME}.html").read_text(encoding="utf-8")
    assert remark in html
    # nbgrader's own export and ours both see the manual grade
    run_nbgrader(["export", "--to", "grades.csv"], cwd=course)
    with open(course / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh) if r["assignment"] == NAME}
    assert set(rows) == set(STUDENTS)
    assert float(rows["correct"]["score"]) == pytest.approx(13.0 + manual)
    assert float(rows["partial"]["score"]) == pytest.approx(THRESHOLD_STUDENTS["partial"][1], abs=1e-3)
    from shequn.grading.results.export import gradebook_rows

    _, ours = gradebook_rows(course, NAME)
    assert {r["id"]: r["score"] for r in ours}["correct"] == pytest.approx(13.0 + manual)


def test_export_of_a_course_shequn_grade_never_touched(tmp_path):
    """`shequn grade export` on a course graded by nbgrader alone (no _grading/shequn-grade yet)."""
    course = make_course(ROOT, tmp_path / "plain", (NAME,))
    run_nbgrader(["generate_assignment", NAME, "--force"], cwd=course)
    out = tmp_path / "canvas.csv"
    proc = subprocess.run(
        _shequn("grade", "export", NAME, "--course", str(course), "--format", "canvas", "--out", str(out)),
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[1][0].strip() == "Points Possible" and float(rows[1][5]) == 18 and len(rows) == 2
