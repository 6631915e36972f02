"""``shequn grade``: parallel, sandboxed, resumable autograding with nbgrader's own autograder.

Design
------
* Every collected submission (``_grading/submitted/<student>/<assignment>/``) is graded by the
  real ``nbgrader autograde ASSIGNMENT --student S --force`` (nbgrader's own app and
  autograder), in its own process, at most ``workers`` at a time.  Each slot has a worker
  (``python -m shequn.grading.grade worker``, its own session / process group) that imports
  nbgrader once and ``fork``s one child per submission running ``NbGraderApp`` with that argv
  (nbgrader's import alone costs ~2 s of CPU, as much as 25 % of a notebook).  Worker and child
  die with the grader (``PR_SET_PDEATHSIG``), and every :class:`nbgrader.api.Gradebook` they
  open holds an exclusive ``flock`` on ``_grading/shequn-grade/gradebook.lock`` until it is
  closed, so concurrent workers never write SQLite at the same time (no "database is locked",
  no lost grade).  The notebook execution itself runs outside the lock.
  (``python -m shequn.grading.grade nbgrader ARGS`` is the same thing for one submission.)
* The notebook runs in the sandbox kernel (:mod:`shequn.grading.sandbox`): each worker has its
  own unprivileged user, the first ``shequn-sbx-<i>`` no other grading run holds (``flock``),
  and a kernelspec of the same name (installed in
  ``_grading/shequn-grade/jupyter/kernels``, put on ``JUPYTER_PATH``), selected with
  ``--ExecutePreprocessor.kernel_name``; the kernel talks ipc with its sockets in the
  autograded folder (``--KernelManager.transport=ipc --KernelManager.ip=<folder>/kernel-ipc``),
  since it has no network.  Memory / process / CPU caps are the sandbox's rlimits; the
  per-cell timeout is nbgrader's ``Execute.timeout`` (the cell is interrupted, recorded as a
  ``CellTimeoutError`` and grading goes on); the per-notebook wall-clock timeout kills the
  worker's process group and every process of its sandbox user, and the submission is flagged
  "timed out" (its grades are marked as needing manual grading in the gradebook).
* Resumable: ``_grading/shequn-grade/<assignment>.jsonl`` gets one fsync'd line per finished
  submission (student, content hash of the submitted folder, status, score).  A rerun skips
  submissions whose latest line has the same hash; a changed submission is regraded.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["GradeError", "Result", "grade_assignment", "read_journal", "course_dirs",
           "submission_hash", "SANDBOX_USER_PREFIX"]

SANDBOX_USER_PREFIX = "shequn-sbx-"
STATE_DIR = Path("_grading") / "shequn-grade"
LOCK_ENV = "SHEQUN_GRADEBOOK_LOCK"
# flags that need the instructor's attention (status "ok" needs nothing)
FLAG_TEXT = {
    "timed out": "超时被终止 (notebook wall-clock timeout: killed)",
    "cell timed out": "有单元格超时 (a cell hit the per-cell timeout)",
    "kernel died": "内核崩溃 (kernel died: memory/process limit or crash)",
    "nbgrader error": "nbgrader 出错 (nbgrader error, see log)",
    "invalid notebook": "笔记本文件无效 (invalid notebook file)",
    "sandbox error": "沙箱无法启动 (sandbox could not start the kernel)",
    "needs manual grading": "需要人工评分 (needs manual grading)",
}


class GradeError(RuntimeError):
    """The grader itself cannot run (bad course, unknown assignment...)."""


# --------------------------------------------------------------------------- gradebook lock

_lock_state = {"fd": None, "depth": 0}
_lock_mutex = threading.RLock()


@contextlib.contextmanager
def gradebook_lock(path: str | os.PathLike | None = None):
    """Exclusive, re-entrant (per process) ``flock`` on the course's gradebook lock file."""
    _acquire(path)
    try:
        yield
    finally:
        _release()


def _acquire(path=None) -> None:
    path = path or os.environ.get(LOCK_ENV)
    if not path:
        return
    _lock_mutex.acquire()
    if _lock_state["depth"] == 0:
        Path(path).parent.mkdir(parents=True, exist_ok=True)  # a course nbgrader alone graded
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        _lock_state["fd"] = fd
    _lock_state["depth"] += 1


