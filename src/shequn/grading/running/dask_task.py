"""One submission graded on a Dask worker: the task, the result, and the checks on both.

``shequn grade --cluster`` (:mod:`shequn.grading.running.dask_coordinator`) sends every
submission as one call of :func:`grade_task` to a Dask worker on a grading node.  What crosses
the network is plain data, never an open gradebook or a path on the coordinator's disk:

* the **task** (one per submission): ``key``, ``student``, ``hash`` (:func:`submission_hash` of the
  submitted folder), ``attempt``, ``extension`` (seconds of an nbgrader extension, or None) and
  ``files``: ``{relative path as bytes: content}``, size-checked by the coordinator;
* the **bundle** (one per run, scattered once to every worker): the course's
  ``nbgrader_config.py``, the assignment's ``source/`` folder, ``datasets/``, a gradebook holding
  only this assignment's notebooks and cells (no student, no grade), the hidden-data seed, the
  masked modules and the limits;
* the **result**: the same ``key``/``student``/``hash``/``attempt``, the ``worker``, the local
  grader's ``status``/``flags``/``detail``/``seconds``, and per notebook the grades
  (``{cell: [auto_score, needs_manual_grade]}``), automatic comments and late penalty, plus the
  autograded folder's files, the grading log and the trusted runner's reports.  A worker that
  cannot grade answers ``refused`` (why) instead.

On the Dask worker the submission is graded by the unit local grading uses too
(:func:`~shequn.grading.running.submission.grade_submission`, in one sandbox slot) in a private
copy of the course under ``/tmp/shequn-grade-<pid>-task-*``: the same sandbox, trusted tests,
limits (:class:`~shequn.grading.running.submission.GradingOptions`, sent in the bundle as data)
and flags as ``shequn grade`` without ``--cluster``.  The private
course's gradebook is the only one the worker writes; the private course is removed afterwards,
and one left by a killed worker is removed by the next grading run on that node.

The coordinator checks every result with :func:`validate_result` (types, sizes, score ranges,
known notebooks and cells) before anything reaches the course's gradebook.
"""

from __future__ import annotations

import math
import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path

__all__ = [
    "grade_task",
    "validate_result",
    "expected_cells",
    "safe_relpath",
    "MAX_SUBMISSION_BYTES",
    "MAX_RESULT_BYTES",
    "PROTOCOL",
]

PROTOCOL = 1
MAX_SUBMISSION_BYTES = 64 * 2**20  # one submission's files, sent to a worker
MAX_RESULT_BYTES = 96 * 2**20  # autograded files + log + reports, sent back
MAX_FILES = 2000
MAX_TEXT = 2 * 2**20  # the log, a report, a comment: characters
_LAYOUT = {
    "source_directory": "source",
    "release_directory": "release",
    "submitted_directory": "submitted",
    "autograded_directory": "autograded",
    "feedback_directory": "feedback",
}
_ONE_AT_A_TIME = threading.Lock()  # sandbox slots, uids and cgroups are per process: one grading at a time
_RESULT_KEYS = {
    "protocol",
    "key",
    "student",
    "hash",
    "attempt",
    "worker",
    "status",
    "flags",
    "detail",
    "seconds",
    "submitted",
    "timestamp",
    "notebooks",
    "autograded",
    "files",
    "log",
    "reports",
}


def safe_relpath(rel) -> bool:
    """True for a relative path (bytes or str) with no ``..``, no absolute part and no NUL."""
    raw = os.fsencode(rel) if isinstance(rel, str) else rel
    if not isinstance(raw, bytes) or not raw or b"\0" in raw or raw.startswith(b"/"):
        return False
    return all(part not in (b"", b".", b"..") for part in raw.split(b"/"))


