"""``shequn grade ASSIGNMENT --cluster tcp://HOST:8786``: grading on a Dask distributed cluster.

Why Dask: a course that outgrows one machine needs a scheduler, worker discovery, retries when a
node dies, data transfer and a dashboard.  Dask distributed is a well-kept engine that gives all
of them, runs the same on a laptop, a Slurm cluster (``dask-jobqueue``) or Kubernetes
(``dask-kubernetes``), and needs nothing on the grading nodes but ``pip install shequn[cluster]``.
It is an extra: local grading imports none of it.

How results cross: the coordinator (this module, where ``shequn grade`` runs) scatters one
bundle per run (config, source, datasets, a gradebook of the assignment's cells only) and
submits one task per submission with the submission's files as bytes
(:mod:`shequn.grading.running.dask_task` describes both).  A Dask worker grades it with the same unit
as local grading (:func:`~shequn.grading.running.submission.grade_submission`) in a private copy of
the course and returns plain data.  Only the coordinator writes: it checks the
result (:func:`~shequn.grading.running.dask_task.validate_result`), writes the autograded folder, the
log and the grades into the course's nbgrader gradebook, then appends the journal line, as
:mod:`shequn.grading.running.local_pool` does locally.  The journal decides what is done: a rerun after
``kill -9`` grades only what is not in it, with the local rule (same student, same content hash).

Failures: a worker that dies mid-task is noticed by the scheduler, which runs the task again on
another worker (same key: one result per key reaches the coordinator, and a student is applied
at most once per run).  A task that raises is retried once by Dask (``retries=1``), then
resubmitted under a new key (``...-a2``), up to :data:`MAX_ATTEMPTS` failed keys.  A worker
without the sandbox refuses; the task is resubmitted to the other workers and the refusal is
reported.  A result that fails validation is reported and kept in
``logs/ASSIGNMENT/STUDENT.rejected.json``, never written or journaled, so the next run grades it
again.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from shequn.grading.nbgrader_plugins.sanitize import escape_for_log
from shequn.grading.results.gradebook import (
    course_dirs,
    give_back,
    grading_seed,
    read_scores,
    run_lock,
    store_task_grades,
    template_gradebook,
)
from shequn.grading.results.journal import Journal, journal_entry, journal_path, plan_grading
from shequn.grading.results.outcome import FLAG_TEXT, HOLD_BACK, GradeError, Result, progress_line
from shequn.grading.running.dask_task import (
    MAX_SUBMISSION_BYTES,
    PROTOCOL,
    _read_tree,
    expected_cells,
    grade_task,
    validate_result,
)
from shequn.grading.running.submission import GradingOptions

__all__ = ["grade_on_cluster", "NOT_WRITTEN", "CONNECT_TIMEOUT", "MAX_ATTEMPTS"]

CONNECT_TIMEOUT = 5.0  # seconds to reach the scheduler
WORKER_WAIT = 30.0  # seconds to wait for a first worker, or for one after all are gone
MAX_ATTEMPTS = 3  # failed keys per submission (Dask reschedules after a dead worker on top of this)
MAX_BUNDLE_BYTES = 512 * 2**20
# results the coordinator reports but does not write or journal: the next run tries again
NOT_WRITTEN = {
    "invalid result": "结果未通过校验，未写入 (the worker's result failed validation: not written)",
    "worker refused": "工作节点拒绝评分 (every worker refused: no sandbox there)",
    "not graded": "集群未能完成评分 (the cluster could not grade it)",
    "too large": "提交文件过大，未发送 (the submission is too large to send)",
}
_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx)://[^\s/]+:\d+$")


def _connect(address: str, timeout: float):
    try:
        from distributed import Client
    except ImportError:
        raise GradeError(
            "未安装 Dask，请安装 pip install 'shequn[cluster]' "
            "(Dask distributed is not installed: pip install 'shequn[cluster]')"
        ) from None
    if not _ADDRESS.match(address):
        raise GradeError(
            f"调度器地址无效：{address!r}，应为 tcp://HOST:PORT "
            f"(not a scheduler address: {address!r}; expected tcp://HOST:PORT)"
        )
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise GradeError(
            f"无法连接 Dask 调度器 {address}（{timeout:g} 秒内无响应）。\n"
            f"  cannot reach the Dask scheduler at {address} within {timeout:g} s: "
            f"{escape_for_log(exc, 200)}"
        ) from None


def _bundle(dirs, assignment: str, options: GradingOptions) -> dict:
    course = dirs.root
    with tempfile.TemporaryDirectory(prefix=f"shequn-grade-{os.getpid()}-bundle-") as tmp:
        gradebook, course_id = template_gradebook(dirs, assignment, Path(tmp))
    try:
        source = _read_tree(course / dirs.source / assignment, MAX_BUNDLE_BYTES)
        data = _read_tree(course / "datasets", MAX_BUNDLE_BYTES) if (course / "datasets").is_dir() else {}
    except ValueError as exc:
        raise GradeError(f"课程材料过大，无法发送到集群 (course material too large to send): {exc}") from None
    config = course / "nbgrader_config.py"
    return {
        "protocol": PROTOCOL,
        "assignment": assignment,
        "course_id": course_id,
        "config": config.read_bytes() if config.is_file() else b"c = get_config()  # noqa: F821\n",
        "source": source,
        "datasets": data,
        "gradebook": gradebook,
        "seed": grading_seed(dirs),
        "blocked": list(dirs.settings.get("blocked_modules", {}).get(assignment, ())),
        "limits": options.as_data(),
    }


def _extension_seconds(gb, assignment: str, student: str) -> float | None:
    from nbgrader.api import MissingEntry

    try:
        ext = gb.find_submission(assignment, student).extension
    except MissingEntry:
        return None
    return ext.total_seconds() if ext else None


def _replace_folder(target: Path, files: dict) -> None:
    """*target* holds exactly *files* afterwards (written beside it, then swapped in)."""
    from shequn.grading.running.dask_task import _write_tree

    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    _write_tree(fresh, files)
    old = target.with_name(f".{target.name}-old-{secrets.token_hex(4)}")
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def apply_result(dirs, assignment: str, job: dict, result: dict, expected: dict, journal: Journal) -> Result:
    """Check *result*; if sound, write it (autograded files, log, gradebook) and journal it."""
    student = job["student"]
    problems = validate_result(result, job, expected, set(FLAG_TEXT))
    logs = dirs.state / "logs" / assignment
    logs.mkdir(parents=True, exist_ok=True)
    if problems:
        (logs / f"{student}.rejected.json").write_text(
            json.dumps(
                {
                    "task": job["key"],
                    "worker": str(result.get("worker"))[:300] if isinstance(result, dict) else None,
                    "problems": problems[:50],
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
        return Result(
            student, "invalid result", ["invalid result"], detail=escape_for_log("; ".join(problems), 300)
        )
    (logs / f"{student}.rejected.json").unlink(missing_ok=True)  # an earlier run's rejection is over
    if result["autograded"]:
        _replace_folder(dirs.root / dirs.autograded / student / assignment, result["files"])
    (logs / f"{student}.log").write_text(result["log"], encoding="utf-8")
    reports = dirs.state / "reports" / assignment / student
    _replace_folder(reports, {k.encode(): v.encode("utf-8") for k, v in result["reports"].items()})
    flags = [f for f in result["flags"] if f != "needs manual grading"]
    held = any(f in HOLD_BACK for f in flags)
    if result["submitted"]:
        store_task_grades(dirs, assignment, student, result, held)
    score, max_score, manual = read_scores(dirs, assignment, student)
    if manual:
        flags.append("needs manual grading")
    status = flags[0] if flags else "ok"
    detail, seconds = escape_for_log(result["detail"], 300), round(float(result["seconds"]), 2)
    res = Result(student, status, flags, score, max_score, seconds, detail)
    journal.append(
        journal_entry(res, job["hash"], task=job["key"], worker=escape_for_log(result["worker"], 120))
    )
    return res


def grade_on_cluster(
    course: Path,
    assignment: str,
    address: str,
    options: GradingOptions | None = None,
    *,
    progress: bool = True,
    students: list[str] | None = None,
    out: TextIO | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> list[Result]:
    """Grade every collected submission of *assignment* on the Dask cluster at *address*."""
    from nbgrader.api import MissingEntry

    options = options or GradingOptions()
    course, out = Path(course).resolve(), out or sys.stderr
    dirs = course_dirs(course)
    if not (course / dirs.source / assignment).is_dir():
        raise GradeError(
            f"找不到作业 {assignment} 的源文件夹 (no source folder): {course / dirs.source / assignment}"
        )
    with run_lock(dirs):
        names, results, todo = plan_grading(dirs, assignment, students)
        with dirs.gradebook() as gb:
            try:
                expected = expected_cells(gb, assignment)
            except MissingEntry:
                raise GradeError(
                    f"作业 {assignment} 不在成绩册里，请先运行 nbgrader generate_assignment "
                    f"(assignment not in the gradebook: run `nbgrader generate_assignment {assignment}`)"
                ) from None
            for s in names:
                gb.update_or_create_student(s)
            extensions = {s: _extension_seconds(gb, assignment, s) for s, _ in todo}
        if todo:
            client = _connect(address, connect_timeout)
            try:
                results.update(
                    _run(client, dirs, assignment, todo, extensions, options, progress, out, expected)
                )
            finally:
                client.close()
                give_back(course)
    return [results[s] for s in names if s in results]


def _run(client, dirs, assignment, todo, extensions, options, progress, out, expected) -> dict[str, Result]:
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=len(todo),
            desc=f"评分 grading {assignment} @ cluster",
            unit="份",
            file=out,
            dynamic_ncols=True,
        )
    results: dict[str, Result] = {}
    run_id = f"{os.getpid()}-{secrets.token_hex(3)}"
    refused: dict[str, str] = {}  # worker address -> why it cannot grade
    running: dict = {}  # future -> job
    journal = Journal(journal_path(dirs.root, assignment))

    def note(res: Result) -> None:
        results[res.student] = res
        if bar is not None:
            bar.write(progress_line(res))
            bar.update(1)

    def submit(job: dict) -> None:
        workers = None
        if refused:
            workers = [w for w in client.scheduler_info(n_workers=-1)["workers"] if w not in refused]
            if not workers:
                why = "; ".join(sorted(set(refused.values())))
                note(
                    Result(
                        job["student"], "worker refused", ["worker refused"], detail=escape_for_log(why, 300)
                    )
                )
                return
        job = {**job, "key": f"shequn-grade-{run_id}-{job['index']}-a{job['attempt']}"}
        running[
            client.submit(
                grade_task,
                job,
                bundle,
                key=job["key"],
                pure=False,
                retries=1,
                workers=workers,
                allow_other_workers=False,
            )
        ] = job

    try:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT)
        except TimeoutError:
            raise GradeError(
                f"调度器 {client.scheduler.address} 上没有工作节点（等待 {WORKER_WAIT:g} 秒）"
                f" (no Dask worker joined the scheduler within {WORKER_WAIT:g} s)"
            ) from None
        bundle = client.scatter([_bundle(dirs, assignment, options)], broadcast=True, hash=False)[0]
        for index, (student, digest) in enumerate(todo):
            files = {}
            try:
                files = _read_tree(dirs.root / dirs.submitted / student / assignment, MAX_SUBMISSION_BYTES)
            except ValueError:
                note(
                    Result(
                        student,
                        "too large",
                        ["too large"],
                        detail=f"> {MAX_SUBMISSION_BYTES // 2**20} MB: 请在本机评分 (grade it locally)",
                    )
                )
                continue
            submit(
                {
                    "index": index,
                    "student": student,
                    "hash": digest,
                    "attempt": 1,
                    "failures": 0,
                    "extension": extensions.get(student),
                    "files": files,
                }
            )
        idle_since = None
        while running:
            done = [f for f in running if f.done()]
            if not done:
                time.sleep(0.2)
            for fut in done:
                job = running.pop(fut)
                student = job["student"]
                if fut.status != "finished":
                    exc = fut.exception() if fut.status == "error" else fut.status
                    why = escape_for_log(f"{type(exc).__name__}: {exc}", 300)
                    fut.release()
                    if job["failures"] + 1 < MAX_ATTEMPTS:
                        submit({**job, "attempt": job["attempt"] + 1, "failures": job["failures"] + 1})
                    else:
                        note(Result(student, "not graded", ["not graded"], detail=why))
                    continue
                result = fut.result()
                fut.release()
                if student in results:  # already applied in this run: never twice
                    continue
                if (
                    isinstance(result, dict)
                    and result.get("key") == job["key"]
                    and set(result) == {"protocol", "key", "student", "hash", "attempt", "worker", "refused"}
                ):
                    worker = str(result.get("worker", "?")).split(" ")[0]
                    if worker not in refused:
                        refused[worker] = escape_for_log(result["refused"], 300)
                        print(f"工作节点拒绝评分 (worker refused the task): {refused[worker]}", file=out)
                    submit({**job, "attempt": job["attempt"] + 1})  # a new key, on the other workers
                    continue
                with_files = {k: v for k, v in job.items() if k != "files"}
                note(apply_result(dirs, assignment, with_files, result, expected, journal))
            if not done and not client.scheduler_info(n_workers=-1)["workers"]:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > WORKER_WAIT:
                    for job in running.values():
                        note(
                            Result(
                                job["student"],
                                "not graded",
                                ["not graded"],
                                detail=f"no worker left for {WORKER_WAIT:g} s",
                            )
                        )
                    client.cancel(list(running))
                    running.clear()
            else:
                idle_since = None
    except OSError as exc:  # the scheduler went away (CommClosedError is an OSError)
        raise GradeError(
            f"与 Dask 调度器 {client.scheduler.address} 的连接中断，"
            "已完成的评分已记入日志，重新运行即可继续。\n"
            f"  lost the Dask scheduler ({escape_for_log(exc, 200)}); finished results are journaled, "
            f"run again to grade the rest"
        ) from None
    finally:
        if running:
            client.cancel(list(running))
        journal.close()
        if bar is not None:
            bar.close()
    return results
