"""Running a hostile batch: a loopback server to bait kernels, ``shequn grade`` and its results, and what
the sandbox uids own on the machine (files, SysV IPC, processes)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat

from helpers.course import fill_answers
from helpers.leftovers import sandbox_uids
from helpers.students import MANUAL
from shequn.grading.sandbox.bubblewrap import UID_BASE


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


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sysv_objects() -> list[str]:
    """Host SysV IPC objects (shm, sem, msg) owned by a sandbox uid."""
    found = []
    for kind in ("shm", "sem", "msg"):
        lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        header = lines[0].split()
        for line in lines[1:]:
            row = dict(zip(header, line.split(), strict=False))
            if int(row.get("uid", 0)) >= UID_BASE or int(row.get("cuid", 0)) >= UID_BASE:
                found.append(f"{kind} {line}")
    return found


def sandbox_processes() -> list[tuple[int, int]]:
    """(pid, uid) of every process running as a sandbox uid."""
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
        if any(int(u) >= UID_BASE for u in uids):
            out.append((int(pid), max(map(int, uids))))
    return out


def sandbox_files() -> list[tuple[str, int]]:
    """(path, uid) of every file a sandbox uid owns in /tmp, /var/tmp, /dev/shm and /run."""
    found = subprocess.run(
        [
            "find",
            "/tmp",
            "/var/tmp",
            "/dev/shm",
            "/run",
            "-xdev",
            "(",
            "-uid",
            f"+{UID_BASE - 1}",
            "-o",
            "-gid",
            f"+{UID_BASE - 1}",
            ")",
            "-printf",
            "%U %G %p\\n",
        ],
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    return [(line.split(" ", 2)[2], max(int(x) for x in line.split(" ", 2)[:2])) for line in found if line]


def shequn_grade(course: Path, assignment: str, cell_timeout: int, notebook_timeout: int) -> dict:
    """One ``shequn grade`` run over every submission of *assignment* (timeouts in seconds)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shequn.cli",
            "grade",
            assignment,
            "--course",
            str(course),
            "--workers",
            "2",
            "--timeout",
            str(notebook_timeout),
            "--cell-timeout",
            str(cell_timeout),
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="surrogateescape",
        cwd=course,
        # as on any machine where Python writes bytecode: the grader's own imports (the hidden tests
        # import shequn.metrics) leave __pycache__/*.pyc next to the package the sandbox shows
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )
    stdout, stderr = proc.communicate(timeout=3600)
    # the sandbox uids and cgroups of this run (shequn.grading.sandbox.bubblewrap: per grader pid and slot)
    uids = sandbox_uids(proc.pid)
    journal = {}
    path = course / "_grading" / "shequn-grade" / f"{assignment}.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        entry = json.loads(line)
        journal[entry["student"]] = entry
    return {
        "rc": proc.returncode,
        "summary": stdout + stderr,
        "journal": journal,
        "uids": uids,
        "cgroup": f"r{proc.pid}-",
    }


def grade_essays(course: Path, assignment: str) -> None:
    """An instructor grades every essay (0 points) in formgrader: only the flags hold anything back."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.find_assignment(assignment).submissions:
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.name == MANUAL[assignment]:
                        grade.manual_score = 0.0
                        grade.needs_manual_grade = False
        gb.db.commit()


def export_canvas(course: Path, assignment: str, out: Path) -> tuple[dict[str, str], str]:
    """``shequn grade export`` to Canvas CSV: each student's exported total ("" if held back), its output."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "shequn.cli",
            "grade",
            "export",
            assignment,
            "--format",
            "canvas",
            "--out",
            str(out),
            "--course",
            str(course),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = list(csv.reader(out.open(encoding="utf-8")))[2:]
    return {r[2]: r[5] for r in rows}, proc.stdout


def gradebook_scores(course: Path, assignment: str) -> dict[str, float | None]:
    """Each student's score in the gradebook (None: no submission)."""
    from nbgrader.api import Gradebook, MissingEntry

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in gb.students:
            try:
                out[student.id] = float(gb.find_submission(assignment, student.id).score)
            except MissingEntry:
                out[student.id] = None
    return out


def submit(course: Path, assignment: str, students: dict, timestamp: str) -> None:
    """Put each student's filled-in notebook where ``nbgrader collect`` would (submitted at *timestamp*)."""
    release = nbformat.read(course / "assignments" / assignment / f"{assignment}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    for student, (answers, _) in students.items():
        folder = course / "_grading" / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(fill_answers(release, source, answers), folder / f"{assignment}.ipynb")
        (folder / "timestamp.txt").write_text(timestamp)
