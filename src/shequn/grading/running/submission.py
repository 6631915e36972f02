"""One submission graded in one sandbox slot: the unit the local pool and the Dask task share.

A submission takes one path (CONTRIBUTING.md, 「A map of grading」):

1. :class:`Slots` prepares a run's sandbox slots (:mod:`shequn.grading.sandbox`): per slot a
   bubblewrap sandbox with its own cgroup, a kernelspec that starts the kernel in it, and one
   long-lived ``nbgrader`` process (:mod:`~shequn.grading.running.autograde_process`: nbgrader
   imported once, one fork per submission).
2. :class:`SubmissionRun` starts ``nbgrader autograde ASSIGNMENT --student S`` in a slot: the
   course's autograde chain, whose ``Execute`` is
   :class:`~shequn.grading.trusted.execute.TrustedExecute`, given the slot's sandbox and channel
   folders, the term's seed and the :class:`GradingOptions`.  :meth:`SubmissionRun.poll` says
   when it is done, and kills it at the notebook's timeout.
3. Its :class:`~shequn.grading.results.outcome.Result`: flags from nbgrader's log, the
   submission's notebooks and the trusted runner's reports (:mod:`shequn.grading.results.outcome`);
   a flagged submission's grades are held for manual grading; the score is read back from the
   gradebook that nbgrader's own ``SaveAutoGrades`` wrote.

:func:`grade_submission` is steps 2 and 3 for one submission, waiting for it.  The local pool
(:mod:`~shequn.grading.running.local_pool`) keeps several :class:`SubmissionRun` going at once; a
Dask task (:mod:`~shequn.grading.running.dask_task`) calls :func:`grade_submission` in a one-slot
private copy of the course.  Neither runner calls the other; ``shequn grade`` chooses one.

:class:`GradingOptions` carries the limits everywhere.  ``cell_timeout`` goes from
``--cell-timeout`` into :meth:`GradingOptions.nbgrader_flags`: nbgrader's per-cell timeout for the
learner's cells in the kernel, and ``TrustedExecute.call_timeout``, which the trusted runner gives
its :class:`~shequn.grading.trusted.channel.Channel` as the timeout of every call into the
learner's code.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from shequn.grading.nbgrader_plugins.sanitize import escape_for_log
from shequn.grading.results.gradebook import CourseDirs, hold_for_manual, read_scores
from shequn.grading.results.outcome import (
    HOLD_BACK,
    GradeError,
    Result,
    classify_log,
    invalid_notebooks,
    missing_test_cells,
    trusted_report_flags,
)
from shequn.grading.running.autograde_process import AutogradeProcess

if TYPE_CHECKING:
    from shequn.grading.sandbox.bubblewrap import Limits, Sandbox

__all__ = ["GradingOptions", "Assignment", "load_assignment", "Slots", "SubmissionRun", "grade_submission"]


@dataclass(frozen=True)
class GradingOptions:
    """A run's limits, from ``shequn grade``'s flags to the sandbox, nbgrader and the channel."""

    timeout: float = 600  # seconds per notebook (--timeout); then the slot's process and sandbox are killed
    cell_timeout: int = 120  # seconds per learner cell and per call into learner code (--cell-timeout)
    memory_mb: int = 2048  # the sandbox's cgroup (--memory)
    nproc: int = 64  # processes and threads in the cgroup
    cpus: float = 1.0  # the cgroup's CPU share (cores)

    def __post_init__(self) -> None:  # plain types: the options cross to Dask workers as data
        for name, kind in (
            ("timeout", float),
            ("cell_timeout", int),
            ("memory_mb", int),
            ("nproc", int),
            ("cpus", float),
        ):
            object.__setattr__(self, name, kind(getattr(self, name)))

    def sandbox_limits(self) -> Limits:
        from shequn.grading.sandbox.bubblewrap import Limits

        return Limits(
            memory_mb=self.memory_mb,
            nproc=self.nproc,
            cpus=self.cpus,
            cpu_seconds=int(max(self.timeout, self.cell_timeout)) + 30,
        )

    def nbgrader_flags(self) -> list[str]:
        """``cell_timeout`` for nbgrader's ``Execute`` (each learner cell in the kernel) and for the
        trusted runner's channel (each call into the learner's code)."""
        seconds = self.cell_timeout
        return [
            f"--Execute.timeout={seconds}",
            f"--ExecutePreprocessor.timeout={seconds}",
            f"--TrustedExecute.call_timeout={seconds}",
        ]

    def as_data(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Assignment:
    """An assignment as the grader needs it: its course, its name, the test cells each notebook
    must hold exactly once, and the modules masked in its sandbox."""

    dirs: CourseDirs
    name: str
    tests: dict[str, set[str]]
    blocked: tuple[str, ...]


def load_assignment(dirs: CourseDirs, name: str, students: list[str]) -> Assignment:
    """*name* from the course's gradebook (a GradeError if it is not there), with *students* added
    up front (fewer writes while grading)."""
    from nbgrader.api import MissingEntry

    with dirs.gradebook() as gb:
        try:
            found = gb.find_assignment(name)
        except MissingEntry:
            raise GradeError(
                f"作业 {name} 不在成绩册里，请先运行 nbgrader generate_assignment "
                f"(assignment not in the gradebook: run `nbgrader generate_assignment {name}`)"
            ) from None
        for s in students:
            gb.update_or_create_student(s)
        tests = {
            nb.name: {
                c.name
                for c in nb.grade_cells
                if c.cell_type == "code" and not any(s.name == c.name for s in nb.solution_cells)
            }
            for nb in found.notebooks
        }
    blocked = tuple(dirs.settings.get("blocked_modules", {}).get(name, ()))
    return Assignment(dirs, name, tests, blocked)


def _sandbox_error(exc: Exception) -> GradeError:
    return GradeError(f"无法准备沙箱 (cannot set up the sandbox): {exc}")


class Slots:
    """*count* sandbox slots for one run (module doc, step 1); closing kills and removes all of it."""

    def __init__(self, assignment: Assignment, options: GradingOptions, count: int):
        from shequn.grading.sandbox.bubblewrap import Sandbox, SandboxError

        _remove_orphans()
        self.course = assignment.dirs.root
        self.workroot = Path(tempfile.mkdtemp(prefix=f"shequn-grade-{os.getpid()}-"))
        self.workroot.chmod(0o711)
        jupyter_dir = self.workroot / "jupyter"
        self.env = _environment(jupyter_dir)
        self.boxes: list[Sandbox] = []
        self.processes: dict[int, AutogradeProcess] = {}
        try:
            mpl_cache = _matplotlib_cache(self.workroot / "mpl-cache")
            data = self.course / "datasets"
            for i in range(count):
                self.boxes.append(
                    Sandbox(
                        self.workroot / f"s{i}",
                        slot=i,
                        limits=options.sandbox_limits(),
                        datasets=data if data.is_dir() else None,
                        block_modules=assignment.blocked,
                        seed_dir=mpl_cache,
                    )
                )
                self.boxes[i].install_kernelspec(jupyter_dir / "kernels", f"shequn-slot-{i}")
        except SandboxError as exc:
            self.close()
            raise _sandbox_error(exc) from exc
        except BaseException:
            self.close()
            raise

    @property
    def cache_dir(self) -> Path:
        """The trusted runner's hidden data, made once a run (:mod:`shequn.grading.trusted.memo`)."""
        return self.workroot / "grader-cache"

    def process(self, slot: int) -> AutogradeProcess:
        if slot not in self.processes:
            self.processes[slot] = AutogradeProcess(self.course, self.env)
        return self.processes[slot]

    def drop_process(self, slot: int) -> None:
        """Kill the slot's nbgrader process (timed out, or dead); the next submission starts a fresh one."""
        self.processes.pop(slot).kill()

    def close(self) -> None:
        for proc in self.processes.values():
            proc.kill()
        self.processes.clear()
        for box in self.boxes:
            box.close()
        shutil.rmtree(self.workroot, ignore_errors=True)

    def __enter__(self) -> Slots:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class SubmissionRun:
    """One submission being graded in one slot (module doc, steps 2 and 3)."""

    def __init__(
        self,
        slots: Slots,
        slot: int,
        assignment: Assignment,
        student: str,
        options: GradingOptions,
        seed: int,
    ):
        from shequn.grading.sandbox.bubblewrap import SandboxError

        self.slots, self.slot, self.assignment, self.student, self.options = (
            slots,
            slot,
            assignment,
            student,
            options,
        )
        dirs, name = assignment.dirs, assignment.name
        box = slots.boxes[slot]
        try:
            box.reset()
        except SandboxError as exc:
            raise _sandbox_error(exc) from exc
        self.report = dirs.state / "reports" / name / student
        shutil.rmtree(self.report, ignore_errors=True)
        argv = [
            "autograde",
            name,
            "--student",
            student,
            "--force",
            *options.nbgrader_flags(),
            f"--ExecutePreprocessor.kernel_name=shequn-slot-{slot}",
            "--KernelManager.transport=ipc",
            f"--KernelManager.ip={box.ipc_path}",
            f"--KernelManager.connection_file={box.connection_file}",
            f"--TrustedExecute.channel_in={box.in_dir}",
            f"--TrustedExecute.channel_out={box.out_dir}",
            f"--TrustedExecute.kernel_datasets={box.workdir / 'datasets'}",
            f"--TrustedExecute.kernel_workdir={box.workdir}",
            f"--TrustedExecute.grading_seed={seed}",
            f"--TrustedExecute.report_dir={self.report}",
            f"--TrustedExecute.cache_dir={slots.cache_dir}",
        ]
        self.log = dirs.state / "logs" / name / f"{student}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        slots.process(slot).submit(argv, self.log)
        self.started = time.monotonic()
        self.deadline = self.started + options.timeout

    def poll(self) -> Result | None:
        """None while nbgrader runs; the Result once it is done, or killed at the notebook's timeout."""
        rc = self.slots.processes[self.slot].result()
        timed_out = False
        if rc is None:
            if time.monotonic() < self.deadline:
                return None
            self.slots.drop_process(self.slot)
            timed_out = True
        elif rc == -9:  # the nbgrader process itself died: the slot starts a fresh one next time
            self.slots.drop_process(self.slot)
        return self._finish(rc, timed_out)

    def _finish(self, rc: int | None, timed_out: bool) -> Result:
        dirs, name, student = self.assignment.dirs, self.assignment.name, self.student
        self.slots.boxes[self.slot].kill()  # anything the learner's code left running
        autograded = dirs.root / dirs.autograded / student / name
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        flags, detail = classify_log(text, rc, timed_out, autograded)
        invalid = invalid_notebooks(dirs.root / dirs.submitted / student / name)
        if invalid:
            flags.insert(0, "invalid notebook")
            detail = "; ".join(invalid)
        elif not timed_out and autograded.is_dir():
            missing = missing_test_cells(autograded, self.assignment.tests)
            if missing:
                flags.append("test cell missing")
                detail = detail or "; ".join(missing)
        more, why = trusted_report_flags(self.report)
        flags += [f for f in more if f not in flags]
        detail = detail or "; ".join(why)
        if timed_out:
            detail = f"> {self.options.timeout:g} s"
        if any(f in HOLD_BACK for f in flags):
            hold_for_manual(dirs, name, student, escape_for_log(flags[0] + ": " + detail, 200))
        score, max_score, manual = read_scores(dirs, name, student)
        if manual and "needs manual grading" not in flags:
            flags.append("needs manual grading")
        status = flags[0] if flags else "ok"
        seconds = round(time.monotonic() - self.started, 2)
        return Result(student, status, flags, score, max_score, seconds, escape_for_log(detail, 300))


