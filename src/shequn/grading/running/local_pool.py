"""``shequn grade``: parallel, sandboxed, resumable autograding through nbgrader.

* Every collected submission is graded by the real ``nbgrader autograde ASSIGNMENT --student S``
  in its own process, at most ``workers`` at a time (:mod:`shequn.grading.running.autograde_process`).
* nbgrader's ``Execute`` is :class:`~shequn.grading.trusted.execute.TrustedExecute` (the course's
  ``nbgrader_config.py``): the learner's cells run in the slot's sandbox
  (:class:`~shequn.grading.sandbox.bubblewrap.Sandbox`: bubblewrap, unprivileged uid, its own cgroup),
  the tests in the nbgrader process, which never runs learner code.
* Each submission gets a fresh sandbox (new cgroup, empty work dir and channel); when it
  ends, everything it started is killed and everything it wrote removed.
* The per-notebook wall-clock timeout kills the worker's process group and the sandbox; the
  submission is flagged and its grades need manual grading.  Every flag (timeout, dead
  kernel, invalid notebook, refused answer data, missing test cell, grader error) marks the
  submission's grades for manual grading, and ``shequn grade export`` holds it back until an
  instructor has graded it in formgrader.
* Resumable: the journal (:mod:`shequn.grading.results.journal`) gets one fsync'd line per finished
  submission; a rerun skips what is done.
* The hidden tests' seed (``ShequnGrade.grading_seed`` in ``nbgrader_config.py``, set per term)
  reaches only the trusted runner; without one, a random per-course seed is made once and kept
  in the grader's state folder (:func:`~shequn.grading.results.gradebook.grading_seed`).

This module runs the local pool of worker processes and sandboxes; what a run reports
(:class:`~shequn.grading.results.outcome.Result`, the flags, the summary table) is in
:mod:`shequn.grading.results.outcome`, shared with the Dask run (:mod:`shequn.grading.running.dask_coordinator`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from shequn.grading.results.outcome import invalid_notebooks, missing_test_cells, trusted_report_flags
from shequn.grading.results.gradebook import (CourseDirs, course_dirs, give_back, grading_seed, hold_for_manual, read_scores,
                                      run_lock)
from shequn.grading.results.journal import Journal, journal_path, plan_grading
from shequn.grading.results.outcome import HOLD_BACK, GradeError, Result
from shequn.grading.nbgrader_plugins.sanitize import escape_for_log

__all__ = ["grade_assignment"]


class _Worker:
    """A ``python -P -m shequn.grading.running.autograde_process`` process (own session) for one slot."""

    def __init__(self, cwd: Path, env: dict):
        # -P: the course folder (the cwd) is not on sys.path: no planted module is imported as root
        self.proc = subprocess.Popen([sys.executable, "-P", "-m", "shequn.grading.running.autograde_process"], cwd=cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        self.buf = b""
        os.set_blocking(self.proc.stdout.fileno(), False)

    def submit(self, argv: list[str], log: Path) -> None:
        self.proc.stdin.write((json.dumps({"argv": argv, "log": str(log)}) + "\n").encode())
        self.proc.stdin.flush()

    def result(self) -> int | None:
        """The job's exit code once done; -9 if the worker died; None while running."""
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
    slot: int
    started: float
    deadline: float
    log: Path
    report: Path
    rc: int | None = None


def _matplotlib_cache(folder: Path) -> Path | None:
    """matplotlib's font list built once per run, copied into every fresh work dir."""
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                          env={**os.environ, "MPLCONFIGDIR": str(folder)}, capture_output=True)
    return folder if proc.returncode == 0 and any(folder.glob("fontlist*.json")) else None


def _expected_tests(dirs: CourseDirs, assignment: str) -> dict[str, set[str]]:
    with dirs.gradebook() as gb:
        a = gb.find_assignment(assignment)
        return {nb.name: {c.name for c in nb.grade_cells if c.cell_type == "code"
                          and not any(s.name == c.name for s in nb.solution_cells)} for nb in a.notebooks}


def _classify(log: str, rc: int | None, timed_out: bool, autograded: Path) -> tuple[list, str]:
    flags, detail = [], ""
    if timed_out:
        flags.append("timed out")
    if "[shequn-sandbox] refusing" in log:
        flags.append("sandbox error")
        detail = next(line for line in log.splitlines() if "[shequn-sandbox] refusing" in line)
    if "DeadKernelError" in log or "Kernel died" in log or "kernel died" in log:
        flags.append("kernel died")
        detail = detail or "内核在执行中死亡 (kernel died while executing: memory/process limit, or killed)"
    if not timed_out and (rc != 0 or "[ERROR]" in log.replace("| ERROR]", "[ERROR]")):
        if "kernel died" not in flags and "sandbox error" not in flags:
            flags.append("nbgrader error")
        if not detail:
            errors = [line for line in log.splitlines() if "ERROR" in line]
            detail = errors[-1].strip() if errors else f"exit code {rc}"
    if not timed_out:
        for nb in autograded.glob("*.ipynb"):
            with contextlib.suppress(OSError):
                if '"CellTimeoutError"' in nb.read_text(encoding="utf-8", errors="replace"):
                    flags.append("cell timed out")
                    break
    return flags, detail