def _read_tree(folder: Path, limit: int) -> dict[bytes, bytes]:
    """``{relative path: bytes}`` of every file under *folder*; ValueError past *limit* bytes."""
    out: dict[bytes, bytes] = {}
    total = 0
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if ".ipynb_checkpoints" in rel.parts:
            continue
        total += path.stat().st_size
        if total > limit or len(out) >= MAX_FILES:
            raise ValueError(f"{folder}: more than {limit // 2**20} MB or {MAX_FILES} files")
        out[os.fsencode(rel.as_posix())] = path.read_bytes()
    return out


def _write_tree(folder: Path, files: dict) -> None:
    base = os.fsencode(folder)
    for rel, data in files.items():
        if not safe_relpath(rel):
            raise ValueError(f"unsafe path {rel!r}")
        path = os.path.join(base, os.fsencode(rel))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return f"{get_worker().address} ({socket.gethostname()})"
    except (ImportError, ValueError):
        return socket.gethostname()


def _private_config(bundle: dict, course: Path) -> str:
    """The course's config, then this private copy's folders, gradebook, seed and masked modules."""
    lines = [
        bundle["config"].decode("utf-8"),
        "",
        "# shequn grade --cluster: this worker's private copy of the course",
    ]
    lines += [f"c.CourseDirectory.{k} = {v!r}" for k, v in _LAYOUT.items()]
    lines.append(
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(course / 'gradebook.db') + '?timeout=60'!r}"
    )
    lines.append(f"c.ShequnGrade.grading_seed = {int(bundle['seed'])}")
    lines.append(f"c.ShequnGrade.blocked_modules = {{{bundle['assignment']!r}: {list(bundle['blocked'])!r}}}")
    return "\n".join(lines) + "\n"


def _read_grades(course: Path, assignment: str, student: str) -> tuple[bool, str | None, dict]:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return False, None, {}
        notebooks = {}
        for nb in sub.notebooks:
            notebooks[nb.name] = {
                "grades": {
                    g.name: [
                        None if g.auto_score is None else float(g.auto_score),
                        bool(g.needs_manual_grade),
                    ]
                    for g in nb.grades
                },
                "comments": {c.name: c.auto_comment for c in nb.comments},
                "late_penalty": None
                if nb.late_submission_penalty is None
                else float(nb.late_submission_penalty),
            }
        return True, (sub.timestamp.isoformat() if sub.timestamp else None), notebooks


def grade_task(task: dict, bundle: dict) -> dict:
    """Grade one submission here (the Dask task); return the result as plain data (module doc)."""
    from shequn.grading.sandbox.bubblewrap import sandbox_available

    head = {
        "protocol": PROTOCOL,
        "key": task["key"],
        "student": task["student"],
        "hash": task["hash"],
        "attempt": task["attempt"],
        "worker": _worker_name(),
    }
    why = sandbox_available()
    if bundle.get("protocol") != PROTOCOL:
        why = (
            f"本节点的 shequn 版本与协调端不同，请安装同一版本 (this worker speaks task protocol {PROTOCOL}, "
            f"the coordinator {bundle.get('protocol')!r}: install the same shequn on both)"
        )
    if why:
        return {**head, "refused": f"{head['worker']}: {why}"}
    with _ONE_AT_A_TIME:
        return _grade_here(task, bundle, head)