def _release() -> None:
    if _lock_state["depth"] == 0:
        return
    _lock_state["depth"] -= 1
    if _lock_state["depth"] == 0:
        fd, _lock_state["fd"] = _lock_state["fd"], None
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    _lock_mutex.release()


def _patch_gradebook() -> None:
    """Make every nbgrader Gradebook hold the lock from construction until close()."""
    from nbgrader import api

    if getattr(api.Gradebook, "_shequn_locked", False):
        return
    init, close = api.Gradebook.__init__, api.Gradebook.close

    def __init__(self, *args, **kwargs):
        _acquire()
        self._shequn_lock = True
        try:
            init(self, *args, **kwargs)
        except BaseException:
            self._shequn_lock = False
            _release()
            raise

    def close_(self):
        try:
            close(self)
        finally:
            if getattr(self, "_shequn_lock", False):
                self._shequn_lock = False
                _release()

    api.Gradebook.__init__, api.Gradebook.close = __init__, close_
    api.Gradebook._shequn_locked = True


def _nbgrader_main(argv: list[str]) -> None:
    """``python -m shequn.grading.grade nbgrader ARGS``: nbgrader, locked and tied to its parent."""
    with contextlib.suppress(Exception):  # die with the grader, even on kill -9
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:
            os._exit(137)
    _patch_gradebook()
    from nbgrader.apps.nbgraderapp import NbGraderApp

    NbGraderApp.launch_instance(argv=argv)