def grade_assignment(course: Path, assignment: str, *, workers: int | None = None, timeout: float = 600,
                     cell_timeout: int = 120, memory_mb: int = 2048, nproc: int = 64, cpus: float = 1.0,
                     progress: bool = True, students: list[str] | None = None, out=None,
                     cluster: str | None = None) -> list[Result]:
    """Autograde every collected submission of *assignment*; return one Result per student.

    *cluster*: a Dask scheduler's address; the submissions are graded there
    (:mod:`shequn.grading.running.dask_coordinator`), this machine only writes the gradebook and journal."""
    if cluster:
        from shequn.grading.running.dask_coordinator import grade_on_cluster

        return grade_on_cluster(course, assignment, cluster, timeout=timeout, cell_timeout=cell_timeout,
                                memory_mb=memory_mb, nproc=nproc, cpus=cpus, progress=progress,
                                students=students, out=out)
    from shequn.grading.sandbox.bubblewrap import Limits, Sandbox, SandboxError, sandbox_available

    course = Path(course).resolve()
    out = out or sys.stderr
    dirs = course_dirs(course)
    if not (course / dirs.source / assignment).is_dir():
        raise GradeError(f"找不到作业 {assignment} 的源文件夹 (no source folder): {course / dirs.source / assignment}")
    why = sandbox_available()
    if why:
        raise GradeError(f"无法在沙箱中评分 (cannot grade in the sandbox): {why}")
    with run_lock(dirs):
        return _grade(dirs, assignment, workers, timeout, cell_timeout,
                      Limits(memory_mb=memory_mb, nproc=nproc, cpus=cpus,
                             cpu_seconds=int(max(timeout, cell_timeout)) + 30),
                      progress, students, out, Sandbox, SandboxError)