def _grade_here(task: dict, bundle: dict, head: dict) -> dict:
    from datetime import timedelta

    from nbgrader.api import Gradebook

    from shequn.grading.results.gradebook import STATE_DIR, course_dirs, grading_seed
    from shequn.grading.results.journal import submission_hash
    from shequn.grading.results.outcome import GradeError
    from shequn.grading.running.submission import GradingOptions, Slots, grade_submission, load_assignment

    assignment, student = bundle["assignment"], task["student"]
    if not safe_relpath(assignment) or "/" in assignment or not safe_relpath(student) or "/" in student:
        raise ValueError(f"bad assignment or student name: {assignment!r} {student!r}")
    course = Path(tempfile.mkdtemp(prefix=f"shequn-grade-{os.getpid()}-task-"))
    try:
        course.chmod(0o755)  # the sandbox uid enters the course's folders, as in a local run
        (course / "nbgrader_config.py").write_text(_private_config(bundle, course), encoding="utf-8")
        (course / "gradebook.db").write_bytes(bundle["gradebook"])
        _write_tree(course / "source" / assignment, bundle["source"])
        if bundle["datasets"]:
            _write_tree(course / "datasets", bundle["datasets"])
        submitted = course / "submitted" / student / assignment
        submitted.mkdir(parents=True)
        _write_tree(submitted, task["files"])
        if submission_hash(submitted) != task["hash"]:
            raise ValueError(f"{student}: the files arrived damaged (hash mismatch)")
        if task.get("extension"):
            with Gradebook(f"sqlite:///{course / 'gradebook.db'}", bundle["course_id"]) as gb:
                gb.update_or_create_student(student)
                gb.update_or_create_submission(
                    assignment, student, extension=timedelta(seconds=float(task["extension"]))
                )
        options = GradingOptions(**bundle["limits"])
        dirs = course_dirs(course)
        try:
            graded = load_assignment(dirs, assignment, [student])
            with Slots(graded, options, 1) as slots:
                res = grade_submission(slots, 0, graded, student, options, grading_seed(dirs))
        except GradeError as exc:  # this node cannot grade (sandbox, cgroup...): let another one
            return {**head, "refused": f"{head['worker']}: {exc}"}
        submitted_ok, timestamp, notebooks = _read_grades(course, assignment, student)
        autograded = course / "autograded" / student / assignment
        state = course / STATE_DIR
        log = state / "logs" / assignment / f"{student}.log"
        reports = state / "reports" / assignment / student
        return {
            **head,
            "status": res.status,
            "flags": list(res.flags),
            "detail": res.detail,
            "seconds": float(res.seconds),
            "submitted": submitted_ok,
            "timestamp": timestamp,
            "notebooks": notebooks,
            "autograded": autograded.is_dir(),
            "files": _read_tree(autograded, MAX_RESULT_BYTES) if autograded.is_dir() else {},
            "log": log.read_text(encoding="utf-8", errors="replace")[-MAX_TEXT:] if log.exists() else "",
            "reports": {
                p.name: p.read_text(encoding="utf-8", errors="replace")[:MAX_TEXT]
                for p in sorted(reports.glob("*.json"))
            }
            if reports.is_dir()
            else {},
        }
    finally:
        shutil.rmtree(course, ignore_errors=True)


# --------------------------------------------------------------------------- the coordinator's checks


def expected_cells(gb, assignment: str) -> dict[str, dict]:
    """``{notebook: {"grades": {cell: max_score}, "comments": {cell, ...}}}`` from the course's gradebook."""
    out = {}
    for nb in gb.find_assignment(assignment).notebooks:
        grades = {c.name: float(c.max_score) for c in [*nb.grade_cells, *nb.task_cells]}
        out[nb.name] = {"grades": grades, "comments": {c.name for c in [*nb.solution_cells, *nb.task_cells]}}
    return out


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _short_text(x, limit: int = MAX_TEXT) -> bool:
    return isinstance(x, str) and len(x) <= limit


def validate_result(result, task: dict, expected: dict, flags_known) -> list[str]:
    """Every way *result* is not a well-formed answer to *task* (empty: apply it)."""
    if not isinstance(result, dict):
        return [f"result is {type(result).__name__}, not a dict"]
    problems = []
    keys = set(result)
    if keys != _RESULT_KEYS:
        problems.append(
            f"keys: missing {sorted(_RESULT_KEYS - keys)}, unknown {sorted(map(str, keys - _RESULT_KEYS))}"
        )
    if result.get("protocol") != PROTOCOL:
        problems.append(f"protocol {result.get('protocol')!r} != {PROTOCOL}")
    for k in ("key", "student", "hash", "attempt"):
        if result.get(k) != task.get(k):
            problems.append(f"{k} {str(result.get(k))[:80]!r} does not match the task's")
    if not _short_text(result.get("worker"), 300):
        problems.append("worker: not a short text")
    flags = result.get("flags")
    if not isinstance(flags, list) or not all(isinstance(f, str) and f in flags_known for f in flags):
        problems.append(f"flags: unknown or not a list: {str(flags)[:200]}")
    elif result.get("status") != (flags[0] if flags else "ok"):
        problems.append(f"status {str(result.get('status'))[:80]!r} does not match the flags")
    if not _short_text(result.get("detail"), 2000):
        problems.append("detail: not a text of at most 2000 characters")
    if not (_number(result.get("seconds")) and result["seconds"] >= 0):
        problems.append("seconds: not a finite number ≥ 0")
    for k in ("submitted", "autograded"):
        if not isinstance(result.get(k), bool):
            problems.append(f"{k}: not a bool")
    problems += _check_timestamp(result.get("timestamp"))
    problems += _check_notebooks(result.get("notebooks"), expected)
    problems += _check_files(result.get("files"), result.get("log"), result.get("reports"))
    return problems


