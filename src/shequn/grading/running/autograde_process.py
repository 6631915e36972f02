"""A grading slot's worker: nbgrader imported once, one forked child per submission.

``python -P -m shequn.grading.running.autograde_process`` reads job lines ``{"argv": [...], "log": path}`` on stdin,
forks a child that runs ``nbgrader ARGV`` (output to *log*) and answers ``{"rc": n}`` on stdout.
nbgrader's import alone costs ~2 s of CPU, as much as a quarter of a notebook; forking keeps one
process per submission without paying it each time.  Worker and children die with the grader
(``PR_SET_PDEATHSIG``); the scheduler kills the worker's process group on a timeout.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


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