def _grade(dirs, assignment, workers, timeout, cell_timeout, limits, progress, students, out, Sandbox, SandboxError):
    from nbgrader.api import MissingEntry

    course = dirs.root
    workers = max(1, workers or os.cpu_count() or 1)
    submitted_root = course / dirs.submitted
    all_students, results, todo = plan_grading(dirs, assignment, students)
    state = dirs.state
    (state / "logs" / assignment).mkdir(parents=True, exist_ok=True)
    with dirs.gradebook() as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise GradeError(f"作业 {assignment} 不在成绩册里，请先运行 nbgrader generate_assignment "
                             f"(assignment not in the gradebook: run `nbgrader generate_assignment {assignment}`)")
        for s in all_students:  # create students up front: fewer writes in the workers
            gb.update_or_create_student(s)
    expected = _expected_tests(dirs, assignment)
    seed = grading_seed(dirs)
    blocked = tuple(dirs.settings.get("blocked_modules", {}).get(assignment, ()))

    if not todo:
        return [results[s] for s in all_students if s in results]

    _remove_orphans()
    workroot = Path(tempfile.mkdtemp(prefix=f"shequn-grade-{os.getpid()}-"))
    workroot.chmod(0o711)
    jupyter_dir = workroot / "jupyter"
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[key] = "1"  # the worker imports numpy before it forks: no BLAS threads to fork with
    env["JUPYTER_PATH"] = os.pathsep.join([str(jupyter_dir), *filter(None, [env.get("JUPYTER_PATH")])])
    env.pop("SHEQUN_GRADING_SEED", None)
    sandboxes: list = []
    procs: dict[int, _Worker] = {}
    journal = Journal(journal_path(course, assignment))
    bar = None
    try:
        mpl_cache = _matplotlib_cache(workroot / "mpl-cache")
        data = course / "datasets"
        for i in range(min(workers, len(todo))):
            sandboxes.append(Sandbox(workroot / f"s{i}", slot=i, limits=limits,
                                     datasets=data if data.is_dir() else None, block_modules=blocked,
                                     seed_dir=mpl_cache))
            sandboxes[i].install_kernelspec(jupyter_dir / "kernels", f"shequn-slot-{i}")
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), desc=f"评分 grading {assignment}", unit="份", file=out, dynamic_ncols=True)
        free = list(range(len(sandboxes)))[::-1]
        pending = list(todo)[::-1]
        running: dict[int, _Job] = {}

        def start(student: str, digest: str, slot: int) -> _Job:
            box = sandboxes[slot]
            box.reset()
            report = state / "reports" / assignment / student
            shutil.rmtree(report, ignore_errors=True)
            args = ["autograde", assignment, "--student", student, "--force",
                    f"--Execute.timeout={int(cell_timeout)}", f"--ExecutePreprocessor.timeout={int(cell_timeout)}",
                    f"--ExecutePreprocessor.kernel_name=shequn-slot-{slot}",
                    "--KernelManager.transport=ipc", f"--KernelManager.ip={box.ipc_path}",
                    f"--KernelManager.connection_file={box.connection_file}",
                    f"--TrustedExecute.channel_in={box.in_dir}", f"--TrustedExecute.channel_out={box.out_dir}",
                    f"--TrustedExecute.kernel_datasets={box.workdir / 'datasets'}",
                    f"--TrustedExecute.kernel_workdir={box.workdir}",
                    f"--TrustedExecute.grading_seed={seed}", f"--TrustedExecute.call_timeout={int(cell_timeout)}",
                    f"--TrustedExecute.report_dir={report}",
                    f"--TrustedExecute.cache_dir={workroot / 'grader-cache'}"]  # hidden data, made once a run
            log = state / "logs" / assignment / f"{student}.log"
            if slot not in procs:
                procs[slot] = _Worker(course, env)
            procs[slot].submit(args, log)
            now = time.monotonic()
            return _Job(student, digest, slot, now, now + timeout, log, report)

        def finish(job: _Job, timed_out: bool) -> Result:
            sandboxes[job.slot].kill()  # anything the learner's code left running
            autograded = course / dirs.autograded / job.student / assignment
            text = job.log.read_text(encoding="utf-8", errors="replace") if job.log.exists() else ""
            flags, detail = _classify(text, job.rc, timed_out, autograded)
            invalid = invalid_notebooks(submitted_root / job.student / assignment)
            if invalid:
                flags.insert(0, "invalid notebook")
                detail = "; ".join(invalid)
            elif not timed_out and autograded.is_dir():
                missing = missing_test_cells(autograded, expected)
                if missing:
                    flags.append("test cell missing")
                    detail = detail or "; ".join(missing)
            more, why = trusted_report_flags(job.report)
            flags += [f for f in more if f not in flags]
            detail = detail or "; ".join(why)
            if timed_out:
                detail = f"> {timeout:g} s"
            if any(f in HOLD_BACK for f in flags):
                hold_for_manual(dirs, assignment, job.student, escape_for_log(flags[0] + ": " + detail, 200))
            score, max_score, manual = read_scores(dirs, assignment, job.student)
            if manual and "needs manual grading" not in flags:
                flags.append("needs manual grading")
            status = flags[0] if flags else "ok"
            seconds = round(time.monotonic() - job.started, 2)
            detail = escape_for_log(detail, 300)
            res = Result(job.student, status, flags, score, max_score, seconds, detail)
            journal.append({"student": job.student, "hash": job.digest, "status": status, "flags": flags,
                            "score": score, "max_score": max_score, "seconds": seconds, "detail": detail,
                            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
            return res

        while pending or running:
            while pending and free:
                student, digest = pending.pop()
                slot = free.pop()
                running[slot] = start(student, digest, slot)
            time.sleep(0.05)
            for slot, job in list(running.items()):
                timed_out = False
                job.rc = procs[slot].result()
                if job.rc is None:
                    if time.monotonic() < job.deadline:
                        continue
                    procs.pop(slot).kill()
                    timed_out = True
                elif job.rc == -9:  # the worker itself died: start a fresh one next time
                    procs.pop(slot).kill()
                res = finish(job, timed_out)
                results[job.student] = res
                del running[slot]
                free.append(slot)
                if bar is not None:
                    mark = "✓" if res.status in ("ok", "needs manual grading") else "⚠"
                    score = "-" if res.score is None else f"{res.score:g}/{res.max_score:g}"
                    bar.write(f"{mark} {escape_for_log(res.student, 80)}: {score}  {res.status}  ({res.seconds:.1f}s)")
                    bar.update(1)
    except SandboxError as exc:
        raise GradeError(f"无法准备沙箱 (cannot set up the sandbox): {exc}") from exc
    finally:
        for proc in procs.values():
            proc.kill()
        for box in sandboxes:
            box.close()
        if bar is not None:
            bar.close()
        journal.close()
        shutil.rmtree(workroot, ignore_errors=True)
        give_back(course)
    return [results[s] for s in all_students if s in results]


def _remove_orphans() -> None:
    """What grading runs killed with ``kill -9`` left behind: their cgroups and work folders."""
    import re

    from shequn.grading.sandbox.cgroup import remove_orphans
    from shequn.grading.sandbox.bubblewrap import remove_orphan_mounts

    remove_orphan_mounts()
    remove_orphans()
    for folder in Path(tempfile.gettempdir()).glob("shequn-grade-*"):
        m = re.match(r"shequn-grade-(\d+)-", folder.name)
        if m and not Path(f"/proc/{m.group(1)}").exists():
            shutil.rmtree(folder, ignore_errors=True)
