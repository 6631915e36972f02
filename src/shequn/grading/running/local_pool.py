"""``shequn grade``: parallel, sandboxed, resumable autograding through nbgrader.

* Every collected submission is graded by the real ``nbgrader autograde ASSIGNMENT --student S``
  in its own process, at most ``workers`` at a time, one per sandbox slot
  (:class:`~shequn.grading.running.submission.SubmissionRun`, the unit a Dask task uses too).
* nbgrader's ``Execute`` is :class:`~shequn.grading.trusted.execute.TrustedExecute` (the course's
  ``nbgrader_config.py``): the learner's cells run in the slot's sandbox
  (:class:`~shequn.grading.sandbox.bubblewrap.Sandbox`: bubblewrap, unprivileged uid, its own cgroup),
  the tests in the nbgrader process, which never runs learner code.
* Each submission gets a fresh sandbox (new cgroup, empty work dir and channel); when it
  ends, everything it started is killed and everything it wrote removed.
* The per-notebook wall-clock timeout kills the slot's nbgrader process group and the sandbox; the
  submission is flagged and its grades need manual grading.  Every flag (timeout, dead
  kernel, invalid notebook, refused answer data, missing test cell, grader error) marks the
  submission's grades for manual grading, and ``shequn grade export`` holds it back until an
  instructor has graded it in formgrader.
* Resumable: the journal (:mod:`shequn.grading.results.journal`) gets one fsync'd line per finished
  submission; a rerun skips what is done.  SIGTERM or SIGINT stops a run cleanly
  (:class:`_StopSignals`): no new submission starts, the running ones are killed with their
  sandboxes and left out of the journal (a rerun grades them), and every finished one is in it.
* The hidden tests' seed (``ShequnGrade.grading_seed`` in ``nbgrader_config.py``, set per term)
  reaches only the trusted runner; without one, a random per-course seed is made once and kept
  in the grader's state folder (:func:`~shequn.grading.results.gradebook.grading_seed`).

This module is the local pool: it plans the run (the journal), keeps ``workers`` submissions
going in their slots, journals each result and shows progress.  One submission's grading is
:mod:`shequn.grading.running.submission`; what a run reports
(:class:`~shequn.grading.results.outcome.Result`, the flags, the summary table) is in
:mod:`shequn.grading.results.outcome`, shared with the Dask run
(:mod:`shequn.grading.running.dask_coordinator`, which ``shequn grade --cluster`` uses instead of
this module).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from shequn.grading.results.gradebook import CourseDirs, course_dirs, give_back, grading_seed, run_lock
from shequn.grading.results.journal import Journal, journal_entry, journal_path, plan_grading
from shequn.grading.results.outcome import GradeError, GradingStopped, Result, progress_line
from shequn.grading.running.submission import GradingOptions, Slots, SubmissionRun, load_assignment

__all__ = ["grade_assignment"]


def grade_assignment(
    course: Path,
    assignment: str,
    options: GradingOptions | None = None,
    *,
    workers: int | None = None,
    progress: bool = True,
    students: list[str] | None = None,
    out: TextIO | None = None,
) -> list[Result]:
    """Autograde every collected submission of *assignment* on this machine; one Result per student."""
    from shequn.grading.sandbox.bubblewrap import sandbox_available

    options = options or GradingOptions()
    course = Path(course).resolve()
    dirs = course_dirs(course)
    if not (course / dirs.source / assignment).is_dir():
        raise GradeError(
            f"找不到作业 {assignment} 的源文件夹 (no source folder): {course / dirs.source / assignment}"
        )
    why = sandbox_available()
    if why:
        raise GradeError(f"无法在沙箱中评分 (cannot grade in the sandbox): {why}")
    with run_lock(dirs):
        return _grade(dirs, assignment, options, workers, progress, students, out or sys.stderr)


def _grade(
    dirs: CourseDirs,
    name: str,
    options: GradingOptions,
    workers: int | None,
    progress: bool,
    students: list[str] | None,
    out: TextIO,
) -> list[Result]:
    workers = max(1, workers or os.cpu_count() or 1)
    all_students, results, todo = plan_grading(dirs, name, students)
    assignment = load_assignment(dirs, name, all_students)
    seed = grading_seed(dirs)
    if not todo:
        return [results[s] for s in all_students if s in results]

    journal = Journal(journal_path(dirs.root, name))
    bar = None
    signals = _StopSignals()
    stopped = signals.caught
    try:
        with Slots(assignment, options, min(workers, len(todo))) as slots, signals.cleaning_after():
            if progress:
                from tqdm import tqdm

                bar = tqdm(
                    total=len(todo), desc=f"评分 grading {name}", unit="份", file=out, dynamic_ncols=True
                )
            free = list(range(len(slots.boxes)))[::-1]
            pending = list(todo)[::-1]
            running: dict[int, tuple[SubmissionRun, str]] = {}  # slot -> (its submission, content hash)
            while (pending or running) and not stopped:
                while pending and free and not stopped:
                    student, digest = pending.pop()
                    slot = free.pop()
                    running[slot] = (SubmissionRun(slots, slot, assignment, student, options, seed), digest)
                time.sleep(0.05)
                for slot, (run, digest) in list(running.items()):
                    res = run.poll()
                    if res is None:
                        continue
                    journal.append(journal_entry(res, digest))
                    results[res.student] = res
                    del running[slot]
                    free.append(slot)
                    if bar is not None:
                        bar.write(progress_line(res))
                        bar.update(1)
            if stopped:  # the running submissions are killed with the slots, unjournaled: a rerun grades them
                sig, left = signal.Signals(stopped[0]).name, len(pending) + len(running)
                raise GradingStopped(
                    f"评分被 {sig} 中止：{len(todo) - left} 份已评分并记入日志，其余 {left} 份"
                    f"再次运行即可补评 (stopped by {sig}: {len(todo) - left} graded and journaled, "
                    f"{left} not; run shequn grade again to finish)",
                    stopped[0],
                )
    finally:
        if bar is not None:
            bar.close()
        journal.close()
        give_back(dirs.root)
        signals.restore()
    return [results[s] for s in all_students if s in results]


class _StopSignals:
    """SIGTERM and SIGINT only ask the run to stop (:attr:`caught`), so a finished submission is
    always journaled and closing the slots kills the nbgrader processes and sandboxes (Python's
    default for SIGTERM would end the process without it).  A second signal interrupts at once
    (KeyboardInterrupt), still through that clean-up; none interrupts the clean-up itself
    (:meth:`cleaning_after`).  Only in the main thread."""

    def __init__(self) -> None:
        self.caught: list[int] = []
        self._cleaning = False
        self._old: dict = {}
        if threading.current_thread() is threading.main_thread():
            self._old = {s: signal.signal(s, self._handler) for s in (signal.SIGTERM, signal.SIGINT)}

    def _handler(self, signum, frame) -> None:
        first = not self.caught
        self.caught.append(signum)
        if not first and not self._cleaning:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def cleaning_after(self):
        """The body may be interrupted; once it ends (or raises), what follows is clean-up."""
        try:
            yield
        finally:
            self._cleaning = True

    def restore(self) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
