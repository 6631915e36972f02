"""The trusted test runner: tests run in the grader process, never in the learner's kernel.

:class:`TrustedExecute` replaces nbgrader's ``Execute`` in the autograde chain
(``nbgrader_config.py``).  For one submitted notebook it

1. runs the learner's notebook in the sandboxed kernel with every autograder test cell
   **emptied**: answer cells, instructor cells and cells the learner added run there; no
   test code, reference function, expected value or hidden input does;
2. sends the channel's kernel half (:mod:`shequn.grading.trusted.kernel_codec` and
   :mod:`shequn.grading.trusted.kernel_bridge`) to the kernel before
   the first test cell;
3. runs, in *this* process, the instructor's cells and the test cells, each at its place in the
   submission's order (a test sees what the cells above it left in the kernel, as in plain
   nbgrader; deleted and reordered cells are reported by :mod:`shequn.grading.results.layout`),
   their sources taken from nbgrader's gradebook (as generated from ``source/``, hidden
   tests included), in a namespace where each name the tests need and the instructor's cells
   do not define is asked of the kernel through :class:`~shequn.grading.trusted.channel.Channel`:
   the learner's functions become remote calls that send inputs and receive data;
4. writes each test cell's outputs itself: the check report and the points as an
   ``execute_result``, or an error (0 points).  nbgrader's ``SaveAutoGrades`` then stores
   them in the gradebook against the same grade cells, so formgrader, feedback and export
   work as before.  The kernel's cell outcomes never decide a score.

The hidden data's seed is ``grading_seed`` (set per term by ``shequn grade``); it exists only
in this process, and the data it gives is made once per run (``cache_dir``,
:mod:`shequn.grading.trusted.memo`).  Anything the kernel sends that is not allowed data is recorded as a
violation in the report file that ``shequn grade`` reads (``report_dir``), and flagged.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import shutil
import time
from pathlib import Path
from queue import Empty

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, Unicode

from shequn.grading.results.layout import layout_changes, source_layout
from shequn.grading.trusted.channel import Channel, RemoteError, kernel_source
from shequn.grading.trusted.memo import cached_data
from shequn.grading.trusted.test_cells import (
    GraderShell,
    analysable,
    bound_before_read,
    bound_names,
    free_names,
    run_code,
    run_test_cell,
    stored_names,
    to_python,
)

__all__ = ["TrustedExecute"]


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell) -> bool:
    m = _meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("grade")) and not m.get("solution")


def is_instructor_cell(cell) -> bool:
    m = _meta(cell)
    return (
        cell.get("cell_type") == "code"
        and bool(m.get("locked"))
        and not m.get("grade")
        and not m.get("solution")
    )


class TrustedExecute(Execute):
    """nbgrader ``Execute`` with the tests moved out of the learner's kernel (see module doc)."""

    channel_in = Unicode("", help="the sandbox's channel 'in' folder (host path)").tag(config=True)
    channel_out = Unicode("", help="the sandbox's channel 'out' folder (host path)").tag(config=True)
    kernel_datasets = Unicode("", help="where the kernel sees the course's datasets/").tag(config=True)
    kernel_workdir = Unicode(
        "", help="the kernel's work dir (host path): the assignment's files are copied there"
    ).tag(config=True)
    grading_seed = Integer(0, help="this term's seed of the hidden data (0: the tests' defaults)").tag(
        config=True
    )
    call_timeout = Integer(60, help="seconds per call of a learner function").tag(config=True)
    report_dir = Unicode("", help="where to write the per-notebook report for shequn grade").tag(config=True)
    cache_dir = Unicode(
        "", help="the run's private cache of hidden data (shequn.grading.trusted.memo); '' for none"
    ).tag(config=True)
    # nbgrader's Execute raises when a cell's output is still arriving 4 s after its reply (a learner
    # printing 100 MB, a busy machine): the whole notebook then fails ("nbgrader error") although the
    # learner's outputs decide nothing here.  Missing output is only logged (as a warning).
    raise_on_iopub_timeout = Bool(False, help="fail the notebook on an IOPub timeout").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources=None, km=None):
        if not self.channel_in or not self.channel_out:
            raise RuntimeError(
                "TrustedExecute 只能通过 `shequn grade` 运行 (run autograding with `shequn grade`, "
                "which provides the sandbox and its channel)"
            )
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        info = resources.get("nbgrader", {})
        trusted = self._trusted_sources(info)
        tests = {i: c for i, c in enumerate(nb.cells) if is_test_cell(c)}
        for cell in tests.values():
            cell.source = ""  # nothing of the tests reaches the kernel
        report = {"violations": [], "tests": {}}
        # read-only cells (set-up or tests) the learner deleted: what is there is graded, these are flagged
        present = {_meta(c).get("grade_id") for c in nb.cells}
        report["missing_cells"] = sorted(gid for gid in trusted if gid not in present)
        report.update(layout_changes(nb, source_layout(self.config, info["assignment"], info["notebook"])))
        self._share_files(resources)
        clock = {"start": time.perf_counter(), "learner": 0.0, "tests": 0.0}
        channel = self._channel()  # before the cwd changes: it finds the course's datasets/ from there
        with self.setup_kernel():
            clock["kernel_started"] = time.perf_counter()
            reply = self.wait_for_reply(self.kc.kernel_info())
            nb.metadata["language_info"] = reply["content"]["language_info"]
            ns: dict = {"__name__": "__shequn_tests__"}
            # names the instructor's own cells bind are never taken from the kernel; a test cell's
            # bindings of a learner's name are mirrored into it instead (shequn.grading.trusted.test_cells)
            protected = set().union(
                *(
                    bound_names(to_python(trusted[_meta(c).get("grade_id")]))
                    for c in nb.cells
                    if is_instructor_cell(c) and _meta(c).get("grade_id") in trusted
                )
            )
            self._learner, self._grader_names = set(), set()  # names from the kernel / made here
            # the tests read the assignment's files by relative path, as in plain nbgrader
            with cached_data(self.cache_dir or None), _cwd(self._assignment_dir(resources)):
                self._run_in_order(nb, tests, trusted, ns, channel, report, protected, resources, clock)
            report["violations"] = channel.violations
            report["refused"] = channel.refusals[:20]
            # a kernel that could not be interrupted (or died) during the tests: every later test
            # failed without running; the instructor should know (audit flags it "kernel died")
            report["kernel_gone"] = channel.dead
            report["channel"] = {"calls": channel.calls, "seconds": round(channel.seconds, 4)}
            # where a notebook's time goes (the grading benchmark prints it)
            report["seconds"] = {
                "kernel_start": round(clock["kernel_started"] - clock["start"], 3),
                "learner_cells": round(clock["learner"], 3),
                "trusted_tests": round(clock["tests"], 3),
            }
        self.set_widgets_metadata()
        self._write_report(info, report)
        return self.nb, self.resources

    # ------------------------------------------------------------------ pieces
    def _run_in_order(
        self,
        nb,
        tests: dict,
        trusted: dict,
        ns: dict,
        channel: Channel,
        report: dict,
        protected: set[str],
        resources,
        clock: dict,
    ) -> None:
        """Every cell in the submission's own order, as plain nbgrader runs them: a test sees what the
        cells above it left in the kernel, never what a later cell binds (a learner who moved an answer
        below its test scores as in plain nbgrader, and is flagged by :func:`layout_changes`).  Learner
        and instructor cells run in the kernel; instructor and test cells run here too."""
        bridge = False
        for index, cell in enumerate(nb.cells):
            gid = _meta(cell).get("grade_id")
            start = time.perf_counter()
            if index in tests:
                if not bridge and not channel.dead:
                    self._install_bridge()
                    bridge = True
                source = trusted.get(gid)
                cell.source = source if source is not None else ""
                cell.outputs = self._run_test(cell, source, ns, channel, gid, report, protected)
                cell.execution_count = None
                clock["tests"] += time.perf_counter() - start
                continue
            if channel.dead:  # the kernel died in a test: the cells below cannot run ("kernel died")
                continue
            self.preprocess_cell(cell, resources, index)
            clock["learner"] += time.perf_counter() - start
            if is_instructor_cell(cell) and gid in trusted:
                name = f"<instructor cell {gid}>"
                # a magic in a read-only set-up cell (%matplotlib inline) goes to the grader's shell too
                ns["get_ipython"] = lambda name=name: GraderShell(
                    lambda body: run_code(to_python(body), ns, name=name)
                )
                try:
                    with _quiet():
                        run_code(to_python(trusted[gid]), ns, name=name)
                except Exception as exc:  # noqa: BLE001 - the instructor's cell itself failed
                    report["instructor_errors"] = [
                        *report.get("instructor_errors", []),
                        f"{gid}: {type(exc).__name__}",
                    ]

    def _trusted_sources(self, info: dict) -> dict[str, str]:
        """grade_id -> source of every locked cell, from the gradebook (the instructor's version)."""
        from nbgrader.api import Gradebook

        out = {}
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            for cell in notebook.source_cells:
                if cell.locked and cell.cell_type == "code":
                    out[cell.name] = cell.source
        return out

    @staticmethod
    def _assignment_dir(resources) -> Path | None:
        path = (resources or {}).get("metadata", {}).get("path")
        return Path(path) if path and Path(path).is_dir() else None

    def _share_files(self, resources) -> None:
        """The assignment folder's files (data, images) copied into the kernel's work dir, where
        plain nbgrader's kernel would find them by relative path.  Root-owned and read-only: the
        learner's code can read them; the tests read the grader's own copies, never these."""
        src = self._assignment_dir(resources)
        if not self.kernel_workdir or src is None:
            return
        dst = Path(self.kernel_workdir)
        for path in sorted(src.rglob("*")):
            rel = path.relative_to(src)
            if (
                path.is_symlink()
                or rel.parts[0].startswith(".")
                or path.suffix == ".ipynb"
                or rel.parts[0] in ("datasets", "kernel-ipc")
                or "feedback" in rel.parts
            ):
                continue
            target = dst / rel
            if path.is_dir():
                target.mkdir(exist_ok=True)
                target.chmod(0o755)
            elif path.is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                target.chmod(0o444)

    def _channel(self) -> Channel:
        course_data = Path(os.getcwd()) / "datasets"
        return Channel(
            Path(self.channel_in),
            Path(self.channel_out),
            self._call_kernel,
            kernel_datasets=self.kernel_datasets or None,
            course_datasets=course_data if course_data.is_dir() else None,
            timeout=self.call_timeout,
        )

    def _install_bridge(self) -> None:
        code = (
            f"__shequn_ns__ = {{}}\nexec(compile({kernel_source()!r}, '<shequn-bridge>', "
            "'exec'), __shequn_ns__)\n__shequn_serve__ = (lambda _s, _u: (lambda n: _s(n, _u)))("
            "__shequn_ns__['serve'], get_ipython().user_ns)\ndel __shequn_ns__\n"
        )
        self._call_kernel(code, self.call_timeout)

    def _call_kernel(self, code: str, timeout: float) -> str:
        """Execute *code* silently; 'ok', 'timeout' (interrupted) or 'dead'."""
        from jupyter_core.utils import run_sync

        async def wait(msg_id: str, seconds: float) -> bool:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                try:
                    msg = await self.kc.get_shell_msg(
                        timeout=min(1.0, max(deadline - time.monotonic(), 0.01))
                    )
                except Empty:
                    await drain()
                    if not await self.km.is_alive():
                        return False
                    continue
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    await drain()
                    return True
            return False

        async def drain() -> None:  # learner output during a call is dropped, never recorded
            with contextlib.suppress(Exception):
                while True:
                    await self.kc.get_iopub_msg(timeout=0.001)

        async def go() -> str:
            msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
            if await wait(msg_id, timeout):
                return "ok"
            if not await self.km.is_alive():
                return "dead"
            with contextlib.suppress(Exception):
                # an interrupt *message* on the control channel: ipykernel then signals only itself.
                # km.interrupt_kernel() (interrupt_mode "signal") sends SIGINT to the launcher's
                # process group, whose bubblewrap dies of it and takes the kernel with it: one hanging
                # call would lose every later test of the notebook.
                self.km._connect_control_socket()
                self.km.session.send(
                    self.km._control_socket, self.km.session.msg("interrupt_request", content={})
                )
            return "timeout" if await wait(msg_id, 5) else "dead"

        return run_sync(go)()

    def _run_test(
        self,
        cell,
        source: str | None,
        ns: dict,
        channel: Channel,
        gid: str,
        report: dict,
        protected: set[str],
    ) -> list:
        if source is None:
            report["tests"][gid] = "missing"
            return [_error("MissingTest", "测试单元格不在成绩册里 / test cell not in the gradebook")]
        python = analysable(source)
        try:
            code = compile(python, f"<test {gid}>", "exec")
        except SyntaxError:
            code = None  # reported by run_test_cell as the instructor's error
        read = set(free_names(python) if code is not None else [])
        stored = stored_names(code) if code is not None else set()

        def keep(names):
            return sorted(
                n
                for n in names
                if n not in protected
                and n not in self._grader_names
                and (n not in ns or n in self._learner)
                and not hasattr(builtins, n)
                and not n.startswith("__")
            )

        first = bound_before_read(python) if code is not None else set()  # never the learner's value
        wanted, peek = keep(read - first), keep((stored - read) | (stored & first))
        if wanted and not channel.dead:
            with contextlib.suppress(RemoteError):
                found = channel.proxies(wanted)
                self._learner |= set(found)
                ns.update(found)
        if peek and not channel.dead:  # bound by the test before any read: mirrored, never fetched
            with contextlib.suppress(RemoteError):
                self._learner |= channel.learner_names(peek)
        seed_env = os.environ.get("SHEQUN_GRADING_SEED")
        if self.grading_seed:
            os.environ["SHEQUN_GRADING_SEED"] = str(self.grading_seed)
        points = float(_meta(cell).get("points", 0) or 0)
        try:
            outcome = run_test_cell(source, ns, channel, self._learner, points, gid, run_code)
        finally:
            if seed_env is None:
                os.environ.pop("SHEQUN_GRADING_SEED", None)
            else:
                os.environ["SHEQUN_GRADING_SEED"] = seed_env
        self._grader_names |= {n for n in ns if n not in self._learner}
        report["tests"][gid] = outcome.status
        if outcome.status == "unfaithful":
            report.setdefault("unfaithful", []).append({"cell": gid, **outcome.problem})
        elif outcome.status == "error":
            report.setdefault("failed", {})[gid] = outcome.problem.get("raised", "")
        elif outcome.status == "instructor error":
            report.setdefault("test_errors", []).append({"cell": gid, **outcome.problem})
        return outcome.outputs

    def _write_report(self, info: dict, report: dict) -> None:
        if not self.report_dir:
            return
        folder = Path(self.report_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{info.get('notebook', 'notebook')}.json").write_text(
            json.dumps(report, ensure_ascii=False)
        )


@contextlib.contextmanager
def _cwd(folder: Path | None):
    before = os.getcwd()
    if folder is not None:
        os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@contextlib.contextmanager
def _quiet():
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def _stream(text: str) -> list:
    return [new_output("stream", name="stdout", text=text)] if text else []


def _error(ename: str, evalue: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
