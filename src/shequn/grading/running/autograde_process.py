"""A grading slot's nbgrader process: nbgrader imported once, one forked child per submission.

``python -P -m shequn.grading.running.autograde_process`` reads job lines ``{"argv": [...], "log": path}``
on stdin, forks a child that runs ``nbgrader ARGV`` (output to *log*) and answers ``{"rc": n}`` on
stdout.  nbgrader's import alone costs ~2 s of CPU, as much as a quarter of a notebook; forking
keeps one process per submission without paying it each time.  The process and its children die
with the grader (``PR_SET_PDEATHSIG``); :class:`AutogradeProcess`, the grader's end of the pipe,
kills its process group on a timeout.  (Not to be confused with a Dask worker, which runs a
whole grading task: :mod:`shequn.grading.running.dask_task`.)
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

__all__ = ["AutogradeProcess", "main"]

PR_SET_PDEATHSIG = 1


class AutogradeProcess:
    """The grader's end: one ``python -P -m shequn.grading.running.autograde_process`` per slot,
    in its own session."""

    def __init__(self, cwd: Path, env: dict[str, str]):
        # -P: the course folder (the cwd) is not on sys.path: no planted module is imported as root
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "shequn.grading.running.autograde_process"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.buf = b""
        os.set_blocking(self.proc.stdout.fileno(), False)

    def submit(self, argv: list[str], log: Path) -> None:
        self.proc.stdin.write((json.dumps({"argv": argv, "log": str(log)}) + "\n").encode())
        self.proc.stdin.flush()

    def result(self) -> int | None:
        """The job's exit code once done; -9 if the process died; None while running."""
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


def _die_with_parent(libc) -> None:
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:
        os._exit(137)


def main() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    _die_with_parent(libc)
    import nbgrader.apps.autogradeapp  # noqa: F401  (the expensive imports, done once)
    import nbgrader.converters.autograde  # noqa: F401
    from nbgrader.apps.nbgraderapp import NbGraderApp

    with contextlib.suppress(Exception):  # imported by the course's nbgrader_config.py
        import shequn.grading.nbgrader_plugins.feedback  # noqa: F401
        import shequn.grading.trusted.execute  # noqa: F401
    with contextlib.suppress(Exception):  # what the trusted tests import: once per worker, not per child
        import pyarrow  # noqa: F401

        import shequn.checks  # noqa: F401
        import shequn.data.generate  # noqa: F401
        import shequn.grading.trusted.channel  # noqa: F401
        import shequn.metrics  # noqa: F401
        import shequn.models.thresholds  # noqa: F401
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
                _die_with_parent(libc)
                fd = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
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


if __name__ == "__main__":
    main()