def _worker_main() -> None:
    """``python -m shequn.grading.grade worker``: a pre-forked nbgrader per grading slot.

    Imports nbgrader once, then for every job line ``{"argv": [...], "log": path}`` on stdin
    forks a child that runs ``nbgrader ARGV`` (output to *log*) and answers ``{"rc": n}`` on
    stdout.  One process per submission, without paying nbgrader's ~2 s import each time.
    The child stays in the worker's process group: killing that group kills both.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: die with the grader
    if os.getppid() == 1:
        os._exit(137)
    _patch_gradebook()
    import nbgrader.apps.autogradeapp  # noqa: F401  (the expensive imports, done once)
    import nbgrader.converters.autograde  # noqa: F401
    from nbgrader.apps.nbgraderapp import NbGraderApp

    with contextlib.suppress(Exception):
        import shequn.grading.feedback  # noqa: F401  (imported by the course's nbgrader_config.py)
    proto = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # nothing but the protocol on the pipe
    for line in sys.stdin:
        job = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the submission's own process
            rc = 1
            try:
                libc.prctl(1, signal.SIGKILL, 0, 0, 0)
                fd = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                NbGraderApp.launch_instance(argv=job["argv"])
                rc = 0
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # noqa: BLE001 - report, never hang the worker
                import traceback

                traceback.print_exc()
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(rc)
        _, status = os.waitpid(pid, 0)
        proto.write(json.dumps({"rc": os.waitstatus_to_exitcode(status)}) + "\n")
        proto.flush()


# --------------------------------------------------------------------------- course layout

@dataclass
class CourseDirs:
    root: Path
    source: str
    release: str
    submitted: str
    autograded: str
    db_url: str
    db_url_abs: str
    ignore: list

    @contextlib.contextmanager
    def gradebook(self):
        """nbgrader's Gradebook, open under the grader's lock (no concurrent SQLite writes)."""
        from nbgrader.api import Gradebook

        with gradebook_lock(self.root / STATE_DIR / "gradebook.lock"), Gradebook(self.db_url_abs) as gb:
            yield gb

    def path(self, kind: str, student: str, assignment: str) -> Path:
        template = getattr(self, kind)
        return self.root / template / student / assignment if kind in ("submitted", "autograded") \
            else self.root / template / assignment


def course_dirs(course: Path) -> CourseDirs:
    """The course layout from its ``nbgrader_config.py`` (nbgrader's defaults otherwise)."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    course = Path(course).resolve()
    cfg = Config()
    if (course / "nbgrader_config.py").is_file():
        cwd = os.getcwd()
        try:
            os.chdir(course)
            cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
        finally:
            os.chdir(cwd)
    cd = CourseDirectory(config=cfg, root=str(course))
    db_url = cd.db_url
    db_abs = db_url
    if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:////"):
        db_abs = "sqlite:///" + str(course / db_url[len("sqlite:///"):])
    return CourseDirs(course, cd.source_directory, cd.release_directory, cd.submitted_directory,
                      cd.autograded_directory, db_url, db_abs, list(cd.ignore))


def submission_hash(folder: Path) -> str:
    """sha256 over the relative paths and bytes of every file of a submission."""
    h = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if ".ipynb_checkpoints" in rel:
            continue
        h.update(os.fsencode(rel) + b"\0")  # raw bytes: GBK or other non-UTF-8 names are fine
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


# --------------------------------------------------------------------------- journal

def journal_path(course: Path, assignment: str) -> Path:
    return Path(course) / STATE_DIR / f"{assignment}.jsonl"


def read_journal(course: Path, assignment: str) -> dict[str, dict]:
    """Latest journal entry per student (torn last lines from a crash are ignored)."""
    path = journal_path(course, assignment)
    latest: dict[str, dict] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and "student" in entry:
                latest[entry["student"]] = entry
    return latest


class Journal:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if os.fstat(self.fd).st_size:
            with open(path, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":  # a torn line from a crash: end it
                    os.write(self.fd, b"\n")

    def append(self, entry: dict) -> None:
        os.write(self.fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


# --------------------------------------------------------------------------- results

@dataclass
class Result:
    student: str
    status: str  # "ok" or the main flag
    flags: list = field(default_factory=list)
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    detail: str = ""
    skipped: bool = False  # already in the journal with the same hash

    @property
    def needs_attention(self) -> bool:
        return bool(self.flags)


class _Worker:
    """A ``python -m shequn.grading.grade worker`` process (own session) for one slot."""

    def __init__(self, cwd: Path, env: dict):
        # -P: the course folder (the worker's cwd) is not put on sys.path, so a module planted
        # there cannot be imported by a grader that runs as root
        self.proc = subprocess.Popen([sys.executable, "-P", "-m", "shequn.grading.grade", "worker"], cwd=cwd,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.buf = b""
        os.set_blocking(self.proc.stdout.fileno(), False)

    def submit(self, argv: list[str], log: Path) -> None:
        self.proc.stdin.write((json.dumps({"argv": argv, "log": str(log)}) + "\n").encode())
        self.proc.stdin.flush()

    def result(self) -> int | None:
        """The job's exit code once it is done; -9 if the worker died; None while running."""
        try:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
        except BlockingIOError:
            chunk = None
        if chunk:
            self.buf += chunk
        if b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            return int(json.loads(line)["rc"])
        if chunk == b"" or self.proc.poll() is not None:
            return -9
        return None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=10)
        for fh in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(Exception):
                fh.close()


@dataclass
class _Job:
    student: str
    digest: str
    worker: int
    started: float
    deadline: float
    log: Path
    rc: int | None = None


def _sandbox_users(workers: int, sandbox: bool) -> tuple[list[tuple[int, int] | None], list[str], list[int]]:
    """One sandbox user per worker: ``(uid, gid)`` entries, their names, and lock fds to close.

    Each user is taken under an exclusive lock (``flock``), so two grading runs on one machine
    (two instructors, two courses) never share a sandbox user: the second run takes the next
    free names (``shequn-sbx-2``, ...).  Leftover processes of a killed run are killed only
    once the user is ours.
    """
    from shequn.grading.sandbox import ensure_user, kill_user_processes

    if not sandbox or os.geteuid() != 0:
        return [None] * workers, [""] * workers, []
    lock_dir = Path(tempfile.gettempdir()) / "shequn-sandbox-locks"
    lock_dir.mkdir(mode=0o700, exist_ok=True)
    users, names, fds = [], [], []
    i = 0
    while len(users) < workers:
        name = f"{SANDBOX_USER_PREFIX}{i}"
        i += 1
        fd = os.open(lock_dir / f"{name}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)  # another run is using this one
            continue
        uid, gid = ensure_user(name)
        kill_user_processes(uid)  # leftovers of a killed run
        users.append((uid, gid))
        names.append(name)
        fds.append(fd)
    return users, names, fds


def _cleanup_autograded(folder: Path) -> None:
    """Remove what the sandbox kernel left in the autograded folder; give it back to us."""
    if not folder.is_dir():
        return
    from shequn.grading.sandbox import CONNECTION_COPY, IPC_BASENAME

    for p in list(folder.iterdir()):
        try:
            by_sandbox = p.lstat().st_uid != os.geteuid()
        except OSError:
            continue
        if p.name == CONNECTION_COPY or p.name.startswith(IPC_BASENAME) or (
                by_sandbox and p.name in (".config", ".cache", ".ipython", ".local", ".jupyter")):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    p.unlink()
    if os.geteuid() == 0:
        for p in [folder, *folder.rglob("*")]:
            with contextlib.suppress(OSError):
                os.lchown(p, 0, 0)
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o755)


def _matplotlib_cache(folder: Path, env: dict) -> Path | None:
    """Build matplotlib's font list once per run, to seed every fresh work dir with.

    Each kernel's HOME (and MPLCONFIGDIR) is a new empty folder: without a seed, every graded
    notebook that imports matplotlib would rebuild the font cache first.
    """
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                          env={**env, "MPLCONFIGDIR": str(folder)}, capture_output=True)
    return folder if proc.returncode == 0 and any(folder.glob("fontlist*.json")) else None


def _fresh_workdir(workdir: Path, course: Path, mpl_cache: Path | None = None,
                   owner: tuple[int, int] | None = None) -> None:
    """An empty work dir for the next submission, with a copy of the course's data.

    The copy belongs to the grader, so the sandboxed kernel can read it but not change it; its
    modes are the usual 0644/0755, so that a copy the learner's code makes of it (``copytree``
    keeps modes) is writable, as it would be on the learner's own machine.
    """
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    if mpl_cache is not None:  # where the sandbox points MPLCONFIGDIR; the kernel's user owns it
        target = workdir / ".config" / "matplotlib"
        shutil.copytree(mpl_cache, target)
        if owner is not None:
            for p in [workdir / ".config", target, *target.rglob("*")]:
                os.chown(p, *owner)
    data = course / "datasets"
    if data.is_dir():
        shutil.copytree(data, workdir / "datasets")
        for p in [workdir / "datasets", *(workdir / "datasets").rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)


REPORT = re.compile(r"【(.+?)】通过 (\d+)/(\d+) 项检查")
TAMPER = re.compile(r"shequn\.grading|\bbuiltins\b|__import__|__builtins__|\bChecks\b|\bsys\.modules\b|"
                    r"^\s*(expect\w*|check_hashed|checks|grading_seed)\s*=", re.M)


def audit_notebook(nb_path: Path) -> list[str]:
    """Signs that the grading code was tampered with, in an autograded notebook.

    Test cells run in the learner's namespace, so learner code could replace the
    checks.  Every test cell of this course ends with ``checks.score()``, which
    prints ``【name】通过 k/n 项检查`` and returns ``points * k / n``: points
    without that report, or a report that does not add up, are flagged, and so
    are answer cells that touch the grading helpers, ``builtins``,
    ``__import__`` or ``sys.modules``.
    """
    import nbformat

    findings = []
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        hit = TAMPER.search(cell.source) if meta.get("solution") else None
        if hit:
            findings.append(f"{meta.get('grade_id')}: touches the grading code ({hit.group(0).strip()!r})")
        if not meta.get("grade") or meta.get("solution"):
            continue
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        if not results:
            continue  # an error: nbgrader gives 0
        try:
            got = float(results[-1]["data"]["text/plain"])
        except (KeyError, ValueError):
            findings.append(f"{meta.get('grade_id')}: non-numeric result")
            continue
        reports = REPORT.findall(text)
        if not reports:
            findings.append(f"{meta.get('grade_id')}: {got:g} points without a check report")
            continue
        _, k, n = reports[-1]
        if abs(round(float(meta.get("points", 0)) * int(k) / int(n), 4) - got) > 1e-6:
            findings.append(f"{meta.get('grade_id')}: {got:g} points but {k}/{n} checks passed")
    return findings


def _valid_notebooks(folder: Path) -> str:
    import nbformat

    for nb in sorted(folder.glob("*.ipynb")):
        try:
            nbformat.validate(nbformat.read(nb, as_version=4))
        except Exception as exc:  # noqa: BLE001 - any parse/validation error
            return f"{nb.name}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return ""


def _cell_timeouts(folder: Path) -> bool:
    for nb in folder.glob("*.ipynb"):
        with contextlib.suppress(OSError):
            if '"CellTimeoutError"' in nb.read_text(encoding="utf-8", errors="replace"):
                return True
    return False


def _read_scores(dirs: CourseDirs, assignment: str, student: str) -> tuple[float | None, float | None, bool]:
    from nbgrader.api import MissingEntry

    with dirs.gradebook() as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return None, None, False
        return float(sub.score), float(sub.max_score), bool(sub.needs_manual_grade)


def _flag_for_manual(dirs: CourseDirs, assignment: str, student: str, reason: str) -> None:
    """Keep a killed submission visible in the gradebook: every grade needs manual grading."""
    from nbgrader.api import MissingEntry

    with dirs.gradebook() as gb:
        try:
            sub = gb.update_or_create_submission(assignment, student)
        except MissingEntry:
            return
        for nb in sub.notebooks:
            for grade in nb.grades:
                if grade.auto_score is None or reason == "timed out" or reason.startswith("tampering"):
                    grade.needs_manual_grade = True
            for comment in nb.comments:
                if not comment.manual_comment:
                    comment.auto_comment = f"shequn grade: {reason}"
        gb.db.commit()


def _classify(job_log: str, rc: int | None, timed_out: bool, autograded: Path) -> tuple[list, str]:
    flags, detail = [], ""
    if timed_out:
        flags.append("timed out")
    if "[shequn-sandbox] refusing" in job_log:
        flags.append("sandbox error")
        detail = next(line for line in job_log.splitlines() if "[shequn-sandbox] refusing" in line)
    if "DeadKernelError" in job_log or "Kernel died" in job_log or "kernel died" in job_log:
        flags.append("kernel died")
        detail = detail or "内核在执行中死亡 (kernel died while executing: memory/process limit, or killed)"
    if not timed_out and (rc != 0 or "[ERROR]" in job_log.replace("| ERROR]", "[ERROR]")):
        if "kernel died" not in flags and "sandbox error" not in flags:
            flags.append("nbgrader error")
        if not detail:
            errors = [line for line in job_log.splitlines() if "ERROR" in line]
            detail = errors[-1].strip()[:200] if errors else f"exit code {rc}"
    if not timed_out and _cell_timeouts(autograded):
        flags.append("cell timed out")
    return flags, detail


def grade_assignment(course: Path, assignment: str, *, workers: int | None = None,
                     timeout: float = 600, cell_timeout: int = 120, memory_mb: int = 2048,
                     nproc: int = 64, sandbox: bool = True, progress: bool = True,
                     students: list[str] | None = None, out=None) -> list[Result]:
    """Autograde every collected submission of *assignment*; return one Result per student."""
    from shequn.grading.sandbox import install_kernelspec, kill_user_processes

    course = Path(course).resolve()
    out = out or sys.stderr
    dirs = course_dirs(course)
    if not (course / dirs.source / assignment).is_dir():
        raise GradeError(f"找不到作业 {assignment} 的源文件夹 (no source folder): {course / dirs.source / assignment}")
    workers = max(1, workers or os.cpu_count() or 1)
    submitted_root = course / dirs.submitted
    all_students = sorted(p.parent.name for p in submitted_root.glob(f"*/{assignment}") if p.is_dir()) \
        if submitted_root.is_dir() else []
    if students is not None:
        all_students = [s for s in all_students if s in set(students)]

    state = course / STATE_DIR
    (state / "logs" / assignment).mkdir(parents=True, exist_ok=True)
    lock_file = state / "gradebook.lock"
    from nbgrader.api import MissingEntry

    with dirs.gradebook() as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise GradeError(f"作业 {assignment} 不在成绩册里，请先运行 nbgrader generate_assignment "
                             f"(assignment not in the gradebook: run `nbgrader generate_assignment {assignment}`)")
        for s in all_students:  # create students up front: fewer writes in the workers
            gb.update_or_create_student(s)

    done = read_journal(course, assignment)
    results: dict[str, Result] = {}
    todo: list[tuple[str, str]] = []
    for s in all_students:
        digest = submission_hash(submitted_root / s / assignment)
        prev = done.get(s)
        if prev and prev.get("hash") == digest and prev.get("status"):
            results[s] = Result(s, prev["status"], list(prev.get("flags", [])), prev.get("score"),
                                prev.get("max_score"), prev.get("seconds", 0.0), prev.get("detail", ""), True)
        else:
            todo.append((s, digest))

    users, user_names, user_locks = _sandbox_users(min(workers, max(len(todo), 1)), sandbox)
    # Each worker's kernel runs in a private, empty work dir OUTSIDE the course (wiped between
    # submissions), and the course folder is closed (0700) while grading: learner code cannot
    # reach solutions/, other learners' files or the gradebook.  Course data (datasets/) is
    # copied into the work dir, owned by the grader (the kernel's user cannot change it).
    workroot = Path(tempfile.mkdtemp(prefix="shequn-grade-"))
    workroot.chmod(0o711)
    workdirs = [workroot / f"w{i}" for i in range(len(users))]
    jupyter_dir = state / "jupyter"
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env[LOCK_ENV] = str(lock_file)
    env["PYTHONUNBUFFERED"] = "1"
    if sandbox:
        for i in range(len(users)):
            install_kernelspec(jupyter_dir / "kernels", user_names[i],
                               user=user_names[i], workdir=workdirs[i],
                               memory_mb=memory_mb, nproc=nproc,
                               cpu_seconds=int(max(timeout, cell_timeout)) + 30)
        env["JUPYTER_PATH"] = os.pathsep.join([str(jupyter_dir), *filter(None, [env.get("JUPYTER_PATH")])])
    mpl_cache = _matplotlib_cache(workroot / "mpl-cache", env) if sandbox else None

    journal = Journal(journal_path(course, assignment))
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc=f"评分 grading {assignment}", unit="份", file=out,
                   dynamic_ncols=True)
    free = list(range(len(users)))[::-1]
    pending = list(todo)[::-1]
    running: dict[int, _Job] = {}
    last_status = 0.0

    procs: dict[int, _Worker] = {}

    def start(student: str, digest: str, worker: int) -> _Job:
        args = ["autograde", assignment, "--student", student, "--force",
                f"--Execute.timeout={int(cell_timeout)}", f"--ExecutePreprocessor.timeout={int(cell_timeout)}"]
        if sandbox:
            _fresh_workdir(workdirs[worker], course, mpl_cache, users[worker])
            args += [f"--ExecutePreprocessor.kernel_name={user_names[worker]}",
                     "--KernelManager.transport=ipc", f"--KernelManager.ip={workdirs[worker] / 'kernel-ipc'}"]
        log = state / "logs" / assignment / f"{student}.log"
        if worker not in procs:
            procs[worker] = _Worker(course, env)
        procs[worker].submit(args, log)
        now = time.monotonic()
        return _Job(student, digest, worker, now, now + timeout, log)

    def kill(job: _Job) -> None:
        proc = procs.pop(job.worker, None)
        if proc is not None:
            proc.kill()
        if users[job.worker]:
            kill_user_processes(users[job.worker][0])

    def finish(job: _Job, timed_out: bool) -> Result:
        if users[job.worker]:
            kill_user_processes(users[job.worker][0])  # anything the learner's code left running
        autograded = course / dirs.autograded / job.student / assignment
        _cleanup_autograded(autograded)
        text = job.log.read_text(encoding="utf-8", errors="replace") if job.log.exists() else ""
        flags, detail = _classify(text, job.rc, timed_out, autograded)
        invalid = _valid_notebooks(submitted_root / job.student / assignment)
        if invalid:
            flags.insert(0, "invalid notebook")
            detail = invalid
        tampering = [f for nb in sorted(autograded.glob("*.ipynb")) for f in audit_notebook(nb)] \
            if autograded.is_dir() and not invalid else []
        if tampering:
            flags.insert(0, "tampering suspected")
            detail = "; ".join(tampering)[:300]
            _flag_for_manual(dirs, assignment, job.student, "tampering suspected: " + detail)
        if timed_out:
            detail = f"> {timeout:g} s"
            _flag_for_manual(dirs, assignment, job.student, "timed out")
        score, max_score, manual = _read_scores(dirs, assignment, job.student)
        if manual and "timed out" not in flags:
            flags.append("needs manual grading")
        status = flags[0] if flags else "ok"
        seconds = round(time.monotonic() - job.started, 2)
        res = Result(job.student, status, flags, score, max_score, seconds, detail)
        journal.append({"student": job.student, "hash": job.digest, "status": status, "flags": flags,
                        "score": score, "max_score": max_score, "seconds": seconds, "detail": detail,
                        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        return res

    course_mode = course.stat().st_mode & 0o7777
    if sandbox and users and users[0]:
        course.chmod(0o700)
    try:
        while pending or running:
            while pending and free:
                student, digest = pending.pop()
                worker = free.pop()
                running[worker] = start(student, digest, worker)
            if bar is not None and time.monotonic() - last_status > 1:
                last_status = time.monotonic()
                bar.set_postfix_str(", ".join(f"{j.student} {time.monotonic() - j.started:.0f}s"
                                              for j in running.values()), refresh=True)
            time.sleep(0.05)
            for worker, job in list(running.items()):
                timed_out = False
                job.rc = procs[job.worker].result()
                if job.rc is None:
                    if time.monotonic() < job.deadline:
                        continue
                    kill(job)
                    timed_out = True
                elif job.rc == -9:  # the worker itself died: start a fresh one next time
                    kill(job)
                res = finish(job, timed_out)
                results[job.student] = res
                del running[worker]
                free.append(worker)
                if bar is not None:
                    mark = "✓" if res.status in ("ok", "needs manual grading") else "⚠"
                    score = "-" if res.score is None else f"{res.score:g}/{res.max_score:g}"
                    bar.write(f"{mark} {res.student}: {score}  {res.status}  ({res.seconds:.1f}s)")
                    bar.update(1)
    finally:
        for job in running.values():
            kill(job)
        for proc in procs.values():
            proc.kill()
        if bar is not None:
            bar.close()
        journal.close()
        course.chmod(course_mode)
        shutil.rmtree(workroot, ignore_errors=True)
        for fd in user_locks:
            os.close(fd)
        _give_back(course)
    return [results[s] for s in all_students if s in results]


def _give_back(course: Path) -> None:
    """Run as root on a course owned by someone else (an instructor on the hub, via sudo):
    hand what this run created (gradebook, journal, autograded folders) back to the owner."""
    if os.geteuid() != 0:
        return
    st = course.stat()
    if st.st_uid == 0:
        return
    for dirpath, dirnames, filenames in os.walk(course):
        for name in [*dirnames, *filenames, ""]:
            p = os.path.join(dirpath, name) if name else dirpath
            with contextlib.suppress(OSError):
                if os.lstat(p).st_uid == 0:
                    os.lchown(p, st.st_uid, st.st_gid)


def summary_table(results: list[Result], assignment: str) -> str:
    """Plain-text summary: counts, then every submission that needs attention and why."""
    lines = []
    graded = sum(not r.skipped for r in results)
    lines.append(f"作业 {assignment}: {len(results)} 份提交，本次评分 {graded} 份，"
                 f"{len(results) - graded} 份已在日志中 (submissions: {len(results)}, graded now: {graded}, "
                 f"already journaled: {len(results) - graded})")
    attention = [r for r in results if r.needs_attention]
    if not attention:
        lines.append("全部正常，无需处理 (nothing needs attention)")
        return "\n".join(lines)
    rows = [("学生 student", "得分 score", "原因 why", "说明 detail")]
    for r in attention:
        score = "-" if r.score is None else f"{r.score:g}/{r.max_score:g}"
        rows.append((r.student, score, "; ".join(r.flags), r.detail))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines.append(f"需要处理的提交 (submissions needing attention): {len(attention)}")
    for row in rows:
        lines.append("  " + "  ".join(row[i].ljust(widths[i]) for i in range(3)) + "  " + row[3])
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["nbgrader"]:
        _nbgrader_main(sys.argv[2:])
    elif sys.argv[1:2] == ["worker"]:
        _worker_main()
    else:
        print("usage: python -m shequn.grading.grade nbgrader ARGS  (use `shequn grade`)", file=sys.stderr)
        sys.exit(2)