def _check_timestamp(ts) -> list[str]:
    if ts is None:
        return []
    from datetime import datetime

    try:
        datetime.fromisoformat(ts)
    except (TypeError, ValueError):
        return [f"timestamp {str(ts)[:40]!r}: not an ISO date"]
    return []


def _check_notebooks(notebooks, expected: dict) -> list[str]:
    if not isinstance(notebooks, dict):
        return ["notebooks: not a dict"]
    problems = []
    for name, nb in notebooks.items():
        if name not in expected:
            problems.append(f"notebook {str(name)[:80]!r}: not in this assignment")
            continue
        want = expected[name]
        if not isinstance(nb, dict) or set(nb) != {"grades", "comments", "late_penalty"}:
            problems.append(f"{name}: not a dict of grades, comments, late_penalty")
            continue
        penalty = nb["late_penalty"]
        if penalty is not None and not (_number(penalty) and penalty >= 0):
            problems.append(f"{name}: late_penalty {str(penalty)[:40]!r}")
        grades = nb["grades"] if isinstance(nb["grades"], dict) else {None: None}
        for cell, value in grades.items():
            if cell not in want["grades"]:
                problems.append(f"{name}: unknown grade cell {str(cell)[:80]!r}")
                continue
            ok = isinstance(value, list) and len(value) == 2 and isinstance(value[1], bool)
            score = value[0] if ok else None
            if not ok or (
                score is not None and not (_number(score) and 0 <= score <= want["grades"][cell] + 1e-9)
            ):
                problems.append(
                    f"{name}: grade {cell}: {str(value)[:80]} "
                    f"not [score in 0..{want['grades'][cell]:g}, bool]"
                )
        comments = nb["comments"] if isinstance(nb["comments"], dict) else {None: None}
        for cell, text in comments.items():
            if cell not in want["comments"]:
                problems.append(f"{name}: unknown comment cell {str(cell)[:80]!r}")
            elif text is not None and not _short_text(text, 20_000):
                problems.append(f"{name}: comment {cell}: not a text of at most 20000 characters")
    return problems


def _check_files(files, log, reports) -> list[str]:
    problems = []
    if not isinstance(files, dict) or len(files) > MAX_FILES:
        return [f"files: not a dict of at most {MAX_FILES} files"]
    total = 0
    for rel, data in files.items():
        if not isinstance(rel, bytes) or not safe_relpath(rel):
            problems.append(f"files: unsafe path {str(rel)[:80]!r}")
        if not isinstance(data, bytes):
            problems.append(f"files: {str(rel)[:80]!r} is not bytes")
        else:
            total += len(data)
    if total > MAX_RESULT_BYTES:
        problems.append(f"files: {total} bytes > {MAX_RESULT_BYTES}")
    if not _short_text(log):
        problems.append("log: not a text of at most 2 M characters")
    if not isinstance(reports, dict) or not all(
        isinstance(k, str) and k.endswith(".json") and "/" not in k and safe_relpath(k) and _short_text(v)
        for k, v in reports.items()
    ):
        problems.append("reports: not a dict of NAME.json: text")
    return problems