def grade_submission(
    slots: Slots, slot: int, assignment: Assignment, student: str, options: GradingOptions, seed: int
) -> Result:
    """Grade *student*'s submission of *assignment* in *slot*, waiting for it (module doc)."""
    run = SubmissionRun(slots, slot, assignment, student, options, seed)
    while (result := run.poll()) is None:
        time.sleep(0.05)
    return result


def _environment(jupyter_dir: Path) -> dict[str, str]:
    """The nbgrader processes' environment: this Python first, the slots' kernelspecs, no BLAS threads."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[key] = "1"  # the nbgrader process imports numpy before it forks: no BLAS threads to fork with
    env["JUPYTER_PATH"] = os.pathsep.join([str(jupyter_dir), *filter(None, [env.get("JUPYTER_PATH")])])
    env.pop("SHEQUN_GRADING_SEED", None)
    return env


def _matplotlib_cache(folder: Path) -> Path | None:
    """matplotlib's font list built once per run, copied into every fresh work dir."""
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-c", "import matplotlib.font_manager"],
        env={**os.environ, "MPLCONFIGDIR": str(folder)},
        capture_output=True,
    )
    return folder if proc.returncode == 0 and any(folder.glob("fontlist*.json")) else None


def _remove_orphans() -> None:
    """What grading runs killed with ``kill -9`` left behind: their cgroups and work folders."""
    from shequn.grading.sandbox.bubblewrap import remove_orphan_mounts
    from shequn.grading.sandbox.cgroup import remove_orphans

    remove_orphan_mounts()
    remove_orphans()
    for folder in Path(tempfile.gettempdir()).glob("shequn-grade-*"):
        m = re.match(r"shequn-grade-(\d+)-", folder.name)
        if m and not Path(f"/proc/{m.group(1)}").exists():
            shutil.rmtree(folder, ignore_errors=True)
